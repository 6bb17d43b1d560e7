// The built-in AI-CLI catalog: every policy/catalog/*.yaml, validated once on load.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CatalogEntrySchema, type CatalogEntry } from './catalog-schema.ts';
import { problem, ValidationError } from './problems.ts';
import { SchemaValidator } from './yaml-source.ts';

export const CATALOG_DIR = fileURLToPath(new URL('./catalog/', import.meta.url));

const validator = new SchemaValidator(CatalogEntrySchema);

export class Catalog {
  private readonly byId: ReadonlyMap<string, CatalogEntry>;
  constructor(readonly entries: readonly CatalogEntry[]) {
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
  return validator.parse(text, source, (entry) =>
    expectedId && entry.id !== expectedId ? [problem(['id'], `must equal the file name "${expectedId}"`)] : [],
  );
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
  if (failures.length) throw new Error(`the AI-CLI catalog is invalid:\n${failures.join('\n')}`);
  return new Catalog(entries);
}

let builtIn: Catalog | undefined;
/** The catalog shipped with this build; loaded lazily and shared. */
export function builtInCatalog(): Catalog {
  builtIn ??= loadCatalog();
  return builtIn;
}
