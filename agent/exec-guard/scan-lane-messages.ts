// What the exec judge's thread and its scan lane (exec-scan-worker.ts) say to each other. The lane judges files
// over the large-file size seen for the first time (a content scan of megabytes: 0.4–1.8 s for the 245 MB Claude
// Code binary), so the judge keeps answering every other question within its deadline meanwhile.
import type { CompiledPolicy, Decision, DeviceContext, Identification } from '../../policy/index.ts';
import type { ExecQuestion, OpenedFile } from './exec-guard-protocol.ts';
import type { ExecCaller } from './exec-judge.ts';

export interface ScanLaneData {
  policy: CompiledPolicy;
  device: DeviceContext;
  scopePid?: number;
}

export type ToScanLane =
  | { kind: 'policy'; policy: CompiledPolicy; device: DeviceContext }
  | { kind: 'question'; id: number; q: ExecQuestion; helperPid: number }
  | { kind: 'opened'; id: number; o: OpenedFile; helperPid: number };

/** A verdict as the helper needs it, without the judge's closure (`after`): a deny's explanation is data here. */
export interface LaneVerdict {
  deny: boolean;
  cacheable: boolean;
  report: boolean;
  interpreter?: boolean;
  anyUser?: boolean;
  prevented?: { decision: Decision; user: string | undefined; caller: ExecCaller };
}

export type FromScanLane =
  | { kind: 'ready' }
  | { kind: 'verdict'; id: number; verdict: LaneVerdict | null; found?: Identification | null }
  | { kind: 'opened'; id: number; loaded: { decision: Decision; user: string | undefined } | null; found?: Identification | null };
