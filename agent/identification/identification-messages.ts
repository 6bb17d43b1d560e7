// What the agent's main thread and its identification threads (identification-worker.ts) say to each other.
// A thread identifies one process at a time with its own Matcher; the main thread only sends observations and
// receives decisions, so no file a user controls is ever read on the agent's event loop.
import type { CompiledPolicy, Decision, DeviceContext, ProcessObservation } from '../../policy/index.ts';

/** A process as the watcher saw it, without the lazy callbacks (the thread reads cwd from procDir itself). */
export type ObservedProcess = Omit<ProcessObservation, 'cwd'>;

/** Paths a thread must not touch: an earlier read there never returned (whole mounts, or single files). */
export interface RefusedPlaces {
  mounts: readonly string[];
  files: readonly string[];
}

export interface IdentifierData {
  policy: CompiledPolicy;
  device: DeviceContext;
  refused: RefusedPlaces;
  /** Shared with the main thread: which path the thread is touching now (see access-record.ts). */
  shared: SharedArrayBuffer;
}

export type ToIdentifier =
  | { kind: 'policy'; policy: CompiledPolicy; device: DeviceContext }
  | { kind: 'refuse'; refused: RefusedPlaces }
  | { kind: 'identify'; id: number; process: ObservedProcess };

export type FromIdentifier = { kind: 'ready' } | { kind: 'decision'; id: number; decision: Decision | null } | { kind: 'failed'; id: number; message: string };
