// A local user must not be able to freeze the root agent, or make it read without bound, by putting a FIFO, a link
// to /dev/zero, a directory or a 1 TB sparse file where it reads a manifest, a script, a binary or a settings file.
// The readers are tried in a child process (a blocking read would hang the test itself), then the real agent is
// shown to keep enforcing with every trap running under it.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { REPO_ROOT } from '../support/cli.ts';
import { HOSTILE_KINDS, plantEveryKind, plantHostile } from '../support/hostile-files.ts';

const scratch = mkdtempSync(join(tmpdir(), 'cordon-hostile-'));
const started: ChildProcess[] = [];
let agent: AgentProcess | undefined;

const IDLE_SCRIPT = 'setInterval(() => {}, 1000);\n';

/** A directory laid out like a copied npm package of Claude Code: what the agent must still stop. */
function lookAlike(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@anthropic-ai/claude-code', version: '9.9.9' }));
  writeFileSync(join(dir, 'cli.js'), IDLE_SCRIPT);
  return join(dir, 'cli.js');
}

function alive(p: ChildProcess): boolean {
  return p.exitCode === null && p.signalCode === null;
}

before(() => lookAlike(join(scratch, 'banned')));
after(async () => {
  for (const p of started) if (alive(p)) p.kill('SIGKILL');
  // A stuck agent (today's main, frozen on a FIFO) never handles SIGTERM: kill it rather than hang the run.
  const kill = setTimeout(() => agent?.child.kill('SIGKILL'), 5000);
  await agent?.stop();
  clearTimeout(kill);
  rmSync(scratch, { recursive: true, force: true });
});

it('every reader of user files returns at once from a FIFO, /dev/zero, a directory, a sparse 1 TB file or a link', () => {
  const root = join(scratch, 'readers');
  plantEveryKind(join(root, 'files'), 'x', join(scratch, 'banned', 'cli.js'));
  // A manifest behind a link is someone else's file: it must not count, even when it names a banned package.
  plantEveryKind(join(root, 'manifests'), 'package.json', join(scratch, 'banned', 'package.json'));
  const home = join(root, 'home');
  mkdirSync(join(home, '.npm-global', 'lib', 'node_modules', 'pkg'), { recursive: true });
  plantHostile(join(home, '.npmrc'), 'fifo');
  plantHostile(join(home, '.npm-global', 'lib', 'node_modules', 'pkg', 'package.json'), 'fifo');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/support/hostile-reads-child.ts'), root], { encoding: 'utf8', timeout: 30_000, cwd: REPO_ROOT });
  assert.equal(r.signal, null, `a reader blocked (killed after 30 s): ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  for (const kind of HOSTILE_KINDS) {
    // Content reads follow a link (they read what runs), so the link to a real file reads it; a sparse file gives
    // the bounded window asked for, never more; nothing else reads at all.
    const expect =
      kind === 'link-to-file' ? { head: `${IDLE_SCRIPT.length} bytes`, tail: `${IDLE_SCRIPT.length} bytes`, at: `${IDLE_SCRIPT.length} bytes` } : kind === 'sparse-1tb' ? { head: '4096 bytes', tail: '4096 bytes', at: '64 bytes' } : { head: null, tail: null, at: null };
    assert.equal(out[`read head ${kind}`], expect.head, kind);
    assert.equal(out[`read tail ${kind}`], expect.tail, kind);
    assert.equal(out[`readAt ${kind}`], expect.at, kind);
    assert.equal(out[`packageName ${kind}`], null, `package.json as ${kind}`);
  }
  assert.deepEqual(out.inventory, []);
});

it('the real agent keeps enforcing with a trap of every kind running: a banned look-alike started after them is stopped', async () => {
  agent = await startAgent();
  const traps = new Map<string, ChildProcess>();
  for (const [kind, dir] of plantEveryKind(join(scratch, 'traps'), 'package.json', join(scratch, 'banned', 'package.json'))) {
    // A renamed copy of sleep next to the hostile package.json: the agent looks for a manifest above it.
    copyFileSync('/bin/sleep', join(dir, 's'));
    const p = spawn(join(dir, 's'), ['999'], { stdio: 'ignore' });
    started.push(p);
    traps.set(kind, p);
  }
  // Give the agent a few scans to meet every trap before the banned tool starts.
  await new Promise((r) => setTimeout(r, 1000));
  const banned = spawn(process.execPath, [join(scratch, 'banned', 'cli.js')], { stdio: 'ignore' });
  started.push(banned);
  const block = await agent.waitForEvent((e) => e.type === 'block' && e.pid === banned.pid, 15_000);
  assert.equal(block.toolId, 'claude-code');
  assert.equal((await agent.status()).mode, 'enforce', 'the status API answers');
  for (const [kind, p] of traps) assert.ok(alive(p), `the benign program beside a package.json that is a ${kind} is left alone`);
});

// Run for minutes with CORDON_HOSTILE_FILES_SECONDS=300: the traps change under the agent while it works.
const CHURN_SECONDS = Number(process.env.CORDON_HOSTILE_FILES_SECONDS ?? 15);

it(`under ${CHURN_SECONDS} s of traps swapped while the agent reads them, every banned launch is stopped and no benign program is touched`, async () => {
  agent ??= await startAgent();
  const root = join(scratch, 'churn');
  const programs: { p: ChildProcess; manifest: string }[] = [];
  const TRAPS = 8;
  for (let i = 0; i < TRAPS; i++) {
    const dir = join(root, `t${i}`);
    mkdirSync(dir, { recursive: true });
    copyFileSync('/bin/sleep', join(dir, 's'));
    writeFileSync(join(dir, 'package.json'), '{"name":"left-pad"}');
    const p = spawn(join(dir, 's'), ['999'], { stdio: 'ignore' });
    started.push(p);
    programs.push({ p, manifest: join(dir, 'package.json') });
  }
  const deadline = Date.now() + CHURN_SECONDS * 1000;
  let swaps = 0;
  let launches = 0;
  let slowestStatusMs = 0;
  let slowestStopMs = 0;
  while (Date.now() < deadline) {
    // Each manifest becomes another kind of trap; a rename makes the change atomic, as an attacker would.
    for (const { manifest } of programs.slice(0, TRAPS)) {
      const kind = HOSTILE_KINDS[(swaps + launches) % HOSTILE_KINDS.length]!;
      const next = `${manifest}.next`;
      rmSync(next, { recursive: true, force: true });
      plantHostile(next, kind, join(scratch, 'banned', 'package.json'));
      rmSync(manifest, { recursive: true, force: true });
      renameSync(next, manifest);
      swaps++;
    }
    // A fresh benign program beside a trap, so the agent meets a new one on every round.
    const dir = join(root, `t${launches % TRAPS}`);
    const fresh = spawn(join(dir, 's'), ['999'], { stdio: 'ignore' });
    started.push(fresh);
    programs.push({ p: fresh, manifest: join(dir, 'package.json') });
    const t0 = Date.now();
    const banned = spawn(process.execPath, [join(scratch, 'banned', 'cli.js')], { stdio: 'ignore' });
    started.push(banned);
    await agent.waitForEvent((e) => e.type === 'block' && e.pid === banned.pid, 15_000);
    slowestStopMs = Math.max(slowestStopMs, Date.now() - t0);
    launches++;
    const s0 = Date.now();
    assert.equal((await agent.status()).mode, 'enforce');
    slowestStatusMs = Math.max(slowestStatusMs, Date.now() - s0);
  }
  for (const { p } of programs) assert.ok(alive(p), 'a benign program beside a trap was touched');
  console.log(`hostile-files churn: ${CHURN_SECONDS} s, ${swaps} trap swaps, ${launches} banned launches all stopped (slowest ${slowestStopMs} ms), ${programs.length} benign programs untouched, slowest status answer ${slowestStatusMs} ms`);
});
