// Builds the agent's native addon (agent/peer-identity/native) with node-gyp against the headers of the Node that
// runs this script (its install prefix has include/node), so no header download is needed on an offline machine.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const addonDir = join(root, 'agent/peer-identity/native');
const prefix = dirname(dirname(process.execPath));
const args = ['rebuild', '--directory', addonDir];
if (existsSync(join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`);
const nodeGyp = [join(root, 'node_modules/.bin/node-gyp'), 'node-gyp'].find((p) => p === 'node-gyp' || existsSync(p))!;
const run = spawnSync(nodeGyp, args, { stdio: 'inherit', shell: false });
if (run.error) throw run.error;
process.exit(run.status ?? 1);
