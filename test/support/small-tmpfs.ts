// A tiny tmpfs of its own (root only), for the disk-full cases: filled on purpose, it answers ENOSPC without
// touching any other file system on the machine.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hiddenPart } from './system-part.ts';

export interface SmallTmpfs {
  dir: string;
  /** Writes until the file system answers ENOSPC; returns the filler file (remove it to free the space). */
  fill(): string;
  unmount(): void;
}

/** Mounts a tmpfs of `size` (mount's syntax: 64k); or why it cannot be mounted here. */
export function mountSmallTmpfs(tag: string, size: string): SmallTmpfs | { missing: string } {
  if (hiddenPart('small-tmpfs')) return { missing: 'small-tmpfs hidden by CORDON_HIDE_SYSTEM_PARTS' };
  const dir = mkdtempSync(join(tmpdir(), `cordon-${tag}-`));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  if (mounted.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { missing: `needs root to mount a ${size} tmpfs (${mounted.error?.message ?? mounted.stderr.toString().trim()}): run as root` };
  }
  return {
    dir,
    fill() {
      const filler = join(dir, 'filler');
      for (;;) {
        try {
          appendFileSync(filler, Buffer.alloc(4096));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') return filler;
          throw err;
        }
      }
    },
    unmount() {
      // Lazy: a journal the test left open must not leave the mount behind (it goes once that file is closed).
      const r = spawnSync('umount', ['--lazy', dir]);
      if (r.status !== 0) throw new Error(`umount ${dir}: ${r.error?.message ?? r.stderr.toString().trim()}`);
      rmdirSync(dir);
    },
  };
}
