// `npm run build [-- --out DIR]`: the app as Electron and the packaged agent run it — TypeScript compiled to
// dist/, the policy's data files beside it, and the status window bundled into dist/renderer/. DIR must lie
// inside the repository so that the compiled code finds node_modules.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { bundleConsole } from '../build/bundle-console.ts';
import { bundleRenderer } from '../build/bundle-renderer.ts';
import { writeDebScripts } from '../build/linux/deb-scripts.ts';
import { writePrecompiledBuiltInPolicy } from '../build/precompile-built-in-policy.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const DIST = values.out ? resolve(values.out) : join(ROOT, 'dist');

rmSync(DIST, { recursive: true, force: true });
execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', DIST], { stdio: 'inherit' });
// policy/*.ts read their YAML and JSON Schema files relative to themselves.
cpSync(join(ROOT, 'policy/catalog'), join(DIST, 'policy/catalog'), { recursive: true, filter: (src) => !src.endsWith('.md') });
cpSync(join(ROOT, 'policy/default-policy.yaml'), join(DIST, 'policy/default-policy.yaml'));
cpSync(join(ROOT, 'policy/policy.schema.json'), join(DIST, 'policy/policy.schema.json'));
// The status socket's peer-credentials addon (npm run build:native), where agent/peer-identity looks for it.
const addon = 'agent/peer-identity/native/build/Release/peer_credentials.node';
if (existsSync(join(ROOT, addon))) cpSync(join(ROOT, addon), join(DIST, addon));
else process.stderr.write(`warning: ${addon} is not built (npm run build:native); the packaged agent will not identify status API callers\n`);
// The agent starts on this instead of compiling the YAML above (policy/precompiled-built-in-policy.ts).
writePrecompiledBuiltInPolicy(join(DIST, 'policy'));
await bundleRenderer(join(DIST, 'renderer'));
// The admin console `cordon server` serves at /.
for (const s of await bundleConsole(join(DIST, 'console'))) process.stdout.write(`console/${s.file}: ${s.bytes} bytes (${s.gzipBytes} gzipped)\n`);
writeDebScripts();
process.stdout.write(`built ${DIST}\n`);
