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
  (entry.endpoint?.sources ?? []).forEach((source, i) => {
    const at = ['endpoint', 'sources', i];
    if ((source.env === undefined) === (source.file === undefined)) problems.push(problem(at, 'needs exactly one of "env" and "file"'));
    if (source.file !== undefined && (source.format === undefined || (source.key === undefined && source.unknownIfKey === undefined)))
      problems.push(problem(at, 'a file source needs "format" and a "key" or "unknownIfKey"'));
    if (source.env !== undefined && (source.format !== undefined || source.key !== undefined || source.unknownIfKey !== undefined)) problems.push(problem(at, '"format" and "key" belong to file sources'));
  });
  (entry.signatures.sharedPaths ?? []).forEach((p, i) => {
    // A shared location with no toolchain condition would be a plain path rule that claims other programs.
    if (!p.builtWith && !p.notBuiltWith) problems.push(problem(['signatures', 'sharedPaths', i], 'needs "builtWith" or "notBuiltWith": other programs use this location too'));
  });
  if (entry.embeds === entry.id) problems.push(problem(['embeds'], 'must name another tool'));
  return problems;
}
