import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trayMenu, type MenuItemModel } from '../../main/tray-menu.ts';
import { NOW, sampleStatus, snapshot } from './status-sample.ts';

const find = (items: MenuItemModel[], id: string) => items.find((i) => 'id' in i && i.id === id);

test('menu: state label, open, sync, diagnostics, open at login, quit — in that order', () => {
  const items = trayMenu({ snapshot: snapshot(sampleStatus()), locale: 'en', openAtLogin: true, canSetOpenAtLogin: true, now: NOW });
  assert.deepEqual(
    items.map((i) => (i.kind === 'separator' ? '—' : i.kind === 'label' ? i.label : i.id)),
    ['Cordon: Protected', '—', 'open-status', 'sync-now', 'copy-diagnostics', '—', 'toggle-open-at-login', '—', 'quit'],
  );
  assert.deepEqual(find(items, 'toggle-open-at-login'), { kind: 'checkbox', id: 'toggle-open-at-login', label: 'Open at login', checked: true, enabled: true });
});

test('sync is offered only when an agent answers and has a server configured', () => {
  const on = trayMenu({ snapshot: snapshot(sampleStatus()), locale: 'en', openAtLogin: false, canSetOpenAtLogin: true, now: NOW });
  assert.equal((find(on, 'sync-now') as { enabled: boolean }).enabled, true);
  const local = trayMenu({ snapshot: snapshot(sampleStatus({ sync: { state: 'not-configured' } })), locale: 'en', openAtLogin: false, canSetOpenAtLogin: true, now: NOW });
  assert.equal((find(local, 'sync-now') as { enabled: boolean }).enabled, false);
  const missing = trayMenu({ snapshot: snapshot(undefined), locale: 'en', openAtLogin: false, canSetOpenAtLogin: true, now: NOW });
  assert.equal((find(missing, 'sync-now') as { enabled: boolean }).enabled, false);
  assert.deepEqual(missing[0], { kind: 'label', label: 'Cordon: Agent not running' });
});

test('quit says when it stops the agent this app runs; open at login can be unavailable', () => {
  const items = trayMenu({ snapshot: snapshot(sampleStatus({ scope: 'user' }), { inProcess: true }), locale: 'en', openAtLogin: false, canSetOpenAtLogin: false, now: NOW });
  assert.equal((find(items, 'quit') as { label: string }).label, 'Quit (stops the agent this app runs)');
  assert.equal((find(items, 'toggle-open-at-login') as { enabled: boolean }).enabled, false);
});

test('menu in Simplified Chinese', () => {
  const items = trayMenu({ snapshot: snapshot(sampleStatus({ mode: 'monitor' })), locale: 'zh-CN', openAtLogin: false, canSetOpenAtLogin: true, now: NOW });
  assert.deepEqual(items[0], { kind: 'label', label: 'Cordon: 监控模式' });
  assert.equal((find(items, 'open-status') as { label: string }).label, '打开 Cordon 状态…');
  assert.equal((find(items, 'quit') as { label: string }).label, '退出托盘');
});
