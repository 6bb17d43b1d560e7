// The agent's verdict on one exec the kernel is holding: deny what the catalog identifies as a tool the policy
// blocks (enforce mode), allow everything else. Identification reads the exact file being exec'd through the
// helper's fd, so a renamed copy or a file swapped after the path was resolved is judged by its content.
import type { Decision, Matcher } from '../../policy/index.ts';
import { readProcStat } from '../process/proc-fs.ts';
import type { UserDirectory } from '../process/user-directory.ts';
import type { ExecVerdict } from './exec-guard-helper.ts';
import type { ExecQuestion } from './exec-guard-protocol.ts';
import { isPackageManagerCaller } from './package-manager-caller.ts';

export interface ExecJudgeOptions {
  matcher: () => Matcher;
  users: UserDirectory;
  /** Enforce only on descendants of this pid (tests, trying Cordon in one terminal). */
  scopePid?: number;
  /** The helper's pid: its open fds are how the agent reads the file under judgement. */
  helperPid: () => number;
  /** A denied exec, after the kernel has the answer: explain it and record it. */
  onPrevented: (q: ExecQuestion, decision: Decision, user: string | undefined) => void;
}

const MAX_ANCESTRY_HOPS = 256;

export function descendsFrom(pid: number, ancestor: number): boolean {
  for (let current: number | undefined = pid, hops = 0; current !== undefined && current > 1 && hops < MAX_ANCESTRY_HOPS; hops++) {
    if (current === ancestor) return true;
    current = readProcStat(current)?.ppid;
  }
  return false;
}

export class ExecJudge {
  constructor(private readonly o: ExecJudgeOptions) {}

  judge(q: ExecQuestion): ExecVerdict {
    // The helper applies the scope too; checked again here because a wrong deny is the costly mistake.
    if (this.o.scopePid !== undefined && !descendsFrom(q.pid, this.o.scopePid)) return { deny: false, cacheable: false };
    if (isPackageManagerCaller(q.pid)) return { deny: false, cacheable: false };
    const matcher = this.o.matcher();
    const content = `/proc/${this.o.helperPid()}/fd/${q.fd}`;
    const identification = matcher.identifier.identifyFile(q.path || content, 'native', { root: '', content });
    if (!identification) return { deny: false, cacheable: true };
    const user = this.o.users.nameOf(q.uid);
    const decision = matcher.decide(identification, user);
    const deny = decision !== null && decision.action === 'block' && decision.mode === 'enforce';
    // Allowed tools are still seen by detection (warn, audit, monitor mode's would-block) through the exec report.
    return { deny, cacheable: true, ...(deny ? { after: () => this.o.onPrevented(q, decision, user) } : {}) };
  }
}
