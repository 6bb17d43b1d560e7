// The keeper of the vendors' managed settings on real files: merges into IT's file without touching IT's keys,
// puts back a changed key (with an event), removes only what it wrote, refuses a file it cannot parse.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtInCatalog, compilePolicy, parsePolicy } from '../../policy/index.ts';
import { ManagedSettingsKeeper } from '../../agent/vendor-settings/managed-settings-keeper.ts';
import { managedSettingsPlan, type ManagedFilePlan } from '../../agent/vendor-settings/managed-settings-plan.ts';
import type { AgentEvent } from '../../agent/status-types.ts';
import { waitFor } from '../support/wait-for.ts';

const scratch = mkdtempSync(join(tmpdir(), 'cordon-managed-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const catalog = builtInCatalog();
const POLICY = (pin: string) => `
schemaVersion: 1
id: p
name: P
mode: enforce
rules:
  - id: via-gateway
    tools: [claude-code, codex, gemini-cli]
    action: allow
    when: { endpoints: ["https://llm.acme.internal/*"], pin: "${pin}" }
  - { id: rest, tools: ["*"], action: block }
`;

test('the plan pins each tool whose vendor honours managed settings, per platform', () => {
  const plan = managedSettingsPlan(compilePolicy(parsePolicy(POLICY('https://llm.acme.internal/v1'), 'p.yaml', catalog), catalog), { groups: [] }, 'linux');
  const byPath = new Map(plan.map((p) => [p.path, p]));
  assert.deepEqual(byPath.get('/etc/claude-code/managed-settings.json')?.keys, { 'env.ANTHROPIC_BASE_URL': 'https://llm.acme.internal/v1' });
  assert.equal(byPath.get('/etc/codex/managed_config.toml')?.keys['model_providers.cordon-pinned.base_url'], 'https://llm.acme.internal/v1');
  assert.equal(plan.length, 2, 'Gemini CLI has no setting that pins its endpoint');
  const mac = managedSettingsPlan(compilePolicy(parsePolicy(POLICY('https://llm.acme.internal/v1'), 'p.yaml', catalog), catalog), { groups: [] }, 'darwin');
  assert.ok(mac.some((p) => p.path === '/Library/Application Support/ClaudeCode/managed-settings.json'));
});

test('merges, puts back, removes only its own keys, and leaves an unparseable file alone', async () => {
  const dir = join(scratch, 'etc');
  const json = join(dir, 'claude-code', 'managed-settings.json');
  const toml = join(dir, 'codex', 'managed_config.toml');
  const events: AgentEvent[] = [];
  const keeper = new ManagedSettingsKeeper({ stateDir: scratch, record: (e) => events.push(e), onError: (err) => assert.fail(String(err)), checkIntervalMs: 60_000 });
  try {
    const plan: ManagedFilePlan[] = [
      { path: json, format: 'json', keys: { 'env.ANTHROPIC_BASE_URL': 'https://llm.acme.internal' }, toolIds: ['claude-code'] },
      { path: toml, format: 'toml', keys: { model_provider: 'cordon-pinned', 'model_providers.cordon-pinned.base_url': 'https://llm.acme.internal/v1' }, toolIds: ['codex'] },
    ];
    // IT's own keys already there.
    mkdirSync(join(dir, 'claude-code'), { recursive: true });
    writeFileSync(json, JSON.stringify({ permissions: { deny: ['Bash(curl:*)'] }, env: { DISABLE_TELEMETRY: '1' } }));
    keeper.apply(plan);
    assert.deepEqual(JSON.parse(readFileSync(json, 'utf8')), { permissions: { deny: ['Bash(curl:*)'] }, env: { DISABLE_TELEMETRY: '1', ANTHROPIC_BASE_URL: 'https://llm.acme.internal' } });
    assert.equal(statSync(json).mode & 0o777, 0o644);
    assert.match(readFileSync(toml, 'utf8'), /^model_provider = "cordon-pinned"\n\n\[model_providers.cordon-pinned\]\nbase_url = "https:\/\/llm.acme.internal\/v1"\n$/);

    // Someone points Claude Code elsewhere: it is put back at once (the directory is watched), with an event.
    writeFileSync(json, JSON.stringify({ permissions: { deny: ['Bash(curl:*)'] }, env: { DISABLE_TELEMETRY: '1', ANTHROPIC_BASE_URL: 'https://api.anthropic.com' } }));
    await waitFor(() => events.some((e) => e.type === 'managed-settings' && e.detail?.change === 'restored'), 'the changed key put back', 10_000);
    assert.equal((JSON.parse(readFileSync(json, 'utf8')) as { env: Record<string, string> }).env.ANTHROPIC_BASE_URL, 'https://llm.acme.internal');

    // The policy no longer asks: IT's keys stay, the file the agent created is gone.
    keeper.apply([]);
    assert.deepEqual(JSON.parse(readFileSync(json, 'utf8')), { permissions: { deny: ['Bash(curl:*)'] }, env: { DISABLE_TELEMETRY: '1' } });
    assert.equal(existsSync(toml), false);
    assert.ok(events.some((e) => e.detail?.change === 'removed' && e.detail.path === toml));

    // A file that cannot be parsed is IT's problem to fix, not the agent's to overwrite.
    writeFileSync(json, '{ broken');
    keeper.apply(plan);
    assert.equal(readFileSync(json, 'utf8'), '{ broken');
    assert.ok(events.some((e) => e.detail?.change === 'failed' && String(e.message).includes('cannot be parsed')));
  } finally {
    keeper.stop();
  }
});
