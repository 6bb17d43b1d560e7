// The exec guard's judge, on its own thread: it starts the helper, reads its questions and answers them, so a
// verdict never waits for the agent's main event loop (an inventory pass, a re-judgement of every process, a
// first content scan elsewhere). The main thread hears what happened (execs to look at, denials to explain,
// tools interpreters loaded) and sends policy changes. When this thread ends, the helper's stdin closes (and its
// PR_SET_PDEATHSIG fires: it was forked from this thread), so the kernel releases whatever it held.
import { parentPort, workerData } from 'node:worker_threads';
import { Matcher } from '../../policy/matcher.ts';
import { UserDirectory } from '../process/user-directory.ts';
import { ExecGuardHelper, type ExecVerdict } from './exec-guard-helper.ts';
import type { ExecQuestion, OpenedFile } from './exec-guard-protocol.ts';
import { ExecJudge } from './exec-judge.ts';
import { ExecScanLane } from './exec-scan-lane.ts';
import type { FromWorker, JudgeThreadData, ToWorker } from './judge-thread-messages.ts';

const port = parentPort!;
const data = workerData as JudgeThreadData;
const post = (m: FromWorker): void => port.postMessage(m);

let matcher = new Matcher(data.policy, data.device);
let device = data.device;
let failClosed = data.failClosed;
let helper: ExecGuardHelper | undefined;
const judge = new ExecJudge({
  matcher: () => matcher,
  users: new UserDirectory(),
  scopePid: data.scopePid,
  helperPid: () => helper?.pid ?? 0,
  onPrevented: (q, decision, user, caller) => post({ kind: 'prevented', q, decision, user, caller }),
});

// Large first scans go to a second thread, so that a 245 MB binary being read never holds up other verdicts.
// Started once the helper is ready: its start-up must not compete with this thread's own.
let lane: ExecScanLane | undefined;

function judgeQuestion(q: ExecQuestion): ExecVerdict | Promise<ExecVerdict> {
  const kind = q.open ? 'script' : 'native';
  if (!lane?.open || !judge.needsLargeScan(q, kind)) return judge.judge(q);
  return lane.judge(q, helper?.pid ?? 0).then(({ verdict, found }): ExecVerdict => {
    if (found !== undefined) judge.learn(q, kind, found);
    if (!verdict) return { deny: failClosed, cacheable: false, report: true };
    const { prevented, ...answer } = verdict;
    return prevented ? { ...answer, after: () => post({ kind: 'prevented', q, decision: prevented.decision, user: prevented.user, caller: prevented.caller }) } : answer;
  });
}

function onOpened(o: OpenedFile): void {
  if (lane?.open && judge.needsLargeScan(o, 'script')) {
    void lane.opened(o, helper?.pid ?? 0).then((reply) => {
      if (reply?.found !== undefined) judge.learn(o, 'script', reply.found);
      const loaded = reply?.loaded ?? null;
      helper?.opened(o, reply !== null && loaded === null);
      if (loaded) post({ kind: 'loaded', pid: o.pid, path: o.path, decision: loaded.decision, prevented: false });
    });
    return;
  }
  let verdict: ReturnType<ExecJudge['judgeOpened']> = null;
  try {
    verdict = judge.judgeOpened(o);
  } catch {
    // A judging bug must not kill anyone; the process watcher still judges the process by its argv.
  }
  helper?.opened(o, verdict === null);
  if (!verdict) return;
  post({ kind: 'loaded', pid: o.pid, path: o.path, decision: verdict.decision, prevented: false });
}

port.on('message', (m: ToWorker) => {
  switch (m.kind) {
    case 'policy':
      matcher = new Matcher(m.policy, m.device);
      device = m.device;
      lane?.setPolicy(m.policy, m.device);
      if (m.failClosed !== failClosed) helper?.setFailClosed(m.failClosed);
      failClosed = m.failClosed;
      helper?.flush();
      break;
    case 'flush':
      helper?.flush();
      break;
    case 'protect':
      helper?.protect(m.paths);
      break;
    case 'stats':
      void helper?.stats().then((stats) => post({ kind: 'stats', stats: { ...stats, protectedFiles: helper!.protectedFiles.marked } }));
      break;
    case 'stop':
      void Promise.all([helper?.stop(), lane?.stop()]).then(() => {
        post({ kind: 'stopped' });
        port.close();
      });
      break;
  }
});

try {
  helper = await ExecGuardHelper.start({
    binary: data.binary,
    deadlineMs: data.deadlineMs,
    largeDeadlineMs: data.largeDeadlineMs,
    failClosed: data.failClosed,
    scopePid: data.scopePid,
    trustedExecutables: data.trustedExecutables,
    mounts: data.mounts,
    watchOpens: data.watchOpens,
    judge: (q) => {
      try {
        return judgeQuestion(q);
      } catch {
        return { deny: failClosed, cacheable: false, report: true };
      }
    },
    onExec: (pid) => post({ kind: 'exec', pid }),
    onFallback: (m) => post({ kind: 'fallback', m }),
    onOpened,
    onExit: (why) => post({ kind: 'exit', why }),
  });
  post({ kind: 'ready', helperPid: helper.pid, marks: helper.marks });
  lane = ExecScanLane.start({ policy: matcher.policy, device, scopePid: data.scopePid });
} catch (err) {
  post({ kind: 'start-failed', message: (err as Error).message });
}
