// The built-in AI-CLI catalog: every policy/catalog/*.yaml, validated once on load.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CatalogEntrySchema, type CatalogEntry } from './catalog-schema.ts';
import { catalogEntryProblems } from './catalog-entry-checks.ts';
import { BUILT_IN_CATALOG_VERSION } from './catalog-version.ts';
import { problem, ValidationError } from './problems.ts';
import { SchemaValidator } from './yaml-source.ts';

export const CATALOG_DIR = fileURLToPath(new URL('./catalog/', import.meta.url));

const validator = new SchemaValidator(CatalogEntrySchema);

export class Catalog {
  private readonly byId: ReadonlyMap<string, CatalogEntry>;
  constructor(
    readonly entries: readonly CatalogEntry[],
    /** The catalog release this is (policy/catalog-version.ts for the built-in one). */
    readonly version: string = BUILT_IN_CATALOG_VERSION,
  ) {
    this.byId = new Map(entries.map((e) => [e.id, e]));
  }
  get(id: string): CatalogEntry | undefined {
    return this.byId.get(id);
  }
  has(id: string): boolean {
    return this.byId.has(id);
  }
  get ids(): string[] {
    return [...this.byId.keys()];
  }
}

export function parseCatalogEntry(text: string, source: string, expectedId?: string): CatalogEntry {
  return validator.parse(text, source, (entry) => {
    const problems = expectedId && entry.id !== expectedId ? [problem(['id'], `must equal the file name "${expectedId}"`)] : [];
    return [...problems, ...catalogEntryProblems(entry)];
  });
}

export function loadCatalog(dir: string = CATALOG_DIR): Catalog {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  const entries: CatalogEntry[] = [];
  const failures: string[] = [];
  for (const file of files) {
    try {
      entries.push(parseCatalogEntry(readFileSync(join(dir, file), 'utf8'), join(dir, file), file.slice(0, -'.yaml'.length)));
    } catch (err) {
      failures.push(err instanceof ValidationError ? err.message : String(err));
    }
  }
  const ids = new Set(entries.map((e) => e.id));
  for (const e of entries) if (e.embeds && !ids.has(e.embeds)) failures.push(`${e.id}.yaml: embeds "${e.embeds}", which is not in the catalog`);
  if (failures.length) throw new Error(`the AI-CLI catalog is invalid:\n${failures.join('\n')}`);
  return new Catalog(entries);
}

let builtIn: Catalog | undefined;
/** The catalog shipped with this build; loaded lazily and shared. */
export function builtInCatalog(): Catalog {
  builtIn ??= loadCatalog();
  return builtIn;
}
