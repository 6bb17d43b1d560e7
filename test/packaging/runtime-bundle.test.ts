// The self-contained runtime (packaging/runtime): the pinned Node plus the esbuild bundle, copied outside the
// repository so no node_modules can be found by walking up. `cordon agent` runs from it, loads no server code (its
// loaded chunks, recorded by a module hook, mapped back to their inputs through esbuild's metafile), and loads the
// native addons from the package: keyring (a managed agent's token store; an unmanaged agent deliberately never
// loads it, see test/agent/agent-footprint.test.ts) and peer credentials (who called the status socket).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Metafile } from 'esbuild';
import { BUNDLED_PEER_CREDENTIALS } from '../../packaging/runtime/agent-native-parts.ts';
import { ENTRY_FILE, SERVER_ONLY_INPUTS } from '../../packaging/runtime/bundle-app.ts';
import { buildRuntime } from '../../packaging/runtime/build-runtime.ts';
import { hostArch } from '../../packaging/runtime/target-arch.ts';
import { generateSigningKey } from '../../policy/index.ts';
import { REPO_ROOT } from '../support/cli.ts';
import { exitOf } from '../support/child-exit.ts';
import { waitFor } from '../support/wait-for.ts';

const work = mkdtempSync(join(tmpdir(), 'cordon-runtime-'));
let runtime = '';
let metafile: Metafile;

before(async () => {
  const built = join(REPO_ROOT, 'out', 'test-runtime', 'agent');
  ({ metafile } = await buildRuntime(REPO_ROOT, 'agent', hostArch(), built));
  runtime = join(work, 'usr-lib-cordon');
  cpSync(built, runtime, { recursive: true });
});
after(() => rmSync(work, { recursive: true, force: true, maxRetries: 5 }));

function cordon(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(join(runtime, 'node'), [join(runtime, 'app', ENTRY_FILE), ...args], { encoding: 'utf8', cwd: '/', env: { PATH: '/usr/bin:/bin', ...env }, timeout: 60_000 });
}

test('the packaged node is the pinned official build and runs the CLI without node_modules or tsx', () => {
  const v = spawnSync(join(runtime, 'node'), ['--version'], { encoding: 'utf8' });
  assert.equal(v.stdout.trim(), 'v22.23.5');
  const r = cordon(['--version']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  const s = cordon(['policy', 'validate', join(runtime, 'app', 'default-policy.yaml')]);
  assert.equal(s.status, 0, s.stderr + s.stdout);
});

test('the agent package points `cordon server` at the cordon-server package', () => {
  const r = cordon(['server']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /Install the cordon-server package/);
});

test('a managed cordon agent loads the keyring and peer-credentials addons from the package and no server code', async () => {
  const loaded = join(work, 'loaded.txt');
  const hook = join(work, 'record-loads.mjs');
  writeFileSync(
    hook,
    `import { registerHooks } from 'node:module'; import { appendFileSync } from 'node:fs';
     registerHooks({ load(url, context, next) { appendFileSync(${JSON.stringify(loaded)}, url + '\\n'); return next(url, context); } });`,
  );
  const state = join(work, 'state');
  const socket = join(work, 'agent.sock');
  // Managed (a server that is not there): the token store, hence the keyring addon, is loaded.
  const config = join(work, 'agent.yaml');
  const pem = generateSigningKey().publicKeyPem.trim().split('\n').map((l) => `    ${l}`).join('\n');
  writeFileSync(config, `serverUrl: http://127.0.0.1:9\nenrolSecret: offline-secret-0123456789\npinnedKeys:\n  - |\n${pem}\n`, { mode: 0o600 });
  const agent = spawn(join(runtime, 'node'), ['--import', pathToFileURL(hook).href, join(runtime, 'app', ENTRY_FILE), 'agent', '--state-dir', state, '--socket', socket, '--scope-pid', String(process.pid), '--inventory', 'off'], {
    cwd: '/',
    env: { PATH: '/usr/bin:/bin', CORDON_CONFIG: config, DBUS_SESSION_BUS_ADDRESS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  agent.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  agent.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  try {
    await waitFor(() => out.includes('status on'), 'the packaged agent to be ready', 30_000);
    const status = cordon(['status'], { CORDON_STATUS_SOCKET: socket });
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /Protected/);
    const maps = readFileSync(`/proc/${agent.pid}/maps`, 'utf8');
    assert.ok(maps.includes(join(runtime, 'app', 'keyring.')), 'the keyring addon is mapped from the package');
    // Loaded on the first status connection, built against the packaged Node (a Node 20 build would not matter
    // for N-API, but it must come from the package: there is no source tree on an installed machine).
    assert.ok(maps.includes(join(runtime, 'app', BUNDLED_PEER_CREDENTIALS)), 'the peer-credentials addon is mapped from the package');
  } finally {
    // Wait for it to finish: an agent still writing its state as it stops makes the temp dir's removal fail.
    agent.kill('SIGTERM');
    await exitOf(agent, 10_000);
  }
  const appUrl = pathToFileURL(join(runtime, 'app')).href;
  const chunks = [...new Set(readFileSync(loaded, 'utf8').split('\n').filter((u) => u.startsWith(appUrl)))].map((u) => u.slice(appUrl.length + 1));
  assert.ok(chunks.includes(ENTRY_FILE), chunks.join(' '));
  const inputs = chunks.flatMap((c) => Object.keys(metafile.outputs[Object.keys(metafile.outputs).find((k) => k.endsWith(`/${c}`))!]!.inputs));
  assert.ok(inputs.includes('cli/agent-command.ts'));
  const server = inputs.filter((i) => SERVER_ONLY_INPUTS.some((re) => re.test(i)));
  assert.deepEqual(server, [], 'server code loaded by cordon agent');
});
