// One installer at a time for a cache entry shared by test processes that run side by side (npm test's lanes):
// the others wait for its result instead of downloading and unpacking the same package again. The lock is a file
// holding its owner's pid, put in place whole (a hard link, which fails when the lock exists); a lock whose owner
// has died (a run killed half-way) is taken over. If two waiters take over the same dead lock at once, both may
// install: the installs themselves tolerate that (staging dir, rename), it only costs the time this saves.
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function ownerAlive(lockFile: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(lockFile, 'utf8').trim());
  } catch {
    return false; // released meanwhile
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `install` holding `lockFile`, unless `done()` turns true while waiting for another process's install.
 * Synchronous, like the installs it guards (they run in test set-up, before anything else can use the entry).
 */
export function withInstallLock(lockFile: string, done: () => boolean, install: () => void, timeoutMs = 20 * 60_000): void {
  const deadline = Date.now() + timeoutMs;
  const mine = `${lockFile}.${process.pid}`;
  writeFileSync(mine, `${process.pid}\n`);
  try {
    for (;;) {
      if (tryLink(mine, lockFile)) {
        try {
          if (!done()) install();
        } finally {
          rmSync(lockFile, { force: true });
        }
        return;
      }
      if (done()) return;
      if (!ownerAlive(lockFile)) rmSync(lockFile, { force: true });
      else if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs / 1000} s waiting for the install holding ${lockFile}`);
      else Atomics.wait(sleeper, 0, 0, 500);
    }
  } finally {
    rmSync(mine, { force: true });
  }
}

function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}
