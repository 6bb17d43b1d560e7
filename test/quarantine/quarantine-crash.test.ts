// kill -9 of a quarantine or a restore at random instants: after recover() the tool is always either fully in
// place or fully in quarantine — never lost, never half-moved. Same file system (renames) and across file
// systems (store on /dev/shm: copy, check, remove), with the real Qwen Code package (146 entries, 55 MB).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { QuarantineStore, type QuarantineRequest } from '../../agent/quarantine/quarantine-store.ts';
import { isStubFor } from '../../agent/quarantine/quarantine-stub.ts';
import { compareSnapshots, snapshotTree, type SnapshotEntry } from '../../agent/quarantine/tree-snapshot.ts';
import { dirOnOtherFileSystem } from '../support/other-file-system.ts';
import { requireSetup } from '../support/system-part.ts';
import { installGlobalNpm, tempRoot } from '../support/tool-homes.ts';

const CHILD = new URL('./quarantine-child.ts', import.meta.url).pathname;
const ITERATIONS = 24;

interface Run {
  killedAfterMs: number | null;
  finished: boolean;
  workMs: number;
}

/** Runs the child; once it says "ready", waits `killAfterMs` (null: never) and sends SIGKILL. */
function runChild(args: string[], killAfterMs: number | null): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let readyAt = 0;
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!readyAt && out.includes('ready\n')) {
        readyAt = Date.now();
        if (killAfterMs !== null) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const finished = out.includes('done\n');
      if (!finished && signal !== 'SIGKILL') reject(new Error(`child failed (${code}): ${err}`));
      else resolve({ killedAfterMs: signal === 'SIGKILL' ? killAfterMs : null, finished, workMs: Date.now() - readyAt });
    });
  });
}

let root: string;
/** Where the second half's store lives: another file system with room for the tool twice (copy, check, remove). */
let crossDevice: ReturnType<typeof dirOnOtherFileSystem> | undefined;
let prefix: string;
let tool: { packageDir: string; bin: string };
let original: SnapshotEntry[];
let binTarget: string;

before(async () => {
  root = tempRoot('quarantine-crash');
  prefix = join(root, 'home', 'dev', '.npm-global');
  tool = installGlobalNpm('qwen-code', prefix, false);
  original = await snapshotTree(tool.packageDir);
  binTarget = readlinkSync(tool.bin);
});
after(() => {
  rmSync(root, { recursive: true, force: true });
  if (crossDevice && 'dir' in crossDevice) rmSync(crossDevice.dir, { recursive: true, force: true });
});

const request = (): QuarantineRequest => ({
  toolId: 'qwen-code',
  toolName: 'Qwen Code',
  root: tool.packageDir,
  entries: [{ path: tool.bin, stub: true }],
  via: 'npm-global',
  evidence: 'npm-package',
  ruleId: 'test',
  reason: { en: 'Qwen Code uploads the code it reads to Alibaba Cloud.' },
});

/** Fully in place: every file as it was and the command is the original link. */
async function inPlace(): Promise<string[]> {
  if (!existsSync(tool.packageDir)) return ['package missing'];
  const problems = compareSnapshots(original, await snapshotTree(tool.packageDir));
  if (!lstatSync(tool.bin).isSymbolicLink() || readlinkSync(tool.bin) !== binTarget) problems.push('bin is not the original link');
  return problems;
}

/** Fully quarantined: one complete item whose payload matches its manifest; nothing of the tool left behind. */
async function quarantined(store: QuarantineStore): Promise<string[]> {
  const items = store.list();
  if (items.length !== 1) return [`${items.length} items`];
  const m = items[0]!;
  const problems: string[] = [];
  for (const mv of m.moves) problems.push(...compareSnapshots(mv.files, await snapshotTree(join(store.dir, m.id, 'payload', mv.payload))));
  if (existsSync(tool.packageDir)) problems.push('package still in place');
  if (!isStubFor(readFileSync(tool.bin, 'utf8'), m.id)) problems.push('bin is not the stub');
  return problems;
}

test(`kill -9 at random points of quarantine and restore (${ITERATIONS} iterations): fully in place or fully quarantined`, async (t) => {
  const outcomes = { inPlace: 0, quarantined: 0 };
  const phases = new Set<string>();
  // Calibrate: how long the work takes once the child is ready, per store location.
  crossDevice = dirOnOtherFileSystem(root, 'crash', 512 * 1024 * 1024);
  // No second file system with room skips (and fails under CI): both halves would only test renames.
  const missing = requireSetup('missing' in crossDevice ? crossDevice.missing : undefined);
  if (missing || !('dir' in crossDevice)) return t.skip(missing);
  const stores = [join(root, 'state'), join(crossDevice.dir, 'state')];
  assert.notEqual(statSync(crossDevice.dir).dev, statSync(root).dev, 'the second half crosses devices');
  mkdirSync(stores[1]!, { recursive: true });
  const workMs: number[] = [];
  for (const stateDir of stores) {
    const q = await runChild([stateDir, 'quarantine', JSON.stringify(request())], null);
    const id = new QuarantineStore(stateDir).list()[0]!.id;
    const r = await runChild([stateDir, 'restore', id], null);
    workMs.push(Math.max(q.workMs, r.workMs));
    assert.deepEqual(await inPlace(), []);
  }

  for (let i = 0; i < ITERATIONS; i++) {
    const s = i % 2;
    const stateDir = stores[s]!;
    const store = new QuarantineStore(stateDir);
    // Start from either state, so both quarantine and restore get killed.
    const killRestore = i % 4 >= 2;
    if (killRestore) await store.quarantine(request(), () => 'qwen-code');
    const delay = Math.floor(Math.random() * workMs[s]! * 1.1);
    const args = killRestore ? [stateDir, 'restore', store.list()[0]!.id] : [stateDir, 'quarantine', JSON.stringify(request())];
    const run = await runChild(args, delay);
    phases.add(`${killRestore ? 'restore' : 'quarantine'}:${run.finished ? 'finished' : 'killed'}`);

    await store.recover();
    const p1 = await inPlace();
    const p2 = p1.length ? await quarantined(store) : [];
    assert.ok(p1.length === 0 || p2.length === 0, `iteration ${i} (${s ? 'cross-device' : 'same fs'}, ${killRestore ? 'restore' : 'quarantine'} killed after ${delay} ms): neither in place (${p1.slice(0, 3).join('; ')}) nor quarantined (${p2.slice(0, 3).join('; ')})`);
    if (p1.length === 0) outcomes.inPlace++;
    else {
      outcomes.quarantined++;
      await store.restore(store.list()[0]!.id);
      assert.deepEqual(await inPlace(), [], `iteration ${i}: restore after recovery`);
    }
    assert.equal(store.list().length, 0);
  }
  t.diagnostic(JSON.stringify({ outcomes, phases: [...phases], workMs }));
  // Both outcomes occur, so the kills did land inside the operation.
  assert.ok(outcomes.inPlace > 0 && outcomes.quarantined > 0, JSON.stringify({ outcomes, phases: [...phases] }));
  assert.ok(phases.has('quarantine:killed') && phases.has('restore:killed'), JSON.stringify([...phases]));
});
