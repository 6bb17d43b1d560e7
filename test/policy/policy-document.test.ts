import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtInCatalog, builtInPolicy, compilePolicy, parsePolicy, ValidationError } from '../../policy/index.ts';
import { runCordon } from '../support/cli.ts';

const catalog = builtInCatalog();

const GOOD = `
schemaVersion: 1
id: acme
name: ACME engineering policy
mode: enforce
defaults:
  moreInfoUrl: https://intranet.acme.example/ai-policy
  exceptionUrl: https://intranet.acme.example/ai-exception
customTools:
  - id: acme-internal-bot
    name: ACME internal bot
    npm: ['@acme/bot']
rules:
  - id: allow-claude-for-ml
    tools: [claude-code]
    action: allow
    appliesTo: { groups: [ml-research] }
  - id: block-vendor-clis
    tools: [claude-code, codex, gemini-cli]
    action: block
    installed: quarantine
    reason:
      en: Sends source code to an outside vendor.
      zh-CN: 会将源代码发送给外部供应商。
    alternatives:
      - name: ACME Copilot Gateway
        url: https://ai.acme.example
  - id: watch-bot
    tools: [acme-internal-bot]
    action: audit
exceptions:
  - tool: codex
    user: alice
    expires: 2030-01-01T00:00:00Z
    reason: evaluation
agent:
  scanIntervalMs: 50
`;

function problemsOf(text: string) {
  try {
    parsePolicy(text, 'p.yaml', catalog);
  } catch (err) {
    assert.ok(err instanceof ValidationError, `expected ValidationError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected the policy to be rejected');
}

test('a valid policy compiles with defaults filled in and catalog tools embedded', () => {
  const compiled = compilePolicy(parsePolicy(GOOD, 'p.yaml', catalog), catalog);
  assert.equal(compiled.policyId, 'acme');
  // Libraries and adapters that run a named tool travel with it (the Agent SDK, Zed's ACP adapters).
  assert.deepEqual(compiled.tools.map((t) => t.id), ['acme-internal-bot', 'claude-agent-sdk', 'claude-code', 'claude-code-acp', 'codex', 'codex-acp', 'gemini-cli']);
  const block = compiled.rules.find((r) => r.id === 'block-vendor-clis');
  assert.equal(block?.installed, 'quarantine');
  assert.equal(block?.moreInfoUrl, 'https://intranet.acme.example/ai-policy');
  assert.equal(compiled.rules.find((r) => r.id === 'watch-bot')?.reason.en.includes('{tool}'), true, 'falls back to the generic reason');
  assert.equal(compiled.agent.scanIntervalMs, 50);
  assert.equal(compiled.agent.syncIntervalSeconds, 300);
  assert.equal(compiled.exceptions[0]?.expires, '2030-01-01T00:00:00.000Z');
  assert.deepEqual(compiled.tools.find((t) => t.id === 'acme-internal-bot')?.signatures.npm, ['@acme/bot']);
});

test('the built-in default policy blocks every catalogued tool in enforce mode', () => {
  const policy = builtInPolicy();
  assert.equal(policy.mode, 'enforce');
  assert.ok(policy.tools.length >= 20, `catalog has ${policy.tools.length} tools`);
  assert.deepEqual(policy.rules.map((r) => r.action), ['block']);
  assert.ok(policy.rules[0]?.reason['zh-CN'], 'has a Chinese reason');
});

test('every schema problem is reported with its path and line', () => {
  const problems = problemsOf(`schemaVersion: 1
id: Bad Id
name: x
mode: enforcing
rules:
  - id: r1
    tools: [codex]
    action: kill
    colour: red
    moreInfoUrl: http://insecure.example
exceptions:
  - tool: codex
    expires: next week
agent:
  scanIntervalMs: 5
  execGuardUnanswered: block
`);
  const byPath = new Map(problems.map((p) => [p.path, p]));
  assert.match(byPath.get('id')?.message ?? '', /lower-case identifier/);
  assert.equal(byPath.get('id')?.line, 2);
  assert.equal(byPath.get('mode')?.message, 'must be one of: enforce, monitor');
  assert.equal(byPath.get('mode')?.line, 4);
  assert.equal(byPath.get('rules[0].action')?.message, 'must be one of: block, warn, audit, allow');
  assert.equal(byPath.get('rules[0].colour')?.message, 'unknown field');
  assert.match(byPath.get('rules[0].moreInfoUrl')?.message ?? '', /https/);
  assert.match(byPath.get('exceptions[0].expires')?.message ?? '', /RFC 3339/);
  assert.equal(byPath.get('exceptions[0].expires')?.line, 13);
  assert.match(byPath.get('agent.scanIntervalMs')?.message ?? '', />= 20/);
  assert.equal(byPath.get('agent.execGuardUnanswered')?.message, 'must be one of: allow, deny');
  assert.equal(byPath.get('agent.execGuardUnanswered')?.line, 16);
  assert.equal(problems.length, 8, JSON.stringify(problems));
});

test('meaning is checked too: unknown tools, duplicate ids, contradictions', () => {
  const problems = problemsOf(`schemaVersion: 1
id: p
name: p
mode: monitor
customTools:
  - { id: codex, name: Clash, npm: [x] }
  - { id: empty-tool, name: Nothing }
rules:
  - { id: r1, tools: [claude], action: block }
  - { id: r1, tools: ["*", codex], action: allow, installed: quarantine }
exceptions:
  - { tool: gemini-cli, expires: "2030-01-01T00:00:00Z" }
`);
  const messages = problems.map((p) => `${p.path}: ${p.message}`);
  assert.ok(messages.some((m) => /^customTools\[0\]\.id: .*already a catalog tool/.test(m)), messages.join('\n'));
  assert.ok(messages.some((m) => /^customTools\[1\]: needs at least one signature/.test(m)));
  assert.ok(messages.some((m) => /^rules\[0\]\.tools\[0\]: unknown tool "claude" \(did you mean "claude-code"/.test(m)));
  assert.ok(messages.some((m) => /^rules\[1\]\.id: duplicate rule id/.test(m)));
  assert.ok(messages.some((m) => /^rules\[1\]\.tools\[0\]: "\*" already means every tool/.test(m)));
  assert.ok(messages.some((m) => /^rules\[1\]\.installed: cannot quarantine/.test(m)));
  assert.ok(messages.some((m) => /^exceptions\[0\]: needs a device or a user/.test(m)));
  assert.equal(problems.find((p) => p.path === 'rules[1].id')?.line, 10);
});

test('YAML syntax errors, duplicate keys, non-mappings and oversized input are rejected clearly', () => {
  assert.match(problemsOf('a: [1\nb')[0]?.message ?? '', /^YAML:/);
  assert.match(problemsOf('id: a\nid: b\n')[0]?.message ?? '', /YAML: .*unique/i);
  assert.equal(problemsOf('- just\n- a list\n')[0]?.message, 'must be a mapping (key: value)');
  assert.equal(problemsOf('')[0]?.message, 'must be a mapping (key: value)');
  assert.match(problemsOf(`x: "${'a'.repeat(1024 * 1024)}"`)[0]?.message ?? '', /larger than/);
});

test('cordon policy validate: exit 0 with a summary, exit 1 with every problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-policy-'));
  writeFileSync(join(dir, 'good.yaml'), GOOD);
  writeFileSync(join(dir, 'bad.yaml'), 'schemaVersion: 1\nid: p\nname: p\nmode: sometimes\nrules: []\n');
  const good = runCordon(['policy', 'validate', join(dir, 'good.yaml')]);
  assert.equal(good.status, 0, good.stderr);
  assert.match(good.stdout, /valid — policy "acme", mode enforce, 3 rules/);
  const bad = runCordon(['policy', 'validate', join(dir, 'bad.yaml')]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /bad\.yaml:4:7 +mode: must be one of: enforce, monitor/);
  const missing = runCordon(['policy', 'validate', join(dir, 'nope.yaml')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read .*nope\.yaml: ENOENT/);
});

test('the example organisation policy in policy/examples validates', () => {
  const r = runCordon(['policy', 'validate', 'policy/examples/acme.yaml']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /valid — policy "acme-engineering"/);
});

test('an alias bomb is a located validation error, not a crash', () => {
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`), 'schemaVersion: 1'].join('\n');
  assert.throws(
    () => parsePolicy(bomb, 'bomb.yaml', builtInCatalog()),
    (err: unknown) => err instanceof ValidationError && /bomb\.yaml/.test(err.message) && /alias/i.test(err.message),
  );
});
