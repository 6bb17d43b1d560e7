// A directory on another file system than a given path, for the cross-device cases (quarantine copies instead
// of renaming there). Tries tmpfs /dev/shm, then the temp directory; the device numbers are checked, never assumed.
import { mkdtempSync, statfsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hiddenPart } from './system-part.ts';

/** A fresh directory whose device differs from `near`'s, with `minBytes` free; or why the machine has none. */
export function dirOnOtherFileSystem(near: string, tag: string, minBytes = 0): { dir: string } | { missing: string } {
  if (hiddenPart('other-file-system')) return { missing: 'other-file-system hidden by CORDON_HIDE_SYSTEM_PARTS' };
  const nearDev = statSync(near).dev;
  const tried: string[] = [];
  for (const base of ['/dev/shm', tmpdir()]) {
    try {
      const fs = statfsSync(base);
      if (statSync(base).dev === nearDev) tried.push(`${base} is on the same file system`);
      else if (fs.bavail * fs.bsize < minBytes) tried.push(`${base} has less than ${minBytes} bytes free`);
      else return { dir: mkdtempSync(join(base, `cordon-${tag}-`)) };
    } catch (err) {
      tried.push(`${base}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  return { missing: `no second file system for ${near} (${tried.join('; ')}): mount a tmpfs on /dev/shm` };
}
