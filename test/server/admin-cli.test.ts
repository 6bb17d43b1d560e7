// `cordon server` and `cordon admin` as real processes: the server started from the CLI on an ephemeral port,
// IT's common operations run through the admin CLI against it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { CORDON_BIN, runCordon } from '../support/cli.ts';
import { deviceFacts, http } from '../support/server-instance.ts';

const dir = mkdtempSync(join(tmpdir(), 'cordon-admin-cli-'));
const dataDir = join(dir, 'data');
let serverProcess: ChildProcess;
let url: string;
let tokenFile: string;

const admin = (...args: string[]) => runCordon(['admin', '--server', url, '--token-file', tokenFile, ...args]);
// Independent invocations run side by side: each is a full `cordon` process start.
const cordonAsync = async (args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CORDON_BIN, ...args], { encoding: 'utf8' });
    return { status: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { status: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};
const adminAsync = (...args: string[]) => cordonAsync(['admin', '--server', url, '--token-file', tokenFile, ...args]);

before(async () => {
  serverProcess = spawn(process.execPath, [CORDON_BIN, 'server', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  url = await new Promise<string>((resolve, reject) => {
    serverProcess.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    serverProcess.once('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
  tokenFile = join(dataDir, 'admin-token');
  assert.match(stderr, /first admin token written to .*admin-token \(0600\)/);
});

after(async () => {
  if (serverProcess.exitCode === null) {
    serverProcess.kill('SIGTERM');
    await once(serverProcess, 'exit');
  }
  rmSync(dir, { recursive: true, force: true });
});

test('policy push, list, rollback; an invalid policy is reported against the file name', async () => {
  const file = join(dir, 'base.yaml');
  writeFileSync(file, 'schemaVersion: 1\nid: base\nname: Base\nmode: enforce\nrules:\n  - { id: all, tools: ["*"], action: block }\n');
  const pushed = admin('policy', 'push', file, '--group', '*');
  assert.equal(pushed.status, 0, pushed.stderr);
  assert.equal(pushed.stdout, 'pushed base version 1, assigned to *\n');
  writeFileSync(file, 'schemaVersion: 1\nid: base\nname: Base\nmode: monitor\nrules:\n  - { id: all, tools: ["*"], action: block }\n');
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'schemaVersion: 1\nid: base\nname: Base\nmode: loud\nrules: []\n');
  const [second, refused] = await Promise.all([adminAsync('policy', 'push', file), adminAsync('policy', 'push', bad)]);
  assert.equal(second.stdout, 'pushed base version 2\n');
  assert.equal(refused.status, 1);
  assert.equal(refused.stderr, `1 problem in ${bad}:\n  ${bad}:4:7  mode: must be one of: enforce, monitor\n`);
  const rolled = admin('policy', 'rollback', 'base');
  assert.equal(rolled.stdout, 'base: version 1 is current again (was 2)\n');
  const [list, missing] = await Promise.all([adminAsync('policy', 'list'), adminAsync('policy', 'rollback', 'nope')]);
  assert.match(list.stdout, /^POLICY\s+NAME\s+CURRENT\s+LATEST\s+GROUPS/);
  assert.match(list.stdout, /\nbase\s+Base\s+1\s+2\s+\*/);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /no policy "nope" \(not-found, HTTP 404\)/);
});

test('devices, events and exception decisions through the CLI; a viewer token cannot change anything', async () => {
  const secret = readFileSync(join(dataDir, 'enrol-secret'), 'utf8').trim();
  const { body } = await http<{ deviceId: string; token: string }>(url, 'POST', '/v1/enrol', { body: { secret, device: deviceFacts({ hostname: 'cli-host' }) } });
  await http(url, 'POST', '/v1/events', { token: body.token, body: { events: [{ id: 'ev-cli-1', type: 'block', at: new Date().toISOString(), toolId: 'codex', message: 'blocked Codex CLI' }] } });
  const ask = await http<{ id: string }>(url, 'POST', '/v1/exception-requests', { token: body.token, body: { toolId: 'codex', reason: 'evaluation', days: 5, user: 'alice' } });
  const ask2 = await http<{ id: string }>(url, 'POST', '/v1/exception-requests', { token: body.token, body: { toolId: 'aider', reason: 'please', days: 5, user: 'alice' } });

  const [devices, events, pending] = await Promise.all([adminAsync('devices', '--compliance', 'never-seen'), adminAsync('events', '--device', body.deviceId), adminAsync('exceptions', '--status', 'pending')]);
  assert.match(devices.stdout, new RegExp(`${body.deviceId}\\s+cli-host\\s+alice\\s+never-seen`));
  assert.match(events.stdout, /block\s+codex\s+blocked Codex CLI/);
  assert.match(pending.stdout, new RegExp(`${ask.body.id}\\s+pending\\s+codex\\s+alice\\s+cli-host`));
  const [approved, denied] = await Promise.all([adminAsync('exceptions', 'approve', ask.body.id, '--days', '2', '--note', 'ok'), adminAsync('--json', 'exceptions', 'deny', ask2.body.id, '--note', 'no')]);
  assert.equal(approved.status, 0, approved.stderr);
  assert.match(approved.stdout, /^approved .*: codex for alice on cli-host until \d{4}-/);
  assert.equal((JSON.parse(denied.stdout) as { status: string }).status, 'denied');

  const made = admin('tokens', 'create', '--name', 'helpdesk', '--role', 'viewer');
  assert.equal(made.status, 0, made.stderr);
  const viewer = made.stdout.trim();
  const [asViewer, revoked] = await Promise.all([
    cordonAsync(['admin', '--server', url, '--token', viewer, 'policy', 'rollback', 'base']),
    adminAsync('devices', 'revoke', body.deviceId),
  ]);
  assert.equal(asViewer.status, 1);
  assert.match(asViewer.stderr, /role viewer; this needs role admin \(forbidden, HTTP 403\)/);
  assert.equal(revoked.status, 0, revoked.stderr);
  assert.equal((await http(url, 'GET', '/v1/policy', { token: body.token })).status, 401);
  const audit = await adminAsync('audit');
  for (const action of ['policy.push', 'policy.rollback', 'exception.approve', 'exception.deny', 'token.create', 'device.revoke']) assert.match(audit.stdout, new RegExp(action.replace('.', '\\.')));
});

test('public-key prints the key agents pin; wrong usage says what is wrong', async () => {
  const [key, unknown, noServer] = await Promise.all([
    cordonAsync(['server', 'public-key', '--data-dir', dataDir]),
    adminAsync('frobnicate'),
    cordonAsync(['admin', 'devices']),
  ]);
  assert.equal(key.status, 0, key.stderr);
  assert.match(key.stdout, /^-----BEGIN PUBLIC KEY-----\n/);
  assert.equal(key.stdout, readFileSync(join(dataDir, 'signing-key.pub'), 'utf8'));
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown admin command "frobnicate"/);
  assert.equal(noServer.status, 2);
  assert.match(noServer.stderr, /give --server URL/);
});

test('the server stops cleanly on SIGTERM', async () => {
  serverProcess.kill('SIGTERM');
  const [code] = (await once(serverProcess, 'exit')) as [number | null];
  assert.equal(code, 0);
});
