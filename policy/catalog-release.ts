// A catalog release: the whole AI-CLI catalog as one versioned file, so IT can bring a server's catalog up to
// date without upgrading anything (`npm run catalog:release` writes it, `cordon admin catalog import` loads it).
// Agents need no upgrade either: the tools' signatures travel inside every signed compiled policy.
import Type from 'typebox';
import { Catalog } from './catalog.ts';
import { CatalogEntrySchema, type CatalogEntry } from './catalog-schema.ts';
import { catalogEntryProblems } from './catalog-entry-checks.ts';
import { problem, type Problem } from './problems.ts';
import { SchemaValidator } from './yaml-source.ts';

export const CATALOG_RELEASE_FORMAT = 'cordon.catalog/1';

const VERSION_PATTERN = '^[0-9]{4}\\.[0-9]{2}\\.[0-9]{2}(\\.[0-9]{1,4})?$';

export const CatalogReleaseSchema = Type.Object(
  {
    format: Type.Literal(CATALOG_RELEASE_FORMAT),
    version: Type.String({ pattern: VERSION_PATTERN, description: 'YYYY.MM.DD or YYYY.MM.DD.N; must be newer than the catalog in force' }),
    entries: Type.Array(CatalogEntrySchema, { minItems: 1, maxItems: 1000 }),
  },
  { additionalProperties: false },
);

export interface CatalogRelease {
  format: typeof CATALOG_RELEASE_FORMAT;
  version: string;
  entries: CatalogEntry[];
}

const validator = new SchemaValidator(CatalogReleaseSchema);

/** Negative, zero or positive as `a` is older than, the same as, or newer than `b`. */
export function compareCatalogVersions(a: string, b: string): number {
  const parts = (v: string) => v.split('.').map(Number);
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < 4; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Parses and validates a release (JSON or YAML) with every problem located: `entries[3].signatures…`. */
export function parseCatalogRelease(text: string, source: string): CatalogRelease {
  return validator.parse(text, source, (release) => releaseProblems(release as CatalogRelease)) as CatalogRelease;
}

function releaseProblems(release: CatalogRelease): Problem[] {
  const problems: Problem[] = [];
  const [year, month, day] = release.version.split('.').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) problems.push(problem(['version'], `"${release.version}" is not a calendar date`));
  const seen = new Map<string, number>();
  release.entries.forEach((entry, i) => {
    const first = seen.get(entry.id);
    if (first !== undefined) problems.push(problem(['entries', i, 'id'], `duplicate tool id "${entry.id}" (also entries[${first}])`));
    else seen.set(entry.id, i);
    for (const p of catalogEntryProblems(entry)) problems.push(problem(['entries', i, ...(p.segments ?? [])], p.message));
  });
  release.entries.forEach((entry, i) => {
    if (entry.embeds && !seen.has(entry.embeds)) problems.push(problem(['entries', i, 'embeds'], `"${entry.embeds}" is not in this release`));
  });
  return problems;
}

export function catalogOfRelease(release: CatalogRelease): Catalog {
  return new Catalog(release.entries, release.version);
}

export function releaseOfCatalog(catalog: Catalog, version: string): CatalogRelease {
  return { format: CATALOG_RELEASE_FORMAT, version, entries: [...catalog.entries] };
}

/** What a release changes against the catalog in force, by tool id: for the audit log and the importer's reply. */
export function catalogChanges(from: Catalog, to: Catalog): { added: string[]; removed: string[]; changed: string[] } {
  const same = (a: CatalogEntry, b: CatalogEntry) => JSON.stringify(a) === JSON.stringify(b);
  return {
    added: to.ids.filter((id) => !from.has(id)).sort(),
    removed: from.ids.filter((id) => !to.has(id)).sort(),
    changed: to.ids.filter((id) => from.has(id) && !same(from.get(id)!, to.get(id)!)).sort(),
  };
}
