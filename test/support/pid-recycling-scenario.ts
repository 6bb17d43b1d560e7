// Run as pid 1 of a fresh pid namespace (`unshare --pid --fork --mount-proc`), as root. Plays the attack on the
// stopper's parent links with real processes and prints what happened as one JSON line:
//   1. "alice" (uid 2001) has a shell that starts a long job, and the agent's process source sees both;
//   2. the shell exits: the job is orphaned (its parent is now pid 1), but the source recorded the shell as parent;
//   3. "bob" (uid 2002) gets the dead shell's pid handed out again (ns_last_pid) and runs a banned look-alike
//      there, which starts a child and a grandchild;
//   4. the stopper stops the look-alike's tree, as the agent would.
// Nothing outside the namespace is visible or touched; when this process exits the kernel ends the rest.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessStopper } from '../../agent/enforcement/process-stopper.ts';
import { ProcFsSource } from '../../agent/process/procfs-source.ts';

const ALICE = 2001;
const BOB = 2002;

const dir = mkdtempSync(join(tmpdir(), 'cordon-recycle-'));

function lookAlike(): string {
  const pkgDir = join(dir, 'lib', 'node_modules', '@anthropic-ai', 'claude-code');
  mkdirSync(pkgDir, { recursive: true });
  writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name: '@anthropic-ai/claude-code', version: '1.0.0', bin: { claude: 'cli.js' } }));
  // A child, and a grandchild under a shell: the tree the stopper must still take down.
  writeFileSync(
    join(pkgDir, 'cli.js'),
    "const { spawn } = require('node:child_process');\n" +
      "spawn('sleep', ['300'], { stdio: 'ignore' });\n" +
      "spawn('sh', ['-c', 'sleep 300; :'], { stdio: 'ignore' });\n" +
      'setInterval(() => {}, 1000);\n',
  );
  for (let d = pkgDir; d.length >= dir.length; d = join(d, '..')) chmodSync(d, 0o755);
  return join(pkgDir, 'cli.js');
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1').split(' ')) if (c) out.push(Number(c));
  }
  return out;
}
function treeOf(pid: number): number[] {
  const out: number[] = [];
  for (const c of childrenOf(pid)) out.push(c, ...treeOf(c));
  return out;
}
function state(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return 'gone';
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lines = (c: ChildProcess) => new Promise<string>((resolve) => c.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));

async function main(): Promise<void> {
  const script = lookAlike();
  // Every poll also sweeps (forgets what exited), as the agent's periodic sweep does between a death and a reuse.
  const source = new ProcFsSource({ sweepMs: 0 });
  const stopper = new ProcessStopper(source, new Set([process.pid]));
  source.pollSync();

  const shell = spawn('sh', ['-c', 'sleep 300 & echo $!; read x'], { uid: ALICE, gid: ALICE, stdio: ['pipe', 'pipe', 'ignore'] });
  const job = Number(await lines(shell));
  const shellPid = shell.pid!;
  // Wait for the source to record the job with the shell as its parent (the agent's view at first sight).
  for (let i = 0; i < 100 && source.parentOf(job) !== shellPid; i++) {
    source.pollSync();
    await sleep(10);
  }
  const recordedParent = source.parentOf(job);

  shell.stdin!.end();
  await new Promise((r) => shell.once('exit', r));
  source.pollSync();
  const jobParentNow = Number(readFileSync(`/proc/${job}/stat`, 'latin1').split(') ')[1]!.split(' ')[1]);

  // Hand the dead shell's pid to bob's look-alike. Only synchronous work between the write and the fork, so no
  // thread of this process takes the pid first.
  let tool: ChildProcess | undefined;
  for (let attempt = 0; attempt < 5 && tool?.pid !== shellPid; attempt++) {
    tool?.kill('SIGKILL');
    writeFileSync('/proc/sys/kernel/ns_last_pid', String(shellPid - 1));
    tool = spawn(process.execPath, [script], { uid: BOB, gid: BOB, stdio: 'ignore', cwd: '/' });
  }
  if (tool?.pid !== shellPid) throw new Error(`could not recycle pid ${shellPid} (got ${tool?.pid})`);
  let toolTree: number[] = [];
  for (let i = 0; i < 200 && toolTree.length < 3; i++) {
    await sleep(10);
    toolTree = treeOf(tool.pid);
  }

  const seen = source.pollSync().find((p) => p.pid === tool.pid);
  if (!seen) throw new Error('the source did not report the look-alike');
  const outcome = await stopper.stopTree({ pid: seen.pid, startTime: seen.startTime, exe: seen.exe });
  // SIGKILL is sent; a loaded machine can take a while to run the dying processes to their end. Up to 5 s, then
  // the states are reported as they are (the test fails on any that is still alive).
  for (let waited = 0; waited < 5000 && outcome.killed.some((k) => !['gone', 'Z'].includes(state(k.pid))); waited += 50) await sleep(50);
  console.log(
    JSON.stringify({
      shellPid,
      job,
      recordedParent,
      jobParentNow,
      jobState: state(job),
      tool: tool.pid,
      toolTree,
      toolTreeStates: toolTree.map(state),
      toolState: state(tool.pid),
      killed: outcome.killed.map((k) => k.pid),
      spared: outcome.spared,
    }),
  );
  process.exit(0);
}

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
main().catch((err: unknown) => {
  console.log(JSON.stringify({ error: String((err as Error).stack ?? err) }));
  process.exit(1);
});
