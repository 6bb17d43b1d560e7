// Text from employees, events and servers reaches IT's and employees' terminals without control sequences: the
// module on hostile inputs (ESC, CSI, OSC, DCS, C1, bidi), then `cordon admin exceptions` and `cordon status`
// printing an employee's reason and event text that carry them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { terminalSafe, terminalSafeLine } from '../../cli/terminal-text.ts';
import { deviceFacts, http } from '../support/server-instance.ts';
import { cordon, RealServer } from '../sync/e2e-support.ts';
import { STATUS_API_VERSION, type AgentStatus } from '../../agent/status-types.ts';

// Nothing a terminal acts on may survive: ESC, the C1 range, other C0 controls but \n and \t, DEL, bidi overrides.
// eslint-disable-next-line no-control-regex
const ACTIVE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

const HOSTILE: [string, string, string][] = [
  ['CSI clear screen and colour', 'ok\x1b[2J\x1b[1;31mred\x1b[0m done', 'okred done'],
  ['CSI cursor up over the previous line', 'approved\x1b[1A\x1b[2K', 'approved'],
  ['OSC window title, BEL-terminated', 'a\x1b]0;pwned\x07b', 'ab'],
  ['OSC 52 clipboard write, ST-terminated', 'a\x1b]52;c;cm0gLXJmIH4=\x1b\\b', 'ab'],
  ['OSC 8 hyperlink hiding its target', '\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\', 'click'],
  ['unterminated OSC swallows the rest', 'a\x1b]0;no end', 'a'],
  ['DCS with payload', 'a\x1bPq#0;2;0;0;0\x1b\\b', 'ab'],
  ['APC and PM', 'a\x1b_x\x1b\\b\x1b^y\x1b\\c', 'abc'],
  ['8-bit CSI (C1 0x9b)', 'a\x9b2Jb', 'ab'],
  ['8-bit OSC (C1 0x9d) and ST (0x9c)', 'a\x9d0;t\x9cb', 'ab'],
  ['other C1 controls', 'a\x85\x8d\x8eb', 'ab'],
  ['two-byte escapes (RIS, DECSC, charset)', 'a\x1bcb\x1b7c\x1b(0d', 'abcd'],
  ['lone ESC at the end', 'abc\x1b', 'abc'],
  ['C0 controls, CR overwriting, DEL', 'safe\rEVIL\x08\x7f\x00x', 'safeEVILx'],
  ['bidi override reordering text', 'file\u202Etxt.exe', 'filetxt.exe'],
  ['plain text and Unicode stay', 'Claude Code 会把代码发送 — naïve ✓', 'Claude Code 会把代码发送 — naïve ✓'],
];

for (const [name, input, expected] of HOSTILE)
  test(`terminalSafe: ${name}`, () => {
    const out = terminalSafe(input);
    assert.equal(out, expected);
    assert.doesNotMatch(out, ACTIVE);
  });

test('terminalSafeLine: a newline or tab in a field cannot fake another row', () => {
  assert.equal(terminalSafeLine('reason\napproved  alice'), 'reason approved  alice');
  assert.equal(terminalSafe('two\nlines\tkept'), 'two\nlines\tkept');
});

test('random bytes never leave an active control character', () => {
  for (let i = 0; i < 2000; i++) {
    const s = String.fromCharCode(...Array.from({ length: 40 }, () => (Math.random() < 0.5 ? Math.floor(Math.random() * 0xa0) : [0x1b, 0x9b, 0x9d, 0x5b, 0x5d, 0x07, 0x5c][Math.floor(Math.random() * 7)]!)));
    assert.doesNotMatch(terminalSafe(s), ACTIVE, JSON.stringify(s));
  }
});

const scratch = mkdtempSync(join(tmpdir(), 'cordon-terminal-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const REASON = 'need it\x1b]52;c;cm0gLXJmIH4=\x07 for\x1b[2J\x1b[H the \x9b31mrelease\nAPPROVED by it-lead';

test('cordon admin exceptions prints an employee’s reason without its control sequences', async () => {
  const server = await RealServer.start(join(scratch, 'server'));
  try {
    const enrol = await http<{ token: string }>(server.url, 'POST', '/v1/enrol', { body: { secret: server.enrolSecret, device: deviceFacts({ hostname: 'ws-\x1b[31mred' }) } });
    assert.equal(enrol.status, 201, JSON.stringify(enrol.body));
    const filed = await http(server.url, 'POST', '/v1/exception-requests', { token: enrol.body.token, body: { toolId: 'codex', reason: REASON, days: 3, user: 'mallory\x1b]0;x\x07' } });
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    const r = await cordon(['admin', '--server', server.url, '--token-file', join(scratch, 'server', 'admin-token'), 'exceptions']);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, ACTIVE);
    assert.match(r.stdout, /need it for the release APPROVED by it-lead/);
    assert.equal(r.stdout.trim().split('\n').length, 2, 'one header and one row: the newline in the reason made no row of its own');
  } finally {
    await server.close();
  }
});

test('cordon status prints events, paths and problems without their control sequences', async () => {
  const status: AgentStatus = {
    apiVersion: STATUS_API_VERSION,
    agentVersion: '0.1.0',
    pid: 1,
    startedAt: new Date().toISOString(),
    platform: 'linux',
    scope: 'machine',
    mode: 'enforce',
    policy: { id: 'p', name: 'Policy\x1b]0;t\x07', source: 'server', serial: 1, digest: 'd', loadedAt: new Date().toISOString() },
    sync: { state: 'error', serverUrl: 'https://cordon.example', lastError: 'HTTP 500\x1b[2J' },
    enrolment: { state: 'enrolled', deviceId: 'dev-1', tokenStorage: 'file' },
    queue: { pending: 0, dropped: 0 },
    restrictedTools: [],
    recentEvents: [{ id: 'e1', type: 'block', at: new Date().toISOString(), toolId: 'codex', pid: 42, user: 'mallory', message: 'codex stopped\x1b[1A\x1b[2KProtected', tty: 'pts/1\x9b2J' }],
    installed: [{ toolId: 'codex', name: 'Codex CLI', path: '/home/mallory/\x1b]8;;https://evil.example/\x1b\\codex\x1b]8;;\x1b\\', user: 'mallory', via: 'npm', foundAt: new Date().toISOString(), state: 'not-allowed' }],
    exceptionRequests: [],
    health: { watcher: 'procfs', scanIntervalMs: 100, processesSeen: 1, problems: ['cannot read /home/mallory/\x1b[31mx\n! forged problem'] },
  };
  // A stand-in agent socket serving that status: what `cordon status` prints is the subject here.
  const socket = join(scratch, 'agent.sock');
  const fake = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(status)));
  await new Promise<void>((r) => fake.listen(socket, r));
  try {
    const r = await cordon(['status', '--socket', socket]);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, ACTIVE);
    assert.match(r.stdout, /codex stopped\s*Protected/);
    assert.match(r.stdout, /\/home\/mallory\/codex/);
    assert.ok(!r.stdout.includes('\n  ! forged problem'), 'a newline in a problem made no line of its own');
  } finally {
    await new Promise((r) => fake.close(r));
  }
});
