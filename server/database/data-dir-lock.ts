// PGlite is one process's database: a second server on the same data directory would corrupt it. A pid file taken
// exclusively keeps it to one; a stale file (its process is gone) is taken over.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock or throws saying who holds it; returns the release function. */
export function lockDataDir(lockFile: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(lockFile);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lockFile, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && alive(holder))
        throw new Error(`the embedded database in ${lockFile.replace(/\/[^/]+$/, '')} is in use by process ${holder}; run one server per data dir, or use PostgreSQL (--database-url) for several instances`, { cause: err });
      unlinkSync(lockFile);
    }
  }
  throw new Error(`cannot take the lock ${lockFile}`);
}
