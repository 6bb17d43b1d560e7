// A private /etc for a test's agent and the tools it judges: an overlay over the real /etc in a mount namespace of
// their own, so the vendors' managed settings the agent writes (/etc/claude-code, /etc/codex) are real paths to
// the real tools but never touch the machine's /etc, where they would redirect every other test's CLIs.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireSystemPart } from './system-part.ts';

/** Why a private /etc cannot be made here (not root, no unshare), or undefined. */
export function privateEtcUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (mount namespaces and overlayfs)';
  return requireSystemPart({ binary: ['/usr/bin/unshare', '/usr/bin/nsenter'], debianPackage: 'util-linux' });
}

/** A command prefix that execs its arguments (same pid) in a new mount namespace with /etc overlaid. */
export function privateEtcWrap(scratch: string = tmpdir()): string[] {
  // An empty directory on the host; the tmpfs that holds the overlay's layers is mounted on it inside the namespace.
  const upper = mkdtempSync(join(scratch, 'private-etc-'));
  // The script is constant; the overlay's scratch path and the command travel as arguments.
  const script = 'mount -t tmpfs none "$1" && mkdir "$1/u" "$1/w" && mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/u,workdir=$1/w" /etc && shift && exec "$@"';
  return ['/usr/bin/unshare', '--mount', '--propagation', 'private', '/bin/sh', '-c', script, 'private-etc', upper];
}

/** A command prefix that runs its arguments in the mount namespace of `pid` (nsenter execs: same pid). */
export function inMountNamespaceOf(pid: number): string[] {
  return ['/usr/bin/nsenter', `--mount=/proc/${pid}/ns/mnt`, '--'];
}
