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

test('monitor, warn, failure, quarantine and policy rejection each say what happened, in both languages', () => {
  const expected: [AgentEvent['type'], string, string][] = [
    ['would-block', 'Monitor mode: Codex CLI would have been stopped: Codex CLI uploads the code it reads to OpenAI.', '监控模式：Codex CLI 本会被阻止：Codex CLI 会把读取的代码上传到 OpenAI。'],
    ['warn', 'Codex CLI is restricted: Codex CLI uploads the code it reads to OpenAI.', 'Codex CLI 受到限制：Codex CLI 会把读取的代码上传到 OpenAI。'],
    ['block-failed', 'Could not fully stop Codex CLI; IT has been told.', '未能完全停止 Codex CLI；IT 部门已收到通知。'],
    ['quarantine', 'Moved the Codex CLI install into quarantine: Codex CLI uploads the code it reads to OpenAI.', '已将 Codex CLI 的安装移入隔离区：Codex CLI 会把读取的代码上传到 OpenAI。'],
    ['policy.rejected', 'A policy update was rejected; the policy in force stays.', '一次策略更新被拒绝；当前策略继续生效。'],
  ];
  for (const [type, en, zh] of expected) {
    const e = event(type, 0, { toolId: 'codex', toolName: 'Codex CLI' });
    assert.deepEqual(notificationText(e, 'en', tools), { title: 'Cordon', body: en }, type);
    assert.deepEqual(notificationText(e, 'zh-CN', tools), { title: 'Cordon', body: zh }, type);
  }
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
