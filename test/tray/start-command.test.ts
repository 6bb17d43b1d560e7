// `cordon start` where the tray cannot run (no display here, and no Electron binary on this machine): it says
// what is missing in one paragraph, runs the real agent headless, and stops cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { statusApiRequest } from '../../agent/status-client.ts';
import type { AgentStatus } from '../../agent/status-types.ts';
import { checkTray, displayAvailable, findElectronBinary, headlessExplanation } from '../../main/launch-tray.ts';
import { CORDON_BIN, runCordon } from '../support/cli.ts';
import { waitFor } from '../support/wait-for.ts';

const NO_DISPLAY = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DISPLAY' && k !== 'WAYLAND_DISPLAY'));

test('cordon start without a display explains what is missing, runs the local server and the agent headless, exits 0 on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-start-'));
  const socket = join(dir, 'agent.sock');
  const child = spawn(process.execPath, [CORDON_BIN, 'start', '--socket', socket, '--state-dir', join(dir, 'state'), '--scope-pid', String(process.pid), '--server-port', '0'], {
    env: { ...NO_DISPLAY, CORDON_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A failed assertion must not leave the server and agent running (the test file would never exit).
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  // 60 s, as for any agent's start (test/support/agent-process.ts): here a server starts first, all through tsx,
  // and 20 s was not enough on a loaded machine.
  const status = await waitFor(() => statusApiRequest<AgentStatus>(socket, 'GET', '/v1/status', undefined, 2000).then((r) => r.body).catch(() => undefined), 'the headless agent to answer', 60_000);
  assert.equal(status.scope, 'user');
  assert.equal(status.mode, 'enforce');
  assert.match(out, /^Local Cordon server on http:\/\/127\.0\.0\.1:\d+ \(embedded database in .*local-server\); admin token in /m);
  // The agent enrols with the local server and runs its signed policy (the built-in default, as served).
  const connected = await waitFor(
    () => statusApiRequest<AgentStatus>(socket, 'GET', '/v1/status', undefined, 2000).then((r) => (r.body.enrolment.state === 'enrolled' && r.body.policy.source === 'server' && r.body.sync.state === 'ok' ? r.body : undefined)),
    'the agent to enrol with the local server',
    60_000,
  );
  assert.equal(connected.policy.id, 'cordon-default');
  const paragraph = out.split('\n').find((l) => l.startsWith('Cordon cannot open'))!;
  assert.match(paragraph, /^Cordon cannot open its tray app here: .*there is no display to show a tray icon on \(DISPLAY and WAYLAND_DISPLAY are unset/);
  if (!findElectronBinary()) assert.match(paragraph, /the Electron binary is not installed/);
  assert.match(paragraph, new RegExp(`Running the Cordon agent headless in the foreground instead, as this user: .* answers status requests on ${socket.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\. Press Ctrl\\+C to stop it\\.$`));

  // A second start finds it running rather than starting another agent.
  const again = runCordon(['start', '--socket', socket, '--state-dir', join(dir, 'state2')], { env: NO_DISPLAY });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /^A Cordon agent is already running \(user scope, policy "Cordon built-in default", status on .*\); nothing to start\.$/m);
  assert.doesNotMatch(again.stdout, /Local Cordon server/, 'no second server either');

  child.kill('SIGTERM');
  assert.equal(await exited, 0, out);
  assert.match(out, /cordon start: stopped on SIGTERM/);
  await assert.rejects(statusApiRequest(socket, 'GET', '/v1/status', undefined, 2000), /not running/);
});

test('tray check: Electron binary and display, each named when missing', () => {
  assert.equal(displayAvailable({}, 'linux'), false);
  assert.equal(displayAvailable({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux'), true);
  assert.equal(displayAvailable({}, 'darwin'), true);
  const check = checkTray({}, 'linux');
  assert.ok(check.missing.some((m) => m.startsWith('there is no display')));
  assert.equal(check.missing.some((m) => m.startsWith('the Electron binary is not installed')), check.electron === undefined);
  const text = headlessExplanation(['the Electron binary is not installed (x)', 'there is no display (y)'], '/run/user/1000/cordon/agent.sock');
  assert.ok(!text.includes('\n'));
  assert.match(text, /^Cordon cannot open its tray app here: the Electron binary is not installed \(x\); and there is no display \(y\)\. Running/);
});

test('cordon start rejects a bad --scope-pid with usage', () => {
  const r = runCordon(['start', '--scope-pid', 'abc'], { env: NO_DISPLAY });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--scope-pid must be a process id/);
});
