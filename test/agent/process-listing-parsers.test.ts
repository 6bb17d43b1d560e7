// The macOS and Windows process sources parse other programs' output. Checked on Linux recordings and live runs
// of the real `ps` and systeminformation on this machine, and on HAND-WRITTEN macOS and Windows listings that
// follow those tools' documented formats: no macOS or Windows machine is reachable from the build machine, so
// those two are not recordings (see test/fixtures/process-listings/README.md). Expected values are written out
// here, never read back from the fixture under test.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import si from 'systeminformation';
import { parsePsListings, PsSource } from '../../agent/process/ps-source.ts';
import { fromSystemInformation } from '../../agent/process/systeminformation-source.ts';
import { observeLaunch } from '../support/observed-launch.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/process-listings/${name}`, import.meta.url), 'utf8');

it('parses a recorded Linux procps listing: every line, start times, no terminal as none', () => {
  const listed = parsePsListings(fixture('linux-procps-args.txt'), fixture('linux-procps-comm.txt'));
  const lines = fixture('linux-procps-args.txt').trim().split('\n').length;
  assert.equal(listed.length, lines, 'no line is dropped');
  const helper = listed.find((p) => p.argv.join(' ') === '/tmp/Visual Studio Code.app/bin/code helper 77')!;
  assert.ok(helper, 'the process under a path with spaces is listed with its whole command line');
  assert.equal(helper.startTime, Date.parse('Wed Nov 25 16:42:41 2026 UTC') / 1000);
  assert.equal(helper.tty, undefined);
  assert.equal(helper.uid, 0);
  // procps' comm is the short name, not a path: the executable stays unknown rather than guessed.
  assert.equal(helper.exe, null);
  assert.equal(listed.find((p) => p.pid === 1)!.ppid, 0);
});

it('parses macOS ps (hand-written listing): full executable paths with spaces from comm, ttys as devices, ?? as none', () => {
  const listed = parsePsListings(fixture('macos-ps-args.handwritten.txt'), fixture('macos-ps-comm.handwritten.txt'));
  assert.equal(listed.length, 5);
  const code = listed.find((p) => p.pid === 612)!;
  assert.equal(code.exe, '/Applications/Visual Studio Code.app/Contents/MacOS/Electron');
  assert.equal(code.tty, undefined);
  const claude = listed.find((p) => p.pid === 4242)!;
  assert.equal(claude.exe, '/opt/homebrew/Caskroom/claude-code/2.1.197/claude');
  assert.deepEqual(claude.argv, ['claude', '-p', 'explain', 'this', 'repo']);
  assert.equal(claude.tty, '/dev/ttys001');
  assert.equal(claude.uid, 501);
  assert.equal(claude.ppid, 4100);
  assert.equal(listed.find((p) => p.pid === 4100)!.exe, null, 'a login shell\'s "-zsh" is not a path');
});

it('maps a recorded systeminformation listing from Linux (paths empty there): name and params as argv, no exe', () => {
  const raw = JSON.parse(fixture('linux-systeminformation.json')) as Parameters<typeof fromSystemInformation>[0];
  const listed = fromSystemInformation(raw, 'linux');
  assert.equal(listed.length, 22);
  const init = listed.find((p) => p.pid === 1)!;
  assert.equal(init.ppid, 0);
  assert.equal(init.exe, null, 'systeminformation leaves path empty on Linux: the executable stays unknown');
  assert.deepEqual(init.argv.slice(0, 3), ['process_api', '--firecracker-init', '--addr']);
  assert.equal(init.startTime, Date.parse('2026-11-25T16:07:08') / 1000);
  const shell = listed.find((p) => p.pid === 1140)!;
  assert.deepEqual([shell.ppid, shell.exe, shell.comm, shell.argv], [1139, null, 'bash', ['bash', '/dev/fd/3']]);
  assert.equal(shell.startTime, Date.parse('2026-11-25T16:07:43') / 1000);
});

it('maps systeminformation on Windows (hand-written listing): folder + file name as the executable, the script in argv', () => {
  const raw = JSON.parse(fixture('windows-systeminformation.handwritten.json')) as Parameters<typeof fromSystemInformation>[0];
  const listed = fromSystemInformation(raw, 'win32');
  const node = listed.find((p) => p.pid === 9120)!;
  assert.equal(node.exe, 'C:\\Program Files\\nodejs\\node.exe');
  assert.equal(node.argv[1], 'C:\\Users\\eve\\AppData\\Roaming\\npm\\node_modules\\@openai\\codex\\bin\\codex.js');
  const codex = listed.find((p) => p.pid === 9200)!;
  assert.ok(codex.exe!.endsWith('\\bin\\codex.exe'));
  assert.equal(codex.ppid, 9120);
  assert.equal(listed.find((p) => p.pid === 4)!.exe, null);
});

// Live: the real tools on this machine, against a process this test started under a path with spaces.
const scratch = mkdtempSync(join(tmpdir(), 'cordon-listing-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

async function startHelper(under: string): Promise<{ pid: number; exe: string; stop: () => void }> {
  mkdirSync(join(scratch, under, 'Visual Studio Code'), { recursive: true });
  const exe = join(scratch, under, 'Visual Studio Code', 'code helper');
  copyFileSync('/usr/bin/sleep', exe);
  const child = spawn(exe, ['77'], { stdio: 'ignore' });
  await observeLaunch(child, (p) => p.exe === exe);
  return { pid: child.pid!, exe, stop: () => child.kill('SIGKILL') };
}

it('live procps `ps`, as the agent runs it, lists a process under a path with spaces with its parent and whole command line', async () => {
  const before = Math.floor(Date.now() / 1000) - 1;
  const helper = await startHelper('ps');
  try {
    const listed = await new PsSource().running();
    const p = listed.find((x) => x.pid === helper.pid);
    assert.ok(p, `pid ${helper.pid} not in the ps listing`);
    assert.equal(p.ppid, process.pid);
    // `args=` carries no argument boundaries: a path with spaces comes back split at them.
    assert.deepEqual(p.argv, [...helper.exe.split(' '), '77']);
    assert.equal(p.exe, null, "procps' comm is the short name: the executable stays unknown");
    assert.equal(p.uid, process.getuid!());
    assert.ok(p.startTime >= before && p.startTime <= Date.now() / 1000 + 1, `start time ${p.startTime}`);
  } finally {
    helper.stop();
  }
});

it('live systeminformation on Linux: parent and folder right, but a name with spaces is cut (why Linux reads /proc)', async () => {
  const helper = await startHelper('si');
  try {
    const listed = fromSystemInformation((await si.processes()).list, 'linux');
    const p = listed.find((x) => x.pid === helper.pid);
    assert.ok(p, `pid ${helper.pid} not in the systeminformation listing`);
    assert.equal(p.ppid, process.pid);
    // What systeminformation 5 reports here: the folder as path, the name cut at the first space, the arguments
    // only inside "command". The agent uses it on Windows, where WMI gives folder and file name whole.
    const folder = join(scratch, 'si', 'Visual Studio Code');
    assert.equal(p.comm, 'code');
    assert.equal(p.exe, join(folder, 'code'));
    assert.notEqual(p.exe, helper.exe);
  } finally {
    helper.stop();
  }
});
