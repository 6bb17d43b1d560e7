import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stateSentence, trayIconName, trayState, trayTooltip, TRAY_STATES } from '../../ui-shared/tray-state.ts';
import { uiLocale } from '../../ui-shared/ui-locale.ts';
import { event, NOW, sampleStatus, snapshot } from './status-sample.ts';

test('an enforcing agent with a fresh policy and no recent block is protected', () => {
  assert.equal(trayState(snapshot(sampleStatus()), NOW), 'protected');
});

test('no agent answering is agent-missing, whatever else is known', () => {
  assert.equal(trayState(snapshot(undefined, { problem: 'nothing listens' }), NOW), 'agent-missing');
  assert.equal(trayState(snapshot(sampleStatus(), { reachable: false }), NOW), 'agent-missing');
});

test('a block within 15 minutes is blocked-recently; an older one is not', () => {
  const fresh = sampleStatus({ recentEvents: [event('block', 3, { toolId: 'codex', toolName: 'Codex CLI' })] });
  assert.equal(trayState(snapshot(fresh), NOW), 'blocked-recently');
  const old = sampleStatus({ recentEvents: [event('block', 16, { toolId: 'codex' })] });
  assert.equal(trayState(snapshot(old), NOW), 'protected');
  const failed = sampleStatus({ recentEvents: [event('block-failed', 1, { toolId: 'codex' })] });
  assert.equal(trayState(snapshot(failed), NOW), 'blocked-recently');
});

test('a recent block outranks an out-of-date policy and monitor mode', () => {
  const s = sampleStatus({ mode: 'monitor', sync: { state: 'error', lastError: 'ECONNREFUSED' }, recentEvents: [event('block', 1)] });
  assert.equal(trayState(snapshot(s), NOW), 'blocked-recently');
});

test('out of date: sync error, a success older than a day, or a rejected policy update not followed by a good one', () => {
  assert.equal(trayState(snapshot(sampleStatus({ sync: { state: 'error', lastError: 'ECONNREFUSED' } })), NOW), 'out-of-date');
  assert.equal(trayState(snapshot(sampleStatus({ sync: { state: 'ok', lastSuccessAt: '2026-11-24T10:00:00Z' } })), NOW), 'out-of-date');
  assert.equal(trayState(snapshot(sampleStatus({ recentEvents: [event('policy.rejected', 2)] })), NOW), 'out-of-date');
  assert.equal(trayState(snapshot(sampleStatus({ recentEvents: [event('policy.applied', 1), event('policy.rejected', 2)] })), NOW), 'protected');
});

test('monitor mode is monitor; would-block events do not count as blocks', () => {
  const s = sampleStatus({ mode: 'monitor', recentEvents: [event('would-block', 1, { toolId: 'codex' })] });
  assert.equal(trayState(snapshot(s), NOW), 'monitor');
});

test('icons: one per state, template images on macOS', () => {
  assert.deepEqual(
    TRAY_STATES.map((s) => trayIconName(s, 'linux')),
    ['tray-protected', 'tray-blocked-recently', 'tray-out-of-date', 'tray-monitor', 'tray-agent-missing'],
  );
  assert.equal(trayIconName('monitor', 'darwin'), 'tray-monitorTemplate');
  assert.equal(trayIconName('monitor', 'win32'), 'tray-monitor');
});

test('tooltip and sentence name the state, the tool and the time, in English and Chinese', () => {
  const s = snapshot(sampleStatus({ recentEvents: [event('block', 3, { toolId: 'codex', toolName: 'Codex CLI' })] }));
  assert.equal(trayTooltip(s, 'en', NOW), 'Cordon — A tool was just blocked · ACME engineering workstations');
  assert.equal(trayTooltip(s, 'zh-CN', NOW), 'Cordon — 刚刚阻止了一个工具 · ACME engineering workstations');
  assert.match(stateSentence(s, 'en', NOW), /^Cordon stopped Codex CLI at \d\d:\d\d\. This device stays protected\.$/);
  assert.match(stateSentence(s, 'zh-CN', NOW), /^Cordon 在 \d\d:\d\d 阻止了 Codex CLI。此设备仍受保护。$/);
  assert.equal(trayTooltip(snapshot(undefined), 'en', NOW), 'Cordon — Agent not running');
  const sentences: [Parameters<typeof snapshot>[0], string, string][] = [
    [sampleStatus(), 'Protected: AI coding tools the policy restricts are stopped on this device.', '已受保护：策略限制的 AI 编程工具在此设备上会被阻止。'],
    [sampleStatus({ mode: 'monitor' }), 'Monitor mode: Cordon records AI coding tools but does not stop them.', '监控模式：Cordon 会记录 AI 编程工具的使用，但不会阻止它们。'],
    [sampleStatus({ sync: { state: 'error' } }), 'Cordon cannot update its policy from the server; the last policy received stays in force.', '无法从策略服务器更新；最后收到的策略继续生效。'],
    [undefined, 'The Cordon agent is not running, so no policy is being enforced. Please contact your IT team.', 'Cordon 代理没有运行，因此目前没有执行任何策略。请联系 IT 部门。'],
  ];
  for (const [st, en, zh] of sentences) {
    assert.equal(stateSentence(snapshot(st), 'en', NOW), en);
    assert.equal(stateSentence(snapshot(st), 'zh-CN', NOW), zh);
  }
});

test('a long policy name is clipped to the 127 characters Windows shows', () => {
  const s = sampleStatus();
  const tip = trayTooltip(snapshot({ ...s, policy: { ...s.policy, name: 'x'.repeat(300) } }), 'en', NOW);
  assert.equal(tip.length, 127);
  assert.ok(tip.startsWith('Cordon — Protected · xxx') && tip.endsWith('…'));
});

test('UI locale follows the OS: any Chinese tag → zh-CN, else English', () => {
  assert.equal(uiLocale(['zh-CN']), 'zh-CN');
  assert.equal(uiLocale(['zh-Hans-CN', 'en-US']), 'zh-CN');
  assert.equal(uiLocale(['zh_TW']), 'zh-CN');
  assert.equal(uiLocale(['de-DE', 'en-GB']), 'en');
  assert.equal(uiLocale(['fr-FR']), 'en');
  assert.equal(uiLocale([]), 'en');
});
