// `npm run build:exec-guard`: compiles the Linux exec guard's helper (agent/exec-guard/native/) with the system C
// compiler. Elsewhere it says why it has nothing to do.
import { buildExecGuard } from '../agent/exec-guard/exec-guard-binary.ts';

if (process.platform !== 'linux') {
  process.stdout.write('the exec guard uses fanotify, which only Linux has; nothing to build\n');
} else {
  process.stdout.write(`built ${buildExecGuard({ force: true })}\n`);
}
