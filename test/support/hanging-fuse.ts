// A real FUSE mount whose daemon never answers the agent's reads (hanging-fuse/hanging-fuse.c): the program on it
// runs normally, and the kernel blocks any thread of the agent that reads it, exactly as a hung FUSE mount with
// allow_other or a hard NFS mount does. Built here with the system compiler and libfuse3.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './cli.ts';
import { requireSetup, requireSystemPart } from './system-part.ts';

const SOURCE = join(REPO_ROOT, 'test/support/hanging-fuse/hanging-fuse.c');

/** Why a hanging FUSE mount cannot be made here (skip reason), or undefined when it can. */
export function hangingFuseSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'FUSE mounts are made on Linux only here';
  if (process.getuid?.() !== 0) return 'mounting a FUSE file system with allow_other needs root';
  const part = requireSystemPart({ binary: ['/usr/include/fuse3/fuse_lowlevel.h', 'pkg-config', 'cc'], debianPackage: 'libfuse3-dev' }) ?? requireSystemPart({ binary: 'fusermount3', debianPackage: 'fuse3' });
  if (part) return part;
  let problem: string | undefined;
  try {
    closeSync(openSync('/dev/fuse', 'r+'));
  } catch (err) {
    problem = `/dev/fuse cannot be opened (${(err as NodeJS.ErrnoException).code}): this kernel or container offers no FUSE`;
  }
  return requireSetup(problem);
}

function build(dir: string): string {
  const binary = join(dir, 'hanging-fuse');
  if (existsSync(binary)) return binary;
  const flags = execFileSync('pkg-config', ['--cflags', '--libs', 'fuse3'], { encoding: 'utf8' }).trim().split(/\s+/);
  execFileSync('cc', ['-O1', '-Wall', '-o', binary, SOURCE, ...flags]);
  return binary;
}

export interface HangingFuse {
  mountpoint: string;
  /** The served file's path on the mount. */
  file: string;
  /** Reads of the agent's the daemon has left unanswered so far. */
  hungReads(): number;
  /** Kills the daemon (the kernel then fails every unanswered read) and detaches the mount. */
  unmount(): Promise<void>;
}

/** Mounts `dir`/mnt serving `backing` as `name`; reads by threads of `hangPid` never return. */
export async function mountHangingFuse(dir: string, backing: string, name: string, hangPid: number): Promise<HangingFuse> {
  const binary = build(dir);
  const mountpoint = join(dir, 'mnt');
  mkdirSync(mountpoint, { recursive: true });
  const daemon: ChildProcess = spawn(binary, [mountpoint, backing, name, String(hangPid)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  daemon.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  daemon.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the FUSE daemon did not mount in 10 s: ${stderr}`)), 10_000);
    daemon.stdout!.on('data', () => stdout.includes('mounted') && (clearTimeout(timer), resolve()));
    daemon.once('exit', (code) => (clearTimeout(timer), reject(new Error(`the FUSE daemon exited (${code}): ${stderr}`))));
  });
  return {
    mountpoint,
    file: join(mountpoint, name),
    hungReads: () => stderr.split('\n').filter((l) => l.startsWith('hanging a read')).length,
    async unmount() {
      if (daemon.exitCode === null && daemon.signalCode === null) {
        const gone = new Promise((r) => daemon.once('exit', r));
        daemon.kill('SIGKILL');
        await gone;
      }
      try {
        execFileSync('umount', ['-l', mountpoint], { stdio: 'ignore' });
      } catch {
        // already detached
      }
    },
  };
}
