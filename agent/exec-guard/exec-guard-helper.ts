// The exec guard helper as the agent sees it: starts native/cordon-exec-guard, answers its questions, relays its
// exec reports, and stops it. The helper dies with the agent (stdin EOF, PR_SET_PDEATHSIG), so no guard outlives
// the process that could answer it.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { answerLine, openedLines, parseHelperLine, protectLine, type ExecQuestion, type HelperMessage, type OpenedFile } from './exec-guard-protocol.ts';

/** The helper's large-file size (its longer deadline); the same as the judge's, see exec-judge.ts. */
const HELPER_LARGE_FILE_BYTES = 8 * 1024 * 1024;

export interface ExecVerdict {
  deny: boolean;
  /** May the helper keep this verdict for the same file identity and uid? */
  cacheable: boolean;
  /**
   * Must detection look at the process after this exec (an interpreter or launcher, judged by its arguments)?
   * When false the exec-time verdict is final and later execs of the file are not reported.
   */
  report: boolean;
  /** The file is an interpreter (node, python, under any name): the helper reports what its processes open. */
  interpreter?: boolean;
  /**
   * The verdict holds for every user (the file is no tool): the helper answers later execs of the file from its
   * identity alone, without reading the caller's /proc entries. Honoured only for a quiet allow.
   */
  anyUser?: boolean;
  /** Work to do once the kernel has its answer (explaining a deny, recording it). */
  after?: () => void;
}

export interface ExecGuardHelperOptions {
  binary: string;
  deadlineMs: number;
  /** For files over 8 MiB, whose first judgement reads megabytes of content. */
  largeDeadlineMs: number;
  failClosed: boolean;
  scopePid?: number;
  trustedExecutables: readonly string[];
  /** Mark only these mounts (FAN_MARK_MOUNT) instead of every local filesystem. */
  mounts?: readonly string[];
  /** Report the files interpreter processes open (FAN_OPEN), for `onOpened`. */
  watchOpens?: boolean;
  /** An interpreter process opened a file not judged yet; call `opened()` when done with it. */
  onOpened?: (o: OpenedFile) => void;
  /**
   * Judges one exec (the process waits in the kernel until it is answered): synchronously, or, for a large first
   * scan handed to another thread, later; questions are answered by id, in any order.
   */
  judge: (q: ExecQuestion) => ExecVerdict | Promise<ExecVerdict>;
  /** An exec the helper let through (from its cache, or by the agent's allow): detection looks at the pid now. */
  onExec: (pid: number) => void;
  /** The helper answered without the agent (deadline missed, queue full). */
  onFallback: (m: Extract<HelperMessage, { kind: 'fallback' }>) => void;
  /** The helper exited while the agent still wanted it. */
  onExit: (why: string) => void;
}

export type HelperStats = Omit<Extract<HelperMessage, { kind: 'stats' }>, 'kind'>;

const READY_TIMEOUT_MS = 5000;
const STDERR_KEEP = 4096;

export class ExecGuardHelper {
  readonly marks: { ok: boolean; fsType: string; where: string; error?: string }[] = [];
  /** Files protected with inode marks since the last protect(), and the last few the kernel refused. */
  readonly protectedFiles = { marked: 0, failed: [] as string[] };
  private stopping = false;
  private stderr = '';
  private readonly statsWaiters: ((s: HelperStats) => void)[] = [];
  /** Questions the helper answered itself (T): a verdict for them comes too late to have prevented anything. */
  private readonly fallen = new Set<string>();

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly o: ExecGuardHelperOptions,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  static start(o: ExecGuardHelperOptions): Promise<ExecGuardHelper> {
    const args = ['--deadline-ms', String(o.deadlineMs), '--large-deadline-ms', String(o.largeDeadlineMs)];
    if (o.failClosed) args.push('--fail-closed');
    if (o.scopePid !== undefined) args.push('--scope-pid', String(o.scopePid));
    for (const exe of o.trustedExecutables) args.push('--trusted-exe', exe);
    for (const m of o.mounts ?? []) args.push('--mount', m);
    if (o.watchOpens) args.push('--watch-opens');
    const child = spawn(o.binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const helper = new ExecGuardHelper(child, o);
    return new Promise((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the exec guard helper did not become ready in ${READY_TIMEOUT_MS} ms`));
      }, READY_TIMEOUT_MS);
      child.stderr.setEncoding('utf8').on('data', (d: string) => (helper.stderr = (helper.stderr + d).slice(-STDERR_KEEP)));
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const why = `the exec guard helper exited (${signal ?? `code ${code}`})${helper.stderr ? `: ${helper.stderr.trim()}` : ''}`;
        if (!ready) reject(new Error(why));
        else if (!helper.stopping) o.onExit(why);
      });
      // A write to a helper that just died must not crash the agent.
      child.stdin.on('error', () => {});
      createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
        const m = parseHelperLine(line);
        if (!m) return;
        if (m.kind === 'ready') {
          ready = true;
          clearTimeout(timer);
          resolve(helper);
        } else helper.handle(m);
      });
    });
  }

  private handle(m: HelperMessage): void {
    switch (m.kind) {
      case 'question': {
        const askedAt = performance.now();
        // A judging bug must not decide for the user: the helper's own fail-open/closed rule applies.
        const unjudged = (): ExecVerdict => ({ deny: this.o.failClosed, cacheable: false, report: true });
        let verdict: ExecVerdict | Promise<ExecVerdict>;
        try {
          verdict = this.o.judge(m);
        } catch {
          verdict = unjudged();
        }
        if (verdict instanceof Promise) void verdict.catch(unjudged).then((v) => this.answer(m, v, askedAt));
        else this.answer(m, verdict, askedAt);
        break;
      }
      case 'cached':
        if (m.verdict === 'allow') this.o.onExec(m.pid);
        break;
      case 'fallback':
        this.fallen.add(m.id);
        if (this.fallen.size > 1024) this.fallen.delete(this.fallen.values().next().value!);
        this.o.onFallback(m);
        break;
      case 'opened':
        if (this.o.onOpened) this.o.onOpened(m);
        else this.opened(m, true);
        break;
      case 'mark':
        if (m.fsType === 'inode') {
          if (m.ok) this.protectedFiles.marked++;
          else this.protectedFiles.failed.push(`${m.where}: ${m.error ?? 'refused'}`.slice(0, 512));
          this.protectedFiles.failed.splice(0, this.protectedFiles.failed.length - 16);
        } else if (this.marks.length < 256) this.marks.push({ ok: m.ok, fsType: m.fsType, where: m.where, ...(m.error ? { error: m.error } : {}) });
        break;
      case 'stats':
        this.statsWaiters.shift()?.({ events: m.events, asked: m.asked, cached: m.cached, fallbacks: m.fallbacks, denied: m.denied, pending: m.pending, opens: m.opens, reported: m.reported });
        break;
      default:
        break;
    }
  }

  private answer(q: ExecQuestion, verdict: ExecVerdict, askedAt: number): void {
    this.child.stdin.write(answerLine(q.id, verdict.deny, verdict.cacheable, verdict.report, verdict.interpreter, verdict.anyUser));
    if (!verdict.deny && verdict.report) this.o.onExec(q.pid);
    if (!verdict.after) return;
    // Past its deadline the helper has answered already (T): a deny then prevented nothing and must not be
    // reported as prevented (the fallback makes detection look at the process instead). Late by our own clock
    // (never more than the helper's), or told so by a T line read in the next poll of the pipe: a question that
    // waited in the pipe behind other work looks in time to our clock.
    const deadline = q.size > HELPER_LARGE_FILE_BYTES ? this.o.largeDeadlineMs : this.o.deadlineMs;
    if (performance.now() - askedAt > deadline) return;
    const after = verdict.after;
    setImmediate(() => setImmediate(() => !this.fallen.has(q.id) && after()));
  }

  /** Done reading an opened file (its fd is closed); `noTool`: later opens of the same file are not reported. */
  opened(o: OpenedFile, noTool: boolean): void {
    const lines = openedLines(o, noTool);
    if (lines) this.child.stdin.write(lines);
  }

  /**
   * Interpreters opening these files must ask first (inode marks, FAN_OPEN_PERM), replacing the set protected
   * before. Returns the paths refused for their shape.
   */
  protect(paths: readonly string[]): string[] {
    const refused: string[] = [];
    this.protectedFiles.marked = 0;
    this.protectedFiles.failed.length = 0;
    let out = 'U\n';
    for (const path of paths) {
      const line = protectLine(path);
      if (line) out += line;
      else refused.push(path);
    }
    this.child.stdin.write(out);
    return refused;
  }

  /** Fail-closed or fail-open from now on (the policy's choice changed). */
  setFailClosed(failClosed: boolean): void {
    this.o.failClosed = failClosed;
    this.child.stdin.write(`C\t${failClosed ? 'closed' : 'open'}\n`);
  }

  /** Forgets every cached verdict: the policy (or an exception) changed. */
  flush(): void {
    this.child.stdin.write('F\n');
  }

  stats(): Promise<HelperStats> {
    return new Promise((resolve) => {
      this.statsWaiters.push(resolve);
      this.child.stdin.write('S\n');
    });
  }

  /** Closing stdin makes the helper exit; the kernel then allows anything still pending. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }
}
