import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentEvent } from '../../agent/status-types.ts';
import { notificationText } from '../../main/notification-text.ts';
import { event, sampleStatus } from './status-sample.ts';

const tools = sampleStatus().restrictedTools;

test('a block says what was stopped and the policy reason, on one line', () => {
  const e = event('block', 0, { toolId: 'codex', toolName: 'Codex CLI' });
  assert.deepEqual(notificationText(e, 'en', tools), { title: 'Cordon', body: 'Stopped Codex CLI: Codex CLI uploads the code it reads to OpenAI.' });
  assert.deepEqual(notificationText(e, 'zh-CN', tools), { title: 'Cordon', body: '已阻止 Codex CLI：Codex CLI 会把读取的代码上传到 OpenAI。' });
});

test('without a known reason, the tool name from the policy is still used', () => {
  assert.equal(notificationText(event('block', 0, { toolId: 'codex' }), 'en')?.body, 'Stopped codex.');
  assert.equal(notificationText(event('block', 0, { toolId: 'codex' }), 'en', tools.map((t) => ({ ...t, reason: { en: '' } })))?.body, 'Stopped Codex CLI.');
});

test('monitor, warn, failure, quarantine and policy rejection each get one line in both languages', () => {
  const types: AgentEvent['type'][] = ['would-block', 'warn', 'block-failed', 'quarantine', 'policy.rejected'];
  for (const type of types) {
    for (const locale of ['en', 'zh-CN'] as const) {
      const n = notificationText(event(type, 0, { toolId: 'codex', toolName: 'Codex CLI' }), locale, tools);
      assert.ok(n, `${type} ${locale}`);
      assert.ok(!n.body.includes('\n') && n.body.length <= 180, n.body);
    }
  }
  assert.equal(notificationText(event('would-block', 0, { toolId: 'codex', toolName: 'Codex CLI' }), 'en', tools)?.body, 'Monitor mode: Codex CLI would have been stopped: Codex CLI uploads the code it reads to OpenAI.');
});

test('routine events stay quiet', () => {
  for (const type of ['agent.started', 'audit', 'policy.applied', 'install-removed'] as const) assert.equal(notificationText(event(type, 0), 'en'), undefined);
});

test('a long multi-line reason is folded to one clipped line', () => {
  const long = tools.map((t) => ({ ...t, reason: { en: `Line one.\n${'x'.repeat(400)}` } }));
  const body = notificationText(event('block', 0, { toolId: 'codex', toolName: 'Codex CLI' }), 'en', long)!.body;
  assert.equal(body.length, 180);
  assert.ok(body.endsWith('…') && !body.includes('\n'));
});
