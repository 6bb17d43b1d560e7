// What the agent's main thread and its exec-judge worker thread say to each other (structured-cloned messages).
// The worker owns the helper's pipe and judges every question itself, so a busy main loop (an inventory pass,
// a re-judgement of every process) never delays a verdict; the main thread only hears about what happened.
import type { CompiledPolicy, Decision, DeviceContext } from '../../policy/index.ts';
import type { HelperMessage, ExecQuestion } from './exec-guard-protocol.ts';
import type { ExecCaller } from './exec-judge.ts';
import type { ExecGuardHelperOptions, HelperStats } from './exec-guard-helper.ts';

/** What the worker needs to start the helper; everything but the callbacks of ExecGuardHelperOptions. */
export interface JudgeThreadData
  extends Pick<ExecGuardHelperOptions, 'binary' | 'deadlineMs' | 'largeDeadlineMs' | 'failClosed' | 'scopePid' | 'trustedExecutables' | 'mounts'> {
  /** Report and judge the files interpreter processes open (FAN_OPEN on the marked filesystems). */
  watchOpens: boolean;
  policy: CompiledPolicy;
  device: DeviceContext;
}

export type ToWorker =
  | { kind: 'policy'; policy: CompiledPolicy; device: DeviceContext; failClosed: boolean }
  | { kind: 'flush' }
  | { kind: 'stats' }
  /** Files of banned tools the inventory found: the helper denies interpreters opening them (FAN_OPEN_PERM). */
  | { kind: 'protect'; paths: readonly string[] }
  | { kind: 'stop' };

export type FromWorker =
  | { kind: 'ready'; helperPid: number; marks: { ok: boolean; fsType: string; where: string; error?: string }[] }
  | { kind: 'start-failed'; message: string }
  | { kind: 'exec'; pid: number }
  | { kind: 'fallback'; m: Extract<HelperMessage, { kind: 'fallback' }> }
  | { kind: 'prevented'; q: ExecQuestion; decision: Decision; user: string | undefined; caller: ExecCaller }
  /** An interpreter process opened a file that identifies as a tool the policy blocks (or warns about, audits). */
  | { kind: 'loaded'; pid: number; path: string; decision: Decision; prevented: boolean }
  | { kind: 'stats'; stats: HelperStats & { protectedFiles: number } }
  | { kind: 'exit'; why: string }
  | { kind: 'stopped' };
