// What `npm run build` produces is what Electron and the agent services run: compiled ESM whose relative
// imports all resolve, the policy's data files beside it, a CommonJS preload that needs only electron, a
// self-contained page script — and the packaged entry runs the agent on plain Node, without tsx. The compiled
// main process also runs on a recording Electron stand-in (test/support/electron-stand-in), driven as a user
// and the OS would: tray menu clicks, a redirect and a navigation refused, the single-instance lock both granted
// (a second launch focuses the window) and taken (the new tray quits).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { statusApiRequest } from '../../agent/status-client.ts';
import type { AgentStatus } from '../../agent/status-types.ts';
import { CONTENT_SECURITY_POLICY } from '../../main/content-security-policy.ts';
import { startAgent } from '../support/agent-process.ts';
import { REPO_ROOT } from '../support/cli.ts';
import { startNpmLayoutProcess } from '../support/npm-layout-process.ts';
import { waitFor } from '../support/wait-for.ts';

let dist: string;
before(() => {
  // Inside the repository, so the compiled code resolves node_modules as the packaged app does.
  dist = join(REPO_ROOT, 'out', `test-dist-${process.pid}`);
  execFileSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts/build-app.ts'), '--out', dist], { stdio: 'pipe' });
});
after(() => rmSync(dist, { recursive: true, force: true }));

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : []));
}

test('every relative import in the compiled output resolves to a file that exists', () => {
  const files = jsFiles(dist);
  assert.ok(files.some((f) => f.endsWith(join('main', 'main.js'))));
  for (const file of files) {
    if (file.endsWith('status.js')) continue; // a browser bundle, checked below
    for (const m of readFileSync(file, 'utf8').matchAll(/\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) {
      const target = resolve(dirname(file), m[1] ?? m[2]!);
      assert.ok(existsSync(target), `${file} imports ${m[1] ?? m[2]}, which is missing`);
    }
  }
  assert.ok(existsSync(join(dist, 'policy/default-policy.yaml')));
  assert.ok(existsSync(join(dist, 'policy/catalog/codex.yaml')));
});

test('the preload is CommonJS needing only electron; the page script imports nothing', () => {
  const preload = readFileSync(join(dist, 'renderer/preload.cjs'), 'utf8');
  assert.deepEqual([...new Set([...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]))], ['electron']);
  assert.match(preload, /exposeInMainWorld\("cordon"/);
  const page = readFileSync(join(dist, 'renderer/status.js'), 'utf8');
  assert.doesNotMatch(page, /\brequire\(|^import\s|\bimport\(/m);
  for (const f of ['status.html', 'status.css', 'shield.svg']) assert.ok(existsSync(join(dist, 'renderer', f)), f);
});

test('the packaged entry validates a policy and runs the agent on plain Node', async () => {
  const entry = join(dist, 'cli/cordon-entry.js');
  const out = execFileSync(process.execPath, [entry, 'policy', 'validate', join(REPO_ROOT, 'policy/examples/acme.yaml')], { encoding: 'utf8' });
  assert.match(out, /acme/);
  const dir = mkdtempSync(join(dist, 'agent-'));
  const socket = join(dir, 'agent.sock');
  const child = spawn(process.execPath, [entry, 'agent', '--state-dir', dir, '--socket', socket, '--scope-pid', String(process.pid)], { stdio: 'ignore', env: { ...process.env, CORDON_LOG_LEVEL: 'warn' } });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    const status = await waitFor(() => statusApiRequest<AgentStatus>(socket, 'GET', '/v1/status', undefined, 2000).then((r) => r.body).catch(() => undefined), 'the compiled agent');
    assert.equal(status.policy.id, 'cordon-default');
    assert.ok(status.restrictedTools.length > 10);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0);
});

/** The compiled main process on the recording Electron stand-in, driven over stdin/stdout. */
function startMainOnStandIn(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', join(REPO_ROOT, 'test/support/electron-stand-in/register.ts'), join(dist, 'main/main.js')], {
    env: { ...process.env, CORDON_LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: REPO_ROOT,
  });
  const answers = new Map<number, (v: unknown) => void>();
  let quit = false;
  let buffer = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const msg = JSON.parse(buffer.slice(0, nl)) as { id?: number; value?: unknown; quit?: boolean; calls?: [string, unknown][] };
      buffer = buffer.slice(nl + 1);
      if (msg.quit) {
        quit = true;
        all.push(...(msg.calls ?? []));
      }
      else answers.get(msg.id!)?.(msg.value);
    }
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let next = 0;
  const all: [string, unknown][] = [];
  const send = <T>(command: string, arg: Record<string, string> = {}): Promise<T> =>
    new Promise((resolve, reject) => {
      if (child.exitCode !== null) return reject(new Error(`main exited with ${child.exitCode}: ${stderr}`));
      const id = ++next;
      answers.set(id, resolve as (v: unknown) => void);
      void exited.then((code) => reject(new Error(`main exited with ${code} before answering ${command}: ${stderr}`)));
      child.stdin.write(`${JSON.stringify({ id, command, ...arg })}\n`);
    });
  return {
    send,
    exited,
    stderr: () => stderr,
    quitSeen: () => quit,
    /** Calls recorded so far without asking (for a process that has exited). */
    recorded: () => all,
    /** Every call main.ts made to Electron so far, accumulated. */
    calls: async () => {
      all.push(...(await send<[string, unknown][]>('calls')));
      return all;
    },
  };
}

test('the compiled main process wires tray, menu, IPC, hardened window, scheme and notifications (Electron stand-in)', async () => {
  const agent = await startAgent({ args: ['--policy', join(REPO_ROOT, 'policy/examples/acme.yaml')] });
  const main = startMainOnStandIn({ CORDON_STATUS_SOCKET: agent.socket });
  const last = async (what: string) => (await main.calls()).filter(([w]) => w === what).at(-1)?.[1];
  try {
    // Tray: the protected icon, tooltip and menu, from the real agent's status.
    const menu = await waitFor(() => last('tray.setContextMenu'), 'the tray menu');
    assert.deepEqual(menu, ['Cordon: Protected (disabled)', '—', 'Open Cordon status…', 'Check for policy updates now (disabled)', 'Copy diagnostics', '—', 'Open at login [ ]', '—', 'Quit tray']);
    assert.equal(await last('tray.setToolTip'), 'Cordon — Protected · ACME engineering workstations');
    const icon = (await last('tray.setImage')) as { path: string };
    assert.ok(icon.path.endsWith(join('build', 'icons', 'tray-protected.png')) && existsSync(icon.path), icon.path);
    assert.deepEqual(await last('protocol.registerSchemesAsPrivileged'), [{ scheme: 'cordon-app', privileges: { standard: true, secure: true } }]);

    // IPC: five channels, refused from any other frame, arguments validated.
    assert.deepEqual(await main.send('channels'), ['cordon:copy-diagnostics', 'cordon:get-status', 'cordon:open-external', 'cordon:request-exception', 'cordon:sync-now']);
    const page = 'cordon-app://status/status.html';
    const status = await main.send<{ value: { reachable: boolean; status: { policy: { id: string } } } }>('ipc', { channel: 'cordon:get-status', frameUrl: page });
    assert.equal(status.value.status.policy.id, 'acme-engineering');
    assert.deepEqual(await main.send('ipc', { channel: 'cordon:get-status', frameUrl: 'https://evil.example/' }), { error: 'refused cordon:get-status from https://evil.example/' });
    assert.deepEqual(await main.send('ipc', { channel: 'cordon:open-external', frameUrl: page, arg: '"https://ai.acme.example"' }), { value: true });
    assert.deepEqual(await main.send('ipc', { channel: 'cordon:open-external', frameUrl: page, arg: '"https://evil.example/"' }), { value: false });
    assert.equal((await main.calls()).filter(([w]) => w === 'shell.openExternal').map(([, u]) => u).join(), 'https://ai.acme.example');
    const bad = await main.send<{ value: { ok: boolean; message: string } }>('ipc', { channel: 'cordon:request-exception', frameUrl: page, arg: '{"toolId":"codex","reason":"","days":7}' });
    assert.deepEqual(bad.value, { ok: false, message: 'reason: a business reason (1 to 2000 characters) is required' });
    const copied = await main.send<{ value: string }>('ipc', { channel: 'cordon:copy-diagnostics', frameUrl: page });
    assert.equal(await last('clipboard.writeText'), copied.value);

    // The window: created on the tray action, sandboxed, on the private scheme; hardened; destroyed on close.
    assert.deepEqual(await main.send('clickMenuItem', { label: 'Open Cordon status…' }), { clicked: true });
    const options = (await last('BrowserWindow.new')) as { webPreferences: Record<string, unknown> };
    assert.deepEqual(
      { ...options.webPreferences, preload: undefined },
      { preload: undefined, contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, webSecurity: true, allowRunningInsecureContent: false, webviewTag: false, spellcheck: false, devTools: true },
    );
    assert.ok(existsSync(options.webPreferences.preload as string), 'the preload exists in the build');
    assert.equal(await last('BrowserWindow.loadURL'), page);
    assert.deepEqual(await main.send('probeWindow', { url: 'https://example.com/' }), { navigationPrevented: true, redirectPrevented: true, webviewPrevented: true, windowOpen: { action: 'deny' } });
    assert.deepEqual(await main.send('scheme', { url: page }), { status: 200, csp: CONTENT_SECURITY_POLICY, type: 'text/html; charset=utf-8', length: readFileSync(join(dist, 'renderer/status.html')).length });
    assert.equal((await main.send<{ status: number }>('scheme', { url: 'cordon-app://status/preload.cjs' })).status, 404);
    assert.equal((await main.send<{ status: number }>('scheme', { url: 'cordon-app://status/%2e%2e/main/main.js' })).status, 404);
    assert.deepEqual(await main.send('headers'), { responseHeaders: { 'X-Test': ['1'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
    assert.deepEqual(await main.send('beforeRequest', { url: 'https://example.com/x.js' }), { cancel: true });
    assert.deepEqual(await main.send('beforeRequest', { url: 'cordon-app://status/status.js' }), { cancel: false });
    assert.equal(await main.send('permission'), false);
    await main.send('closeWindow');
    assert.equal(await main.send('windows'), 0);

    // Another launch of the tray in this session (the OS's second-instance event): the window opens and is focused.
    await main.send('secondInstance');
    assert.equal(await main.send('windows'), 1);
    assert.ok((await main.calls()).some(([w]) => w === 'BrowserWindow.show'));
    const focused = async () => (await main.calls()).filter(([w]) => w === 'BrowserWindow.focus').length;
    const focusBefore = await focused();
    await main.send('secondInstance');
    assert.equal(await main.send('windows'), 1, 'a second launch reuses the window');
    assert.equal(await focused(), focusBefore + 1, 'and brings it to the front');
    await main.send('closeWindow');

    // A block: the icon turns, and a one-line notification explains it.
    const child = startNpmLayoutProcess('@openai/codex', 'codex');
    try {
      const note = await waitFor(() => last('notification.show'), 'the notification');
      assert.deepEqual(note, { title: 'Cordon', body: 'Stopped OpenAI Codex CLI: OpenAI Codex CLI uploads the code it reads to OpenAI. ACME source code may only be processed by approved systems (Security Standard SS-12).', silent: false });
      // Clicking it opens the window on that event.
      await main.send('clickNotification');
      assert.equal(await main.send('windows'), 1);
      const blockId = (await agent.events()).find((e) => e.type === 'block' && e.pid === child.pid)!.id;
      const sent = (await main.calls()).filter(([w]) => w === 'webContents.send').map(([, d]) => d);
      assert.deepEqual(sent.filter((d) => (d as { channel: string }).channel === 'cordon:show-event'), [{ channel: 'cordon:show-event', arg: blockId }]);
    } finally {
      child.kill('SIGKILL');
    }
    assert.ok(((await waitFor(async () => ((await last('tray.setImage')) as { path: string }).path.includes('blocked-recently') && last('tray.setImage'), 'the icon')) as { path: string }).path.endsWith('tray-blocked-recently.png'));

    // Quit from the menu: the app leaves cleanly.
    assert.deepEqual(await main.send('clickMenuItem', { label: 'Check for policy updates now' }), { clicked: false }, 'disabled without sync');
    assert.deepEqual(await main.send('clickMenuItem', { label: 'Quit tray' }), { clicked: true });
    assert.equal(await main.exited, 0, main.stderr());
    assert.ok(main.quitSeen());
  } finally {
    await agent.stop();
  }
});

test('a second tray started while one runs finds the single-instance lock taken and quits without a tray (Electron stand-in)', async () => {
  const main = startMainOnStandIn({ STAND_IN_SINGLE_INSTANCE_LOCK: 'held', CORDON_STATUS_SOCKET: join(dist, 'no-agent.sock') });
  assert.equal(await main.exited, 0, main.stderr());
  assert.ok(main.quitSeen());
  const calls = main.recorded().map(([w]) => w);
  assert.deepEqual(
    calls.filter((w) => w !== 'protocol.registerSchemesAsPrivileged'),
    ['app.requestSingleInstanceLock', 'app.quit'],
    'nothing but the lock request and the quit: no tray, no window, no agent connection',
  );
  assert.deepEqual(main.recorded().find(([w]) => w === 'app.requestSingleInstanceLock'), ['app.requestSingleInstanceLock', false]);
});
