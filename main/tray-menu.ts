// The tray's context menu as plain data; main.ts turns it into an Electron Menu. Pure, so it is unit-tested.
import type { SupportedLocale } from '../policy/localized-text.ts';
import type { StatusSnapshot } from '../ui-shared/cordon-bridge.ts';
import { stateLabel, trayState } from '../ui-shared/tray-state.ts';

export type MenuAction = 'open-status' | 'sync-now' | 'copy-diagnostics' | 'toggle-open-at-login' | 'quit';

export type MenuItemModel =
  | { kind: 'label'; label: string }
  | { kind: 'action'; id: MenuAction; label: string; enabled: boolean }
  | { kind: 'checkbox'; id: MenuAction; label: string; checked: boolean; enabled: boolean }
  | { kind: 'separator' };

export interface MenuInput {
  snapshot: StatusSnapshot;
  locale: SupportedLocale;
  openAtLogin: boolean;
  /** False where the OS offers no per-user login item (the installer registers it for all users instead). */
  canSetOpenAtLogin: boolean;
  now?: Date;
}

const TEXT = {
  en: {
    open: 'Open Cordon status…',
    sync: 'Check for policy updates now',
    copy: 'Copy diagnostics',
    login: 'Open at login',
    quit: 'Quit tray',
    quitInProcess: 'Quit (stops the agent this app runs)',
  },
  'zh-CN': {
    open: '打开 Cordon 状态…',
    sync: '立即检查策略更新',
    copy: '复制诊断信息',
    login: '登录时打开',
    quit: '退出托盘',
    quitInProcess: '退出（将停止本应用运行的代理）',
  },
} as const;

export function trayMenu(input: MenuInput): MenuItemModel[] {
  const t = TEXT[input.locale];
  const { snapshot } = input;
  const canSync = snapshot.reachable && snapshot.status !== undefined && snapshot.status.sync.state !== 'not-configured';
  return [
    { kind: 'label', label: `Cordon: ${stateLabel(trayState(snapshot, input.now), input.locale)}` },
    { kind: 'separator' },
    { kind: 'action', id: 'open-status', label: t.open, enabled: true },
    { kind: 'action', id: 'sync-now', label: t.sync, enabled: canSync },
    { kind: 'action', id: 'copy-diagnostics', label: t.copy, enabled: true },
    { kind: 'separator' },
    { kind: 'checkbox', id: 'toggle-open-at-login', label: t.login, checked: input.openAtLogin, enabled: input.canSetOpenAtLogin },
    { kind: 'separator' },
    // Quitting the tray never weakens a service agent; it does stop one this app started itself.
    { kind: 'action', id: 'quit', label: snapshot.inProcess ? t.quitInProcess : t.quit, enabled: true },
  ];
}
