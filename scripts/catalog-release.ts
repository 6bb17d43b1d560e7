// npm run catalog:release -- [--out FILE] — writes policy/catalog/ as one catalog release file, versioned by
// policy/catalog-version.ts, for `cordon admin catalog import`. Run `npm run catalog:verify` first: a release is
// only as true as the real packages it was checked against.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { builtInCatalog } from '../policy/catalog.ts';
import { parseCatalogRelease, releaseOfCatalog } from '../policy/catalog-release.ts';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const catalog = builtInCatalog();
const text = `${JSON.stringify(releaseOfCatalog(catalog, catalog.version), null, 2)}\n`;
// The same validation the server runs on import, so a release that leaves here imports.
parseCatalogRelease(text, 'release');
const out = values.out ?? `cordon-catalog-${catalog.version}.json`;
writeFileSync(out, text, { mode: 0o644 });
process.stdout.write(`${out}: catalog ${catalog.version}, ${catalog.entries.length} tools\n`);
