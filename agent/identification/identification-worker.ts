// One identification thread: judges the processes the main thread sends it with its own Matcher, so that the
// files a user controls (manifests, scripts, binaries, settings) are read here and never on the agent's event
// loop. Every file access is recorded in shared memory (access-record.ts): when a read blocks in the kernel, the
// main thread names the path, gives up on this thread and starts another; places known to hang are refused.
import { parentPort, workerData } from 'node:worker_threads';
import { setFileAccessGuard } from '../../policy/file-access-guard.ts';
import { Matcher } from '../../policy/matcher.ts';
import { readCwd } from '../process/proc-fs.ts';
import { UserDirectory } from '../process/user-directory.ts';
import { AccessRecord } from './access-record.ts';
import { isRefused } from './hung-place.ts';
import type { FromIdentifier, IdentifierData, RefusedPlaces, ToIdentifier } from './identification-messages.ts';

const port = parentPort!;
const data = workerData as IdentifierData;
const post = (m: FromIdentifier): void => port.postMessage(m);
const record = new AccessRecord(data.shared);
const users = new UserDirectory();
let refused: RefusedPlaces = data.refused;
const matcherFor = (m: { policy: IdentifierData['policy']; device: IdentifierData['device'] }) => new Matcher(m.policy, m.device, undefined, undefined, (uid) => users.homeOf(uid));
let matcher = matcherFor(data);

setFileAccessGuard({
  enter(path) {
    if (isRefused(path, refused)) return false;
    record.enter(path);
    return true;
  },
  leave: () => record.leave(),
});

port.on('message', (m: ToIdentifier) => {
  switch (m.kind) {
    case 'policy':
      matcher = matcherFor(m);
      break;
    case 'refuse':
      refused = m.refused;
      break;
    case 'identify': {
      const p = m.process;
      try {
        const decision = matcher.matchProcess({ ...p, cwd: () => readCwd(p.pid) });
        post({ kind: 'decision', id: m.id, decision });
      } catch (err) {
        post({ kind: 'failed', id: m.id, message: (err as Error).message });
      }
      break;
    }
  }
});

post({ kind: 'ready' });
