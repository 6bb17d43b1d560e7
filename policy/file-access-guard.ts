// A hook around every filesystem access identification makes (stat, realpath, readlink, open and read). The
// agent's identification threads set it (agent/identification/): they record which path they are touching, so
// that a read the kernel blocks (a hung FUSE or NFS mount) can be named and timed out from outside, and they
// refuse paths already known to hang. Where nothing sets it (the main thread, the CLI, tests), it costs a branch.

export interface FileAccessGuard {
  /** About to touch `path`; false refuses the access (the caller answers as for an unreadable file). */
  enter(path: string): boolean;
  /** The access that `enter` allowed is over. */
  leave(): void;
}

let guard: FileAccessGuard | undefined;

/** Installs (or, undefined, removes) this thread's guard. */
export function setFileAccessGuard(g: FileAccessGuard | undefined): void {
  guard = g;
}

/** Runs `access` on `path` under the guard; `refused` when the guard says no. */
export function guardedAccess<T>(path: string, refused: T, access: () => T): T {
  if (!guard) return access();
  if (!guard.enter(path)) return refused;
  try {
    return access();
  } finally {
    guard.leave();
  }
}
