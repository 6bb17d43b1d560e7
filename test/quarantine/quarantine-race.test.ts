// A real attacker, an ordinary user made with useradd, owns a tool's install and, while root quarantines and
// restores it, swaps a parent directory, the tool's own directory or the stub for a symlink into root's files,
// thousands of times (race-attacker.mjs). Root's files outside the tool — a tree laid out like the tool's (to be
// moved in its place), empty look-alike directories (to be stubbed or restored into) and a file the stub is
// pointed at (to be chmod/chown'ed) — must never be moved, created or changed: content, mode, owner and mtime
// are compared after every round. And the attacker's own tool is never lost: after recovery it is whole in place
// or held in the store. The tool and root's files live on /dev/shm (tmpfs: fsync is free, so rounds are
// many); the store is there too (renames) or, every third round, in the temp directory on another file system
// (copies). CORDON_QUARANTINE_RACE_SECONDS (default 25) bounds the run; run it for minutes by hand.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcessByStdio } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lchownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { QuarantineStore, type QuarantineRequest, type RecoveryReport } from '../../agent/quarantine/quarantine-store.ts';
import { compareSnapshots, snapshotTree, type SnapshotEntry } from '../../agent/quarantine/tree-snapshot.ts';
import { dirOnOtherFileSystem } from '../support/other-file-system.ts';
import { requireSetup } from '../support/system-part.ts';

const SECONDS = Number(process.env.CORDON_QUARANTINE_RACE_SECONDS ?? 25);
const USERADD = ['/usr/sbin/useradd', '/sbin/useradd'].find((p) => existsSync(p));
const skip =
  process.getuid?.() !== 0
    ? 'needs root: the attacker is a separate, ordinary user'
    : !USERADD && process.env.CORDON_REQUIRE_ALL_PARTS !== '1'
      ? 'useradd is not installed (apt-get install passwd)'
      : false;

const OLD = new Date('2020-01-02T03:04:05Z');
const CANARIES = ['sys-q', 'sys-r', 'victim'] as const;

let root: string;
let home: string;
let prefix: string;
let user: string;
let uid: number;
let gid: number;
let otherFs: string | null;
/** Why there are no cross-device rounds (none here), or undefined. */
let noOtherFs: string | undefined;
let attacker: Attacker | undefined;

function lchownTree(path: string, u: number, g: number): void {
  lchownSync(path, u, g);
  if (lstatSync(path).isDirectory()) for (const n of readdirSync(path)) lchownTree(join(path, n), u, g);
}

/** The attacker's own install of the tool: PREFIX/lib/node_modules/@openai/codex and PREFIX/bin/codex → it. */
function buildTool(): void {
  rmSync(prefix, { recursive: true, force: true });
  const pkg = join(prefix, 'lib', 'node_modules', '@openai', 'codex');
  mkdirSync(join(pkg, 'bin'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), '{"name":"@openai/codex","version":"0.169.0"}\n');
  writeFileSync(join(pkg, 'bin', 'codex.js'), '#!/usr/bin/env node\nconsole.log("codex")\n', { mode: 0o755 });
  mkdirSync(join(prefix, 'bin'));
  symlinkSync('../lib/node_modules/@openai/codex/bin/codex.js', join(prefix, 'bin', 'codex'));
  lchownTree(prefix, uid, gid);
}

/** Root's files the attacker points the swaps at. All root-owned, times set in the past so any write shows. */
function buildCanaries(): void {
  for (const c of CANARIES) rmSync(join(root, c), { recursive: true, force: true });
  const q = join(root, 'sys-q');
  const files: [string, string, number][] = [
    [join(q, 'lib', 'node_modules', '@openai', 'codex', 'package.json'), '{"name":"system-files"}\n', 0o644],
    [join(q, 'lib', 'node_modules', '@openai', 'codex', 'bin', 'codex.js'), '#!/bin/sh\necho system\n', 0o755],
    [join(q, 'bin', 'codex'), '#!/bin/sh\necho system command\n', 0o755],
    [join(root, 'victim'), "root's own file\n", 0o600],
  ];
  for (const [path, text, mode] of files) {
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o755 });
    writeFileSync(path, text, { mode });
    chmodSync(path, mode);
  }
  mkdirSync(join(root, 'sys-r', 'lib', 'node_modules', '@openai'), { recursive: true, mode: 0o755 });
  mkdirSync(join(root, 'sys-r', 'bin'), { mode: 0o755 });
  const stamp = (p: string): void => {
    if (lstatSync(p).isDirectory()) for (const n of readdirSync(p)) stamp(join(p, n));
    utimesSync(p, OLD, OLD);
  };
  for (const c of CANARIES) stamp(join(root, c));
}

async function canaryState(): Promise<Record<string, SnapshotEntry[]>> {
  const out: Record<string, SnapshotEntry[]> = {};
  for (const c of CANARIES) out[c] = await snapshotTree(join(root, c));
  return out;
}

/** The attacker process: one line in, one line out. */
class Attacker {
  private readonly waiting: ((line: string) => void)[] = [];
  swaps = 0;

  constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    createInterface({ input: child.stdout }).on('line', (line) => this.waiting.shift()?.(line));
  }

  private say(line: string): Promise<string> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin.write(`${line}\n`);
    });
  }

  async race(mode: string, target: string): Promise<void> {
    assert.equal(await this.say(`race ${mode} ${target}`), 'racing');
  }

  async stop(): Promise<void> {
    const answer = await this.say('stop');
    this.swaps = Number(answer.split(' ')[1]);
  }

  end(): void {
    this.child.stdin.end();
    this.child.kill('SIGKILL');
  }
}

before(() => {
  if (skip) return;
  root = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'cordon-quarantine-race-'));
  chmodSync(root, 0o755);
  user = `crace${process.pid}`;
  execFileSync(USERADD ?? 'useradd', ['--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', '--user-group', user]);
  uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }));
  gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }));
  home = join(root, 'home', user);
  prefix = join(home, 'prefix');
  mkdirSync(home, { recursive: true, mode: 0o755 });
  lchownSync(home, uid, gid);
  const other = dirOnOtherFileSystem(root, 'quarantine-race');
  otherFs = 'dir' in other ? other.dir : null;
  noOtherFs = 'missing' in other ? other.missing : undefined;
  const script = join(root, 'race-attacker.mjs');
  copyFileSync(new URL('./race-attacker.mjs', import.meta.url).pathname, script);
  chmodSync(script, 0o644);
  attacker = new Attacker(spawn('/usr/bin/node', [script, prefix, join(root, 'victim')], { uid, gid, cwd: '/', stdio: ['pipe', 'pipe', 'inherit'] }));
});

after(() => {
  if (skip) return;
  attacker?.end();
  rmSync(root, { recursive: true, force: true });
  if (otherFs) rmSync(otherFs, { recursive: true, force: true });
  try {
    execFileSync('userdel', [user]);
  } catch {
    // never created
  }
});

const request = (): QuarantineRequest => ({
  toolId: 'codex',
  toolName: 'Codex CLI',
  root: join(prefix, 'lib', 'node_modules', '@openai', 'codex'),
  entries: [{ path: join(prefix, 'bin', 'codex'), stub: true }],
  user,
  via: 'npm-global',
  evidence: 'npm-package',
  ruleId: 'race',
  reason: { en: 'Codex CLI uploads the code it reads to OpenAI.' },
});

/** The policy core recognises the attacker's install, not root's look-alike files. */
const verify = (path: string): string | null => (path.startsWith(`${home}/`) ? 'codex' : null);

/** Where a lost tool went: the prefix, every store item's tree and journal, and any copy of its package.json. */
function lostDiagnostics(store: QuarantineStore, items: string[], recovery: RecoveryReport): string {
  const tree = (dir: string): string => execFileSync('find', [dir, '-printf', '%P:%y%l '], { encoding: 'utf8' });
  const journal = (id: string): string => {
    const m = store.get(id);
    return m ? `state ${m.state}, moves ${m.moves.map((mv) => `${mv.payload}←${mv.from}`).join(', ')}` : 'no manifest';
  };
  const copies = [root, ...(otherFs ? [otherFs] : [])].map((d) => execFileSync('find', [d, '-xdev', '-name', 'package.json', '-path', '*codex*', '-not', '-path', '*/sys-q/*'], { encoding: 'utf8' }).trim().replace(/\n/g, ' '));
  return [
    `prefix: ${tree(prefix)}`,
    ...items.map((id) => `item ${id} (${journal(id)}): ${tree(join(store.dir, id))}`),
    `recovery: ${JSON.stringify(recovery)}`,
    `items ${items.length}; package.json copies: ${copies.join(' ') || 'none'}`,
  ].join('\n  ');
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

test(`symlink swaps race quarantine and restore for ${SECONDS} s: nothing outside the tool is moved, created or changed`, { skip }, async (t) => {
  buildCanaries();
  const pristine = await canaryState();
  const stores = [join(root, 'state'), ...(otherFs ? [join(otherFs, 'state')] : [])];
  // Without a second file system the rounds are all renames: a narrowed run, so CI fails it (requireSetup throws).
  if (requireSetup(noOtherFs)) t.diagnostic(`${noOtherFs}: no cross-device rounds`);
  const counts = { rounds: 0, quarantined: 0, quarantineRefused: 0, restored: 0, restoreRefused: 0, violations: 0, toolInPlace: 0, toolInStore: 0, toolAsideByAttacker: 0, toolLost: 0 };
  const violations: string[] = [];
  const lost: string[] = [];
  buildTool();
  const toolFiles = await snapshotTree(request().root);
  const end = Date.now() + SECONDS * 1000;
  while (Date.now() < end) {
    const stateDir = stores[counts.rounds % 3 === 2 ? stores.length - 1 : 0]!;
    counts.rounds++;
    buildTool();
    const store = new QuarantineStore(stateDir);
    await attacker!.race(pick(['lib', 'scope', 'root', 'bin', 'stub', 'all']), join(root, pick(['sys-q', 'sys-r'])));
    let id: string | null = null;
    try {
      id = (await store.quarantine(request(), verify)).id;
      counts.quarantined++;
    } catch {
      counts.quarantineRefused++;
    }
    await attacker!.stop();
    if (id) {
      await attacker!.race(pick(['lib', 'scope', 'bin', 'stub', 'all']), join(root, pick(['sys-q', 'sys-r'])));
      try {
        await store.restore(id);
        counts.restored++;
      } catch {
        counts.restoreRefused++;
      }
      await attacker!.stop();
    }
    const now = await canaryState();
    const problems = CANARIES.flatMap((c) => compareSnapshots(pristine[c]!, now[c]!, { mtime: true }).map((p) => `${c}/${p}`));
    const stray = readdirSync(root).filter((n) => !['home', 'race-attacker.mjs', 'state', ...CANARIES].includes(n));
    problems.push(...stray.map((n) => `${n}: created`));
    if (problems.length) {
      counts.violations++;
      if (violations.length < 10) violations.push(`round ${counts.rounds}: ${problems.slice(0, 4).join('; ')}`);
      buildCanaries();
    }
    // Whatever the race did to the attacker's own tool, it is whole somewhere: in place, or held in the store.
    const recovery = await store.recover();
    const pkg = request().root;
    const whole = existsSync(pkg) && compareSnapshots(toolFiles, await snapshotTree(pkg)).length === 0;
    // Held: in an item of any state (a restore the attacker blocked stays 'restoring' until recovery can finish it).
    const items = existsSync(store.dir) ? readdirSync(store.dir).filter((n) => !n.startsWith('.')) : [];
    const held = items.some((id) => existsSync(join(store.dir, id, 'payload', '0', 'package.json')));
    // The attacker's own four-rename swap can be cut short by root's rename into the same name, leaving the tool
    // whole under the attacker's temporary name (<dir>.real, see race-attacker.mjs): left there by the attacker,
    // not lost by Cordon. Counted apart so that it stays visible.
    const aside = !whole && !held && leftAsideByAttacker(pkg, toolFiles);
    if (whole) counts.toolInPlace++;
    else if (held) counts.toolInStore++;
    else if (await aside) counts.toolAsideByAttacker++;
    else {
      counts.toolLost++;
      if (lost.length < 5) lost.push(`round ${counts.rounds}: ${existsSync(pkg) ? compareSnapshots(toolFiles, await snapshotTree(pkg)).slice(0, 3).join('; ') : 'missing'}; ${lostDiagnostics(store, items, recovery)}`);
    }
    for (const s of stores) rmSync(s, { recursive: true, force: true });
  }
  t.diagnostic(JSON.stringify({ seconds: SECONDS, ...counts, symlinkSwaps: attacker!.swaps }));
  for (const v of [...violations, ...lost]) t.diagnostic(v);
  assert.ok(attacker!.swaps > counts.rounds, 'the attacker really raced');
  assert.ok(counts.quarantined > 0, 'some quarantines went through the race');
  assert.equal(counts.violations, 0, violations.join('\n'));
  assert.equal(counts.toolLost, 0, lost.join('\n'));
  // The canaries are still exactly as built (statSync: nothing followed a link to them and changed them).
  assert.equal(statSync(join(root, 'victim')).mode & 0o7777, 0o600);
});

/** Is the tool whole under the attacker's temporary name of its package directory or one of its parents? */
async function leftAsideByAttacker(pkg: string, toolFiles: Awaited<ReturnType<typeof snapshotTree>>): Promise<boolean> {
  // lib/node_modules/@openai/codex: the attacker swaps any of these four directories.
  for (let level = 0, dir = pkg, rest = ''; level < 4; level++, rest = `/${basename(dir)}${rest}`, dir = dirname(dir)) {
    const aside = `${dir}.real${rest}`;
    if (existsSync(aside) && compareSnapshots(toolFiles, await snapshotTree(aside)).length === 0) return true;
  }
  return false;
}
