// The one way the agent reads a file a local user controls: manifests, scripts and binaries read for content
// evidence and hashes, settings files in homes. The agent runs as root and is single-threaded, so a user who can
// make one read block (a FIFO or a device where a file should be) or run long (/dev/zero, a sparse 1 TB file)
// could stop enforcement for everyone. So every read here: opens O_RDONLY|O_NONBLOCK (a FIFO opens at once and
// is refused), with O_NOFOLLOW unless the caller says links are legitimately followed, fstats the descriptor (not
// the path, which can be swapped), refuses anything but a regular file, reads at most a bound, and always closes.
//
// Links are followed only where the target is what runs: /proc/<pid>/exe (a magic link to the executable the
// kernel runs), a script an interpreter runs, a command in a bin directory. Manifests are never followed: a link
// would let one user present another user's (or root's) file as evidence near their own program.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { guardedAccess } from './file-access-guard.ts';

/** Hard ceiling on one synchronous read, whatever a caller (or a catalog entry) asks for. */
export const MAX_USER_FILE_READ = 16 * 1024 * 1024;
/** Chunk for hashing off the event loop: each read is one short thread-pool job. */
const HASH_CHUNK = 1024 * 1024;

export interface UserFileOptions {
  /** Follow a symbolic link as the last path component (default: refuse it). */
  followLinks?: boolean;
}

function openFlags(options: UserFileOptions): number {
  // O_NOFOLLOW and O_NONBLOCK do not exist on Windows (undefined → 0); FIFOs and links work differently there.
  return constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (options.followLinks ? 0 : (constants.O_NOFOLLOW ?? 0));
}

function readFully(fd: number, buf: Buffer, position: number): number {
  let done = 0;
  while (done < buf.length) {
    const n = readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Runs `use` on a descriptor of the regular file at `path`; null when it is missing, not regular or unreadable. */
function withRegularFile<T>(path: string, options: UserFileOptions, use: (fd: number, st: Stats) => T): T | null {
  return guardedAccess(path, null, () => withRegularFileUnguarded(path, options, use));
}

function withRegularFileUnguarded<T>(path: string, options: UserFileOptions, use: (fd: number, st: Stats) => T): T | null {
  let fd: number | undefined;
  try {
    fd = openSync(path, openFlags(options));
    const st = fstatSync(fd);
    return st.isFile() ? use(fd, st) : null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Up to `length` bytes at `offset` of the regular file at `path` (fewer at the end of the file), or null when it
 * is missing, not a regular file or unreadable. `offset` < 0 counts from the end of the file.
 */
export function readUserFile(path: string, offset: number, length: number, options: UserFileOptions = {}): Buffer | null {
  return withRegularFile(path, options, (fd, st) => {
    const start = offset < 0 ? Math.max(0, st.size + offset) : Math.min(offset, st.size);
    const buf = Buffer.allocUnsafe(Math.max(0, Math.min(length, MAX_USER_FILE_READ, st.size - start)));
    const done = readFully(fd, buf, start);
    return done === buf.length ? buf : buf.subarray(0, done);
  });
}

/** A small text file (a manifest, a settings file) whole, with its fstat; null when over `maxBytes` or not a regular file. */
export function readUserText(path: string, maxBytes: number, options: UserFileOptions = {}): { text: string; stat: Stats } | null {
  return withRegularFile(path, options, (fd, stat) => {
    if (stat.size > Math.min(maxBytes, MAX_USER_FILE_READ)) return null;
    // One byte more than the size the file claims: a file that grew since fstat is refused, not truncated.
    const buf = Buffer.allocUnsafe(stat.size + 1);
    const done = readFully(fd, buf, 0);
    return done > stat.size ? null : { text: buf.toString('utf8', 0, done), stat };
  });
}

/**
 * SHA-256 of the whole regular file, read in chunks through the thread pool so the event loop keeps running, or
 * null when it is not a regular file, is bigger than `maxBytes`, or changes size while it is read.
 */
export async function hashUserFile(path: string, maxBytes: number, options: UserFileOptions = {}): Promise<string | null> {
  let handle;
  try {
    handle = await open(path, openFlags(options));
    const st = await handle.stat();
    if (!st.isFile() || st.size > maxBytes) return null;
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(Math.min(HASH_CHUNK, Math.max(1, st.size)));
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      if (position > st.size) return null;
      hash.update(buf.subarray(0, bytesRead));
    }
    return position === st.size ? hash.digest('hex') : null;
  } catch {
    return null;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

export type UserTextOutcome = { text: string } | { missing: true } | { refused: string };

/**
 * A small text file whole, saying why when it cannot be had: missing (nothing there, which for a settings file
 * means "not set") is told apart from refused (a link, a FIFO, a directory, too big, unreadable), which a caller
 * deciding something from the file must treat as unknown.
 */
export function readUserTextOutcome(path: string, maxBytes: number): UserTextOutcome {
  return guardedAccess<UserTextOutcome>(path, { refused: 'timed out before (a read there did not return)' }, () => readUserTextOutcomeUnguarded(path, maxBytes));
}

function readUserTextOutcomeUnguarded(path: string, maxBytes: number): UserTextOutcome {
  let fd: number | undefined;
  try {
    fd = openSync(path, openFlags({}));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { missing: true };
    return { refused: code === 'ELOOP' ? 'is a symbolic link' : `cannot be opened (${code ?? 'error'})` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { refused: 'is not a regular file' };
    if (st.size > Math.min(maxBytes, MAX_USER_FILE_READ)) return { refused: `is larger than ${maxBytes} bytes` };
    const buf = Buffer.allocUnsafe(st.size + 1);
    const done = readFully(fd, buf, 0);
    return done > st.size ? { refused: 'changed while it was read' } : { text: buf.toString('utf8', 0, done) };
  } catch (err) {
    return { refused: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  } finally {
    closeSync(fd);
  }
}

/** A procfs file (size 0 in stat) read up to `maxBytes`; null when unreadable or longer than that. */
export function readProcText(path: string, maxBytes: number): string | null {
  return guardedAccess(path, null, () => readProcTextUnguarded(path, maxBytes));
}

function readProcTextUnguarded(path: string, maxBytes: number): string | null {
  let fd: number | undefined;
  try {
    fd = openSync(path, openFlags({}));
    const buf = Buffer.allocUnsafe(maxBytes + 1);
    let done = 0;
    for (;;) {
      const n = readSync(fd, buf, done, buf.length - done, null);
      if (n === 0) break;
      done += n;
      if (done > maxBytes) return null;
    }
    return buf.toString('utf8', 0, done);
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
