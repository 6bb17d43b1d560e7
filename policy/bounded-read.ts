// One bounded read of a user-controlled file, for the matcher's content evidence. Opened non-blocking (a FIFO
// planted where a tool should be cannot hang the root agent), regular files only, never more than asked.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Hard ceiling on one read, whatever a catalog entry asks for. */
export const MAX_BOUNDED_READ = 16 * 1024 * 1024;

export interface BoundedReadOptions {
  /** Refuse a symbolic link as the last path component (paths the matcher already resolved). */
  noFollow?: boolean;
}

/**
 * Up to `length` bytes at `offset` of the regular file at `path` (fewer at the end of the file), or null when it
 * is missing, not a regular file or unreadable. `offset` < 0 counts from the end of the file.
 */
export function readBounded(path: string, offset: number, length: number, options: BoundedReadOptions = {}): Buffer | null {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (options.noFollow ? constants.O_NOFOLLOW : 0));
    const st = fstatSync(fd);
    if (!st.isFile()) return null;
    const start = offset < 0 ? Math.max(0, st.size + offset) : Math.min(offset, st.size);
    const want = Math.max(0, Math.min(length, MAX_BOUNDED_READ, st.size - start));
    const buf = Buffer.allocUnsafe(want);
    let done = 0;
    while (done < want) {
      const n = readSync(fd, buf, done, want - done, start + done);
      if (n === 0) break;
      done += n;
    }
    return done === want ? buf : buf.subarray(0, done);
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
