// The macOS and Windows process sources parse other programs' output: checked on recordings (see
// test/fixtures/process-listings/README.md), including paths with spaces and processes without a terminal.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { parsePsListings } from '../../agent/process/ps-source.ts';
import { fromSystemInformation } from '../../agent/process/systeminformation-source.ts';

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

it('parses macOS ps: full executable paths with spaces from comm, ttys as devices, ?? as none', () => {
  const listed = parsePsListings(fixture('macos-ps-args.txt'), fixture('macos-ps-comm.txt'));
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

it('maps a recorded systeminformation listing from Linux', () => {
  const raw = JSON.parse(fixture('linux-systeminformation.json')) as Parameters<typeof fromSystemInformation>[0];
  const listed = fromSystemInformation(raw, 'linux');
  assert.equal(listed.length, raw.length);
  for (const [i, p] of listed.entries()) {
    assert.equal(p.pid, raw[i]!.pid);
    assert.equal(p.ppid, raw[i]!.parentPid);
    assert.ok(p.startTime > 0, `pid ${p.pid}: start time from "${raw[i]!.started}"`);
    assert.equal(p.argv[0], p.exe ?? raw[i]!.name);
  }
});

it('maps systeminformation on Windows: folder + file name as the executable, the script in argv', () => {
  const raw = JSON.parse(fixture('windows-systeminformation.json')) as Parameters<typeof fromSystemInformation>[0];
  const listed = fromSystemInformation(raw, 'win32');
  const node = listed.find((p) => p.pid === 9120)!;
  assert.equal(node.exe, 'C:\\Program Files\\nodejs\\node.exe');
  assert.equal(node.argv[1], 'C:\\Users\\eve\\AppData\\Roaming\\npm\\node_modules\\@openai\\codex\\bin\\codex.js');
  const codex = listed.find((p) => p.pid === 9200)!;
  assert.ok(codex.exe!.endsWith('\\bin\\codex.exe'));
  assert.equal(codex.ppid, 9120);
  assert.equal(listed.find((p) => p.pid === 4)!.exe, null);
});
