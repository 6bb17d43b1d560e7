// The AI-CLI catalog the server validates and compiles policies with: the newest of the catalog built into this
// server and the releases IT imported. A release is validated when imported, so what is stored is trusted here.
import { builtInCatalog, catalogOfRelease, compareCatalogVersions, type Catalog, type CatalogRelease } from '../policy/index.ts';
import type { Queryable } from './database/database.ts';

export class ServerCatalog {
  private imported: Catalog | undefined;

  constructor(private readonly db: Queryable) {}

  /** The catalog in force; `q` reads inside a caller's transaction. */
  async current(q: Queryable = this.db): Promise<Catalog> {
    const newest = await this.newestImportedVersion(q);
    const builtIn = builtInCatalog();
    if (!newest || compareCatalogVersions(newest, builtIn.version) <= 0) return builtIn;
    if (this.imported?.version !== newest) {
      const [row] = await q.query<{ release: CatalogRelease }>('SELECT release FROM catalog_releases WHERE version = $1', [newest]);
      this.imported = catalogOfRelease(row!.release);
    }
    return this.imported;
  }

  private async newestImportedVersion(q: Queryable): Promise<string | undefined> {
    // Versions are dotted dates, which text order does not sort (2026.12.2 vs 2026.12.10 is refused at import,
    // but .N suffixes differ in length); a server holds a handful of releases, so sort them here.
    const rows = await q.query<{ version: string }>('SELECT version FROM catalog_releases');
    return rows.map((r) => r.version).sort(compareCatalogVersions).at(-1);
  }
}
