// A catalog update without upgrading anything: IT imports a catalog release into the real server; it is validated
// (located problems, only forward, never orphaning a tool a policy names, admins only), versioned and audited, and
// the real `cordon agent` gets the new tool's signatures in its next signed policy — a tool it could not know
// before is stopped, including one that was already running. (The server runs in this process, so the CLI runs
// asynchronously: a synchronous child would stall the server it talks to.)
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { builtInCatalog, type CatalogEntry } from '../../policy/index.ts';
import { releaseOfCatalog, type CatalogRelease } from '../../policy/catalog-release.ts';
import { AdminApiError, AdminClient } from '../../server/admin-client.ts';
import { DATA_FILES } from '../../server/data-dir.ts';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { exitOf } from '../support/child-exit.ts';
import { cordon, eventually, managedConfig, RealServer } from '../sync/e2e-support.ts';

const scratch = mkdtempSync(join(tmpdir(), 'cordon-catalog-import-'));
const builtIn = builtInCatalog();
let server: RealServer;
let agent: AgentProcess;
let admin: AdminClient;
let adminToken: string;

const acmeCoder: CatalogEntry = {
  id: 'acme-coder',
  name: 'Acme Coder',
  vendor: 'Acme AI',
  homepage: 'https://acme.example',
  summary: 'A coding agent that is not in the built-in catalog, so only an imported release can name it.',
  dataDestinations: ['api.acme.example'],
  redirectEnv: [],
  configPaths: [],
  signatures: { executables: ['acme-coder'], npm: ['@acme/coder'], entryScripts: ['cli.js'] },
  verification: [{ fact: 'a package written by this test', how: 'test/server/catalog-import.test.ts' }],
};

/** A release version `days` after the built-in one (any `.N` suffix dropped): always newer, always valid. */
function laterVersion(days: number): string {
  const [y, m, d] = builtIn.version.split('.').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10).replaceAll('-', '.');
}

function release(version: string, entries: CatalogEntry[]): CatalogRelease {
  return { ...releaseOfCatalog(builtIn, version), entries };
}

/** `npm install -g @acme/coder` as its files: the package, its manifest, and its entry script. */
function installAcmeCoder(): string {
  const dir = join(scratch, 'prefix', 'lib', 'node_modules', '@acme', 'coder');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@acme/coder', version: '1.0.0', bin: { 'acme-coder': 'cli.js' } }));
  writeFileSync(join(dir, 'cli.js'), 'setInterval(() => {}, 1000);\n');
  return join(dir, 'cli.js');
}

const launched: ChildProcess[] = [];
function launch(script: string): ChildProcess {
  const child = spawn(process.execPath, [script], { stdio: 'ignore', detached: true });
  launched.push(child);
  return child;
}

async function expectApiError(call: Promise<unknown>, status: number, code: string): Promise<AdminApiError> {
  const err = await call.then(
    () => assert.fail(`expected HTTP ${status} ${code}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AdminApiError, String(err));
  assert.equal(err.status, status, err.message);
  assert.equal(err.code, code, err.message);
  return err;
}

before(async () => {
  server = await RealServer.start();
  adminToken = readFileSync(join(server.dataDir, DATA_FILES.adminToken), 'utf8').trim();
  admin = new AdminClient(server.url, adminToken);
  const config = managedConfig(server.url, server, 'overrides:\n  syncIntervalSeconds: 300\n');
  agent = await startAgent({ env: { CORDON_CONFIG: config, DBUS_SESSION_BUS_ADDRESS: '' } });
});
after(async () => {
  // A failed assertion must not leave a look-alike running for the machine's other tests to meet.
  for (const child of launched) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await agent?.stop();
  await server?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('importing a catalog release', () => {
  it('starts with the catalog built into the server', async () => {
    const c = await admin.request<{ version: string; source: string; tools: { id: string }[]; releases: unknown[] }>('GET', '/admin/v1/catalog');
    assert.equal(c.version, builtIn.version);
    assert.equal(c.source, 'built-in');
    assert.deepEqual(c.tools.map((t) => t.id).sort(), builtIn.ids.sort());
    assert.deepEqual(c.releases, []);
  });

  it('refuses a broken release with every problem located, and stores nothing', async () => {
    const someMarker = builtIn.entries.flatMap((e) => e.signatures.markers ?? [])[0]!;
    const broken = release('2026.02.30', [
      ...builtIn.entries,
      { ...acmeCoder, signatures: { ...acmeCoder.signatures, markers: [{ ...someMarker, atLeast: someMarker.all.length + 1 }] } },
      { ...acmeCoder, name: 'Acme Coder again' },
    ] as CatalogEntry[]);
    const text = JSON.stringify(broken, null, 2);
    const err = await expectApiError(admin.request('POST', '/admin/v1/catalog', { release: text }), 422, 'invalid-catalog');
    const n = builtIn.entries.length;
    const paths = err.problems.map((p) => p.path);
    assert.ok(paths.includes('version'), `version problem: ${paths.join(', ')}`);
    assert.ok(paths.includes(`entries[${n}].signatures.markers[0].atLeast`), paths.join(', '));
    assert.ok(paths.includes(`entries[${n + 1}].id`), paths.join(', '));
    assert.ok(err.problems.every((p) => typeof p.line === 'number'), 'each problem has its line in the file');
    assert.match(err.message, /not a calendar date/);
    assert.match(err.message, /duplicate tool id "acme-coder" \(also entries\[\d+\]\)/);
    const c = await admin.request<{ source: string }>('GET', '/admin/v1/catalog');
    assert.equal(c.source, 'built-in');
  });

  it('only moves forward, and only for admins', async () => {
    await expectApiError(admin.request('POST', '/admin/v1/catalog', { release: JSON.stringify(release(builtIn.version, [...builtIn.entries, acmeCoder])) }), 409, 'catalog-not-newer');
    const viewer = await admin.request<{ token: string }>('POST', '/admin/v1/tokens', { name: 'catalog-viewer', role: 'viewer' });
    const asViewer = new AdminClient(server.url, viewer.token);
    await expectApiError(asViewer.request('POST', '/admin/v1/catalog', { release: JSON.stringify(release(laterVersion(9), [...builtIn.entries, acmeCoder])) }), 403, 'forbidden');
    const c = await asViewer.request<{ version: string }>('GET', '/admin/v1/catalog');
    assert.equal(c.version, builtIn.version, 'a viewer reads the catalog, and nothing was imported');
  });

  it('refuses a release that would leave a policy in force naming a tool it dropped', async () => {
    await admin.request('POST', '/admin/v1/policies', {
      yaml: 'schemaVersion: 1\nid: codex-pilot\nname: Codex pilot\nmode: enforce\nrules:\n  - id: codex-ok\n    tools: [codex]\n    action: allow\n',
    });
    const withoutCodex = release(laterVersion(1), builtIn.entries.filter((e) => e.id !== 'codex' && e.embeds !== 'codex'));
    const err = await expectApiError(admin.request('POST', '/admin/v1/catalog', { release: JSON.stringify(withoutCodex) }), 422, 'catalog-breaks-policy');
    assert.deepEqual(
      err.problems.map((p) => p.path),
      ['policies.codex-pilot.rules[0].tools[0]'],
    );
    assert.match(err.message, /unknown tool "codex"|"codex"/);
  });

  it('reaches the agent with its next signed policy: a tool only the release knows is stopped, a running one too', async () => {
    const status = await eventually('the agent enrols and syncs', async () => {
      const s = await agent.status();
      return s.enrolment.state === 'enrolled' && s.sync.state === 'ok' && s.policy.source === 'server' ? s : undefined;
    });
    const serialBefore = status.policy.serial!;
    const script = installAcmeCoder();
    const early = launch(script);
    // Unknown to the catalog in force: the agent leaves it alone (it checks new processes within its 2 s backstop).
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(early.exitCode, null, 'not a known tool yet: left running');
    assert.equal(early.signalCode, null);

    const file = join(scratch, 'acme-release.json');
    const next = release(laterVersion(1), [...builtIn.entries, acmeCoder]);
    writeFileSync(file, JSON.stringify(next, null, 2));
    const imported = await cordon(['admin', '--server', server.url, '--token', adminToken, 'catalog', 'import', file]);
    assert.equal(imported.status, 0, imported.stdout + imported.stderr);
    assert.match(imported.stdout, new RegExp(`catalog ${next.version.replaceAll('.', '\\.')} in force \\(was ${builtIn.version.replaceAll('.', '\\.')}\\)`));
    assert.match(imported.stdout, /added: acme-coder/);

    const sync = await cordon(['sync', '--socket', agent.socket]);
    assert.equal(sync.status, 0, sync.stdout + sync.stderr);
    const after = await agent.status();
    assert.ok(after.policy.serial! > serialBefore, 'a new signed policy');
    assert.ok(after.restrictedTools.some((t) => t.toolId === 'acme-coder'), 'the built-in default policy ("*") now covers the new tool');

    // The one already running is judged again under the new policy.
    assert.equal((await exitOf(early, 15_000)).timedOut, false, 'the running copy is stopped');
    await agent.waitForEvent((e) => e.type === 'block' && e.pid === early.pid && e.toolId === 'acme-coder');
    const late = launch(script);
    const ended = await exitOf(late, 15_000);
    assert.ok(ended.signal, `stopped by a signal, got ${JSON.stringify(ended)}`);
    await agent.waitForEvent((e) => e.type === 'block' && e.pid === late.pid && e.toolId === 'acme-coder');
  });

  it('records the import in the audit log and the catalog history', async () => {
    const c = await admin.request<{ version: string; source: string; releases: { version: string; inForce: boolean; tools: number }[] }>('GET', '/admin/v1/catalog');
    assert.equal(c.source, 'imported');
    assert.equal(c.version, laterVersion(1));
    assert.deepEqual(c.releases.map((r) => [r.version, r.inForce, r.tools]), [[laterVersion(1), true, builtIn.entries.length + 1]]);
    const audit = await admin.request<{ entries: { action: string; target: string; detail: Record<string, unknown> }[] }>('GET', '/admin/v1/audit?limit=20');
    const entry = audit.entries.find((e) => e.action === 'catalog.import');
    assert.ok(entry, 'audited');
    assert.equal(entry.target, laterVersion(1));
    assert.deepEqual(entry.detail.added, ['acme-coder']);
    assert.deepEqual(entry.detail.removed, []);
    assert.equal(audit.entries.filter((e) => e.action === 'catalog.import').length, 1, 'the refused imports left no trace as imports');
  });

  it('`cordon admin catalog import` names the file in a refusal', async () => {
    const file = join(scratch, 'bad-release.json');
    writeFileSync(file, JSON.stringify({ format: 'cordon.catalog/1', version: '2099.01.01', entries: [{ ...acmeCoder, homepage: 'http://acme.example' }] }, null, 2));
    const r = await cordon(['admin', '--server', server.url, '--token', adminToken, 'catalog', 'import', file]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.ok(r.stderr.includes(`${file}:`), r.stderr);
    assert.match(r.stderr, /entries\[0\]\.homepage/);
    const show = await cordon(['admin', '--server', server.url, '--token', adminToken, 'catalog', 'show']);
    assert.equal(show.status, 0, show.stderr);
    assert.ok(show.stdout.includes(`catalog ${laterVersion(1)} (imported; built-in ${builtIn.version})`), show.stdout);
  });
});
