// A Debian 12 machine booted with systemd as pid 1, for testing the packages as installed: debootstrap's minbase
// root (cached between runs in ~/.cache/cordon-test/bookworm, CORDON_TEST_ROOTS overrides), used read-only under
// an overlay so each run starts clean, booted by systemd-nspawn with a private network (its own loopback).
// Commands run inside with nsenter into the container's pid 1. stop() always tears it down: it powers the
// machine off and, if that hangs, kills its pid 1 (which ends every process in its pid namespace) and nspawn.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait-for.ts';

export const ROOTS_CACHE = process.env.CORDON_TEST_ROOTS ?? join(homedir(), '.cache', 'cordon-test');
const BASE = join(ROOTS_CACHE, 'bookworm');
const PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

/** The Debian packages (and the privileges) booting a machine needs here, or undefined when all are present. */
export function bootSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux (systemd-nspawn)';
  if (process.getuid?.() !== 0) return 'needs root (debootstrap, overlay mounts and systemd-nspawn)';
  const missing = [
    ['debootstrap', '/usr/sbin/debootstrap'],
    ['systemd-container', '/usr/bin/systemd-nspawn'],
    ['util-linux', '/usr/bin/nsenter'],
  ].filter(([, bin]) => !existsSync(bin!));
  return missing.length ? `needs the Debian package(s) ${missing.map(([p]) => p).join(', ')} (apt-get install ${missing.map(([p]) => p).join(' ')})` : undefined;
}

/** The cached minbase root with systemd, made once (a few minutes, from Debian's mirror). */
export function ensureBaseRoot(): string {
  if (existsSync(join(BASE, 'usr/lib/systemd/systemd'))) return BASE;
  const partial = `${BASE}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(ROOTS_CACHE, { recursive: true });
  const r = spawnSync('debootstrap', ['--variant=minbase', '--include=systemd,systemd-sysv,dbus', 'bookworm', partial, 'http://deb.debian.org/debian'], { encoding: 'utf8', timeout: 30 * 60_000 });
  if (r.status !== 0) throw new Error(`debootstrap failed (${r.status}): ${r.stderr.slice(-2000)}`);
  rmSync(BASE, { recursive: true, force: true });
  renameSync(partial, BASE);
  return BASE;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export class BootedDebian {
  private constructor(
    /** The machine's / as seen from the host (the overlay's merged dir). */
    readonly root: string,
    private readonly work: string,
    private readonly nspawn: ChildProcess,
    /** The container's pid 1 in the host's pid namespace. */
    readonly pid1: number,
  ) {}

  static async boot(work: string): Promise<BootedDebian> {
    const base = ensureBaseRoot();
    for (const d of ['upper', 'work', 'root']) mkdirSync(join(work, d), { recursive: true });
    const root = join(work, 'root');
    const mount = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${base},upperdir=${join(work, 'upper')},workdir=${join(work, 'work')}`, root], { encoding: 'utf8' });
    if (mount.status !== 0) throw new Error(`overlay mount failed: ${mount.stderr}`);
    const nspawn = spawn('systemd-nspawn', ['--register=no', '--keep-unit', '--private-network', '--quiet', '-D', root, '-b'], { stdio: ['ignore', 'ignore', 'ignore'], env: { PATH } });
    let pid1 = 0;
    try {
      pid1 = await waitFor(() => childOf(nspawn.pid!), 'the container to start', 60_000);
      const machine = new BootedDebian(root, work, nspawn, pid1);
      await waitFor(() => ['running', 'degraded'].includes(machine.run(['systemctl', 'is-system-running']).stdout.trim()), 'systemd in the container to finish booting', 120_000);
      return machine;
    } catch (err) {
      await new BootedDebian(root, work, nspawn, pid1).stop();
      throw err;
    }
  }

  /** Runs argv inside the machine (as root, or as `user` through runuser), with a clean environment. */
  run(argv: string[], options: { user?: string; env?: Record<string, string>; timeoutMs?: number } = {}): RunResult {
    const env = Object.entries({ PATH, LANG: 'C.UTF-8', ...options.env }).map(([k, v]) => `${k}=${v}`);
    const inner = options.user ? ['runuser', '-u', options.user, '--', 'env', `HOME=/home/${options.user}`, ...env, ...argv] : ['env', ...env, ...argv];
    const r: SpawnSyncReturns<string> = spawnSync('nsenter', ['-t', String(this.pid1), '-a', ...inner], { encoding: 'utf8', env: { PATH }, timeout: options.timeoutMs ?? 300_000 });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** run(), failing with its output unless it exits 0. */
  ok(argv: string[], options: Parameters<BootedDebian['run']>[1] = {}): string {
    const r = this.run(argv, options);
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }

  path(inside: string): string {
    return join(this.root, inside);
  }

  async stop(): Promise<void> {
    if (this.nspawn.exitCode === null && this.nspawn.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.nspawn.once('exit', () => resolve()));
      this.nspawn.kill('SIGTERM'); // nspawn asks the container's systemd to power off
      const clean = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 30_000))]);
      if (!clean) {
        if (this.pid1) spawnSync('kill', ['-KILL', String(this.pid1)]);
        this.nspawn.kill('SIGKILL');
        await exited;
      }
    }
    for (let i = 0; i < 20 && spawnSync('umount', [this.root]).status !== 0 && isMounted(this.root); i++) await new Promise((r) => setTimeout(r, 500));
    rmSync(this.work, { recursive: true, force: true });
  }
}

function childOf(pid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return children.find((c) => readFileSync(`/proc/${c}/comm`, 'utf8').trim() === 'systemd');
  } catch {
    return undefined;
  }
}

function isMounted(dir: string): boolean {
  return readFileSync('/proc/self/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === dir);
}
