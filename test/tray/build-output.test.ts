// What `npm run build` produces is what Electron and the agent services run: compiled ESM whose relative
// imports all resolve, the policy's data files beside it, a CommonJS preload that needs only electron, a
// self-contained page script — and the packaged entry runs the agent on plain Node, without tsx.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { statusApiRequest } from '../../agent/status-client.ts';
import type { AgentStatus } from '../../agent/status-types.ts';
import { REPO_ROOT } from '../support/cli.ts';
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
