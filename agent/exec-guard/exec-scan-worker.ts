// The exec judge's scan lane: a second thread that judges what would occupy the judge for seconds, a large file
// never judged before (the first content scan of a 245 MB binary). The judge hands such questions here and keeps
// answering the others, small or already known, within their 40 ms deadline; the helper gives a large new file
// its own longer deadline. What the lane finds is sent back with the verdict, so the judge knows the file next time.
import { parentPort, workerData } from 'node:worker_threads';
import { Matcher } from '../../policy/matcher.ts';
import { UserDirectory } from '../process/user-directory.ts';
import { ExecJudge } from './exec-judge.ts';
import type { FromScanLane, LaneVerdict, ScanLaneData, ToScanLane } from './scan-lane-messages.ts';

const port = parentPort!;
const data = workerData as ScanLaneData;
const post = (m: FromScanLane): void => port.postMessage(m);

let matcher = new Matcher(data.policy, data.device);
let helperPid = 0;
let prevented: LaneVerdict['prevented'];
const judge = new ExecJudge({
  matcher: () => matcher,
  users: new UserDirectory(),
  scopePid: data.scopePid,
  helperPid: () => helperPid,
  onPrevented: (_q, decision, user, caller) => (prevented = { decision, user, caller }),
});

port.on('message', (m: ToScanLane) => {
  switch (m.kind) {
    case 'policy':
      matcher = new Matcher(m.policy, m.device);
      break;
    case 'question': {
      helperPid = m.helperPid;
      prevented = undefined;
      try {
        const v = judge.judge(m.q);
        v.after?.();
        const kind = m.q.open ? 'script' : 'native';
        post({ kind: 'verdict', id: m.id, verdict: { deny: v.deny, cacheable: v.cacheable, report: v.report, interpreter: v.interpreter, anyUser: v.anyUser, prevented }, found: judge.knownIdentity(m.q, kind) });
      } catch {
        post({ kind: 'verdict', id: m.id, verdict: null });
      }
      break;
    }
    case 'opened': {
      helperPid = m.helperPid;
      try {
        const loaded = judge.judgeOpened(m.o);
        post({ kind: 'opened', id: m.id, loaded, found: judge.knownIdentity(m.o, 'script') });
      } catch {
        post({ kind: 'opened', id: m.id, loaded: null });
      }
      break;
    }
  }
});

post({ kind: 'ready' });
