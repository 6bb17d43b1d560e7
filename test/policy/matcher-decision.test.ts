import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtInCatalog, compilePolicy, Matcher, parsePolicy, type ProcessObservation } from '../../policy/index.ts';

const catalog = builtInCatalog();
const CLAUDE: ProcessObservation = { pid: 10, ppid: 1, uid: 1000, startTime: 5, exe: '/usr/lib/node_modules/@anthropic-ai/claude-code/bin/claude.exe', argv: ['claude'] };
const CODEX: ProcessObservation = { pid: 11, ppid: 1, uid: 1000, startTime: 5, exe: '/usr/bin/node', argv: ['node', '/usr/lib/node_modules/@openai/codex/bin/codex.js'] };

function policy(text: string) {
  return compilePolicy(parsePolicy(text, 'test.yaml', catalog), catalog);
}

const ORG = policy(`
schemaVersion: 1
id: org
name: Org
mode: enforce
defaults:
  moreInfoUrl: https://intranet.example/ai
  exceptionUrl: https://intranet.example/ai/exception
rules:
  - id: ml-may-use-claude
    tools: [claude-code]
    action: allow
    appliesTo: { groups: [ml] }
  - id: contractors-warned
    tools: [codex]
    action: warn
    appliesTo: { users: [carol] }
  - id: block-all
    tools: ["*"]
    action: block
    installed: quarantine
    reason: { en: "{tool} by {vendor} is not approved.", zh-CN: "{tool} 未获批准。" }
    alternatives: [{ name: Internal gateway, url: "https://ai.example" }]
    appliesTo: { excludeGroups: [lab] }
exceptions:
  - { id: ex-alice, tool: codex, user: alice, expires: "2030-01-01T00:00:00Z" }
  - { id: ex-old, tool: claude-code, user: bob, expires: "2020-01-01T00:00:00Z" }
  - { id: ex-dev7, tool: claude-code, device: dev-7, expires: "2030-01-01T00:00:00Z" }
`);

test('first rule that names the tool and targets the device wins', () => {
  const plain = new Matcher(ORG, { deviceId: 'dev-1', groups: ['eng'] });
  const d = plain.matchProcess({ ...CLAUDE, user: 'dave' });
  assert.equal(d?.action, 'block');
  assert.equal(d?.ruleId, 'block-all');
  assert.equal(d?.installed, 'quarantine');
  assert.equal(d?.moreInfoUrl, 'https://intranet.example/ai');
  assert.equal(d?.exceptionUrl, 'https://intranet.example/ai/exception');
  assert.deepEqual(d?.alternatives.map((a) => a.name), ['Internal gateway']);

  const ml = new Matcher(ORG, { deviceId: 'dev-2', groups: ['eng', 'ml'] });
  assert.equal(ml.matchProcess({ ...CLAUDE, user: 'dave' })?.action, 'allow');
  assert.equal(ml.matchProcess({ ...CLAUDE, user: 'dave' })?.ruleId, 'ml-may-use-claude');
  assert.equal(ml.matchProcess({ ...CODEX, user: 'dave' })?.action, 'block', 'the ml allow rule is only for claude');
});

test('user targeting and excluded groups', () => {
  const m = new Matcher(ORG, { deviceId: 'dev-1', groups: [] });
  assert.equal(m.matchProcess({ ...CODEX, user: 'carol' })?.action, 'warn');
  assert.equal(m.matchProcess({ ...CODEX, user: 'dave' })?.action, 'block');
  assert.equal(m.matchProcess({ ...CODEX })?.action, 'block', 'unknown user: user-targeted rules do not apply');
  const lab = new Matcher(ORG, { deviceId: 'dev-9', groups: ['lab'] });
  const d = lab.matchProcess({ ...CODEX, user: 'dave' });
  assert.equal(d?.action, 'allow', 'no rule applies to the lab: allowed');
  assert.equal(d?.ruleId, null);
});

test('exceptions: per user, per device, and only until they expire', () => {
  let now = Date.parse('2026-11-24T00:00:00Z');
  const m = new Matcher(ORG, { deviceId: 'dev-7', groups: [] }, undefined, () => now);
  const alice = m.matchProcess({ ...CODEX, user: 'alice' });
  assert.equal(alice?.action, 'allow');
  assert.equal(alice?.exceptionId, 'ex-alice');
  assert.equal(alice?.installed, 'report');
  assert.equal(m.matchProcess({ ...CLAUDE, user: 'bob' })?.exceptionId, 'ex-dev7', 'device exception');
  const elsewhere = new Matcher(ORG, { deviceId: 'dev-1', groups: [] }, undefined, () => now);
  assert.equal(elsewhere.matchProcess({ ...CLAUDE, user: 'bob' })?.action, 'block', "bob's own exception expired in 2020");
  now = Date.parse('2030-01-01T00:00:00Z');
  assert.equal(m.matchProcess({ ...CODEX, user: 'alice' })?.action, 'block', 'expired at the instant given');
  assert.equal(m.nextExpiry(Date.parse('2026-01-01T00:00:00Z')), Date.parse('2030-01-01T00:00:00Z'));
});

test('monitor mode is carried on the decision; tools no rule names are allowed', () => {
  const monitor = policy(`
schemaVersion: 1
id: m
name: M
mode: monitor
rules:
  - { id: r, tools: [codex], action: block }
`);
  const m = new Matcher(monitor);
  assert.equal(m.matchProcess(CODEX)?.mode, 'monitor');
  assert.equal(m.matchProcess(CODEX)?.action, 'block');
  assert.equal(m.matchProcess(CLAUDE), null, 'claude-code is not in this compiled policy at all');
});

test('custom tools declared inline are matched by their signatures', () => {
  const p = policy(`
schemaVersion: 1
id: c
name: C
mode: enforce
customTools:
  - { id: acme-bot, name: ACME Bot, npm: ["@acme/bot"], paths: ["/opt/acme-bot/**"] }
rules:
  - { id: r, tools: [acme-bot], action: audit }
`);
  const m = new Matcher(p);
  assert.equal(m.matchProcess({ ...CODEX, argv: ['node', '/usr/lib/node_modules/@acme/bot/cli.js'] })?.toolId, 'acme-bot');
  assert.equal(m.matchProcess({ ...CLAUDE, exe: '/opt/acme-bot/bin/bot' })?.action, 'audit');
  assert.equal(m.matchProcess({ ...CLAUDE, exe: '/opt/acme-bottle/bin/bot' }), null);
});

test('a custom tool listed by SHA-256 is recognised under any name, a one-byte change is not', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { createHash } = await import('node:crypto');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'cordon-hash-'));
  const content = Buffer.from('#!/bin/sh\necho internal bot\n');
  writeFileSync(join(dir, 'anything'), content, { mode: 0o755 });
  writeFileSync(join(dir, 'changed'), Buffer.concat([content, Buffer.from(' ')]), { mode: 0o755 });
  const sha = createHash('sha256').update(content).digest('hex');
  const p = policy(`
schemaVersion: 1
id: h
name: H
mode: enforce
customTools:
  - { id: bot, name: Bot, sha256: ["${sha}"] }
rules:
  - { id: r, tools: [bot], action: block }
`);
  const m = new Matcher(p);
  const d = m.matchProcess({ ...CLAUDE, exe: join(dir, 'anything') });
  assert.equal(d?.toolId, 'bot');
  assert.equal(d?.identification.evidence, 'sha256');
  assert.equal(m.matchProcess({ ...CLAUDE, exe: join(dir, 'changed') }), null);
});
