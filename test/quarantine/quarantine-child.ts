// A process that quarantines (or restores) one tool and can be killed at any instant by the crash test.
// argv: STATE_DIR quarantine REQUEST_JSON | STATE_DIR restore ID. Prints "ready" before it touches anything.
import { QuarantineStore } from '../../agent/quarantine/quarantine-store.ts';
import type { QuarantineRequest } from '../../agent/quarantine/quarantine-store.ts';

const [stateDir, action, arg] = process.argv.slice(2);
const store = new QuarantineStore(stateDir!);
process.stdout.write('ready\n');
if (action === 'quarantine') {
  const req = JSON.parse(arg!) as QuarantineRequest;
  await store.quarantine(req, () => req.toolId);
} else await store.restore(arg!);
process.stdout.write('done\n');
