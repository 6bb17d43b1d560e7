// One user must not get another user's process stopped (or install quarantined) by planting evidence near it: a
// package.json naming a banned package, dropped above someone else's program in a shared writable tree (/opt/<team>,
// /srv). Real accounts (useradd), a real root agent scoped to this test, a root-owned world-writable tree.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { builtInPolicy, Matcher } from '../../policy/index.ts';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';

const BANNED_MANIFEST = JSON.stringify({ name: '@anthropic-ai/claude-code', version: '9.9.9' });
const suffix = `${process.pid % 100000}`;
const users = { a: { name: `cordon-a${suffix}`, uid: -1, gid: -1 }, b: { name: `cordon-b${suffix}`, uid: -1, gid: -1 } };
const shared = mkdtempSync(join(tmpdir(), 'cordon-shared-'));
const started: ChildProcess[] = [];
let agent: AgentProcess | undefined;
const isRoot = process.getuid?.() === 0;

function id(flag: '-u' | '-g', name: string): number {
  return Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim());
}

/** Runs a tiny node program as `who` (so the files it writes are really that user's). */
function asUser(who: { uid: number; gid: number }, code: string, ...args: string[]): void {
  const r = spawnSync(process.execPath, ['-e', code, ...args], { uid: who.uid, gid: who.gid, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

/** `<tree>/app/bin/prog`, A's renamed copy of sleep, made by A in a tree anyone can write to. */
function plantProgram(tree: string): string {
  mkdirSync(tree, { recursive: true });
  chmodSync(tree, 0o1777);
  asUser(users.a, "const fs = require('fs'); fs.mkdirSync(process.argv[1] + '/app/bin', { recursive: true }); fs.copyFileSync('/bin/sleep', process.argv[1] + '/app/bin/prog'); fs.chmodSync(process.argv[1] + '/app/bin/prog', 0o755);", tree);
  return join(tree, 'app', 'bin', 'prog');
}

function writeManifestAs(who: { uid: number; gid: number } | 'root', dir: string): void {
  if (who === 'root') writeFileSync(join(dir, 'package.json'), BANNED_MANIFEST);
  else asUser(who, "require('fs').writeFileSync(process.argv[1], process.argv[2]);", join(dir, 'package.json'), BANNED_MANIFEST);
}

function runAsA(prog: string): ChildProcess {
  const p = spawn(prog, ['999'], { uid: users.a.uid, gid: users.a.gid, stdio: 'ignore' });
  started.push(p);
  return p;
}

const alive = (p: ChildProcess) => p.exitCode === null && p.signalCode === null;

before(() => {
  if (!isRoot) return;
  for (const u of Object.values(users)) {
    spawnSync('userdel', [u.name]);
    const r = spawnSync('useradd', ['--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', '--user-group', u.name], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    u.uid = id('-u', u.name);
    u.gid = id('-g', u.name);
  }
  chmodSync(shared, 0o755);
});

after(async () => {
  for (const p of started) if (alive(p)) p.kill('SIGKILL');
  await agent?.stop();
  rmSync(shared, { recursive: true, force: true });
  if (isRoot) for (const u of Object.values(users)) spawnSync('userdel', [u.name]);
});

it("another user's package.json above A's program stops nothing; A's own or root's does", { skip: !isRoot && 'needs root (real users, a root agent)' }, async () => {
  agent = await startAgent();
  const planted = plantProgram(join(shared, 'team-planted'));
  writeManifestAs(users.b, join(shared, 'team-planted'));
  const own = plantProgram(join(shared, 'team-own'));
  writeManifestAs(users.a, join(shared, 'team-own'));
  const roots = plantProgram(join(shared, 'team-root'));
  writeManifestAs('root', join(shared, 'team-root'));

  const victim = runAsA(planted);
  const ownBanned = runAsA(own);
  const rootBanned = runAsA(roots);
  // Started last, so the agent has judged the victim by the time both of these are stopped.
  await agent.waitForEvent((e) => e.type === 'block' && e.pid === ownBanned.pid, 15_000);
  await agent.waitForEvent((e) => e.type === 'block' && e.pid === rootBanned.pid, 15_000);
  assert.ok(alive(victim), "A's program under B's planted manifest is left alone");
  assert.ok(!(await agent.events()).some((e) => e.pid === victim.pid), 'and nothing is recorded against it');

  // Inventory judges files the same way: B's manifest names neither A's program nor the directory it lies in.
  const matcher = new Matcher(builtInPolicy());
  assert.equal(matcher.matchFile(planted), null);
  assert.equal(matcher.matchFile(join(shared, 'team-planted', 'package.json')), null, "B's manifest does not speak for a directory B does not own");
  assert.equal(matcher.matchFile(own)?.toolId, 'claude-code');
});
