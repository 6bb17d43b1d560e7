// What a denied exec leaves behind: the shell only prints "Operation not permitted", so the usual explanation is
// written to the terminal of the process that tried the exec, and a `block` event with `prevented: true` is
// recorded. A script retrying a denied exec in a loop is explained and recorded once per file, user and window.
import { randomUUID } from 'node:crypto';
import type { Decision } from '../../policy/index.ts';
import { localeFromEnv } from '../../policy/localized-text.ts';

import { ttyPathFromNr } from '../process/tty-device.ts';
import { composeNotice, writeNotice } from '../enforcement/terminal-notice.ts';
import type { AgentEvent } from '../status-types.ts';
import type { ExecQuestion } from './exec-guard-protocol.ts';
import type { ExecCaller } from './exec-judge.ts';

const REPEAT_WINDOW_MS = 10_000;
const REMEMBERED_LIMIT = 4096;

export class PreventedExecReporter {
  private readonly lastReported = new Map<string, number>();
  /** Denials not recorded because the same file was just recorded for the same user. */
  suppressed = 0;

  constructor(
    private readonly record: (event: AgentEvent) => void,
    private readonly now: () => number = Date.now,
  ) {}

  report(q: ExecQuestion, d: Decision, user: string | undefined, caller: ExecCaller): void {
    const key = `${q.dev}:${q.ino}:${q.uid}`;
    const now = this.now();
    const last = this.lastReported.get(key);
    if (last !== undefined && now - last < REPEAT_WINDOW_MS) {
      this.suppressed++;
      return;
    }
    if (this.lastReported.size >= REMEMBERED_LIMIT) this.lastReported.clear();
    this.lastReported.set(key, now);
    const { stat } = caller;
    const tty = stat ? ttyPathFromNr(stat.ttyNr) : undefined;
    if (stat && tty) writeNotice(tty, stat.ttyNr, composeNotice(d, 'blocked', localeFromEnv(caller.environ)));
    this.record({
      id: randomUUID(),
      type: 'block',
      at: new Date(now).toISOString(),
      toolId: d.toolId,
      toolName: d.toolName,
      pid: q.pid,
      ...(stat ? { ppid: stat.ppid, processStartTime: stat.startTime } : {}),
      exe: q.path || undefined,
      user,
      tty,
      ruleId: d.ruleId ?? undefined,
      evidence: `${d.identification.evidence}: ${d.identification.detail}`,
      message: `prevented ${d.toolName} from starting (pid ${q.pid}${user ? `, user ${user}` : ''})`,
      detail: { mode: d.mode, action: d.action, prevented: true, engine: 'fanotify' },
    });
  }
}
