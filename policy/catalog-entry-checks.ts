// Checks on one catalog entry that its schema cannot express; shared by the built-in catalog's loader and a
// catalog release's validation, so both refuse the same entries with the same words.
import type { CatalogEntry } from './catalog-schema.ts';
import { problem, type Problem } from './problems.ts';

export function catalogEntryProblems(entry: CatalogEntry): Problem[] {
  const problems: Problem[] = [];
  (entry.signatures.markers ?? []).forEach((m, i) => {
    const at = ['signatures', 'markers', i];
    if (m.region === 'section' && !m.section) problems.push(problem([...at, 'section'], 'is required when region is "section"'));
    if (m.region !== 'section' && m.section) problems.push(problem([...at, 'section'], 'is only meaningful with region "section"'));
    if (m.atLeast !== undefined && m.atLeast > m.all.length) problems.push(problem([...at, 'atLeast'], `must not exceed the ${m.all.length} strings listed in "all"`));
  });
  if (entry.embeds === entry.id) problems.push(problem(['embeds'], 'must name another tool'));
  return problems;
}
