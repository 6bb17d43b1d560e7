// What the tray icon says at a glance, from the agent's status and whether it answered. Pure: the main process
// and the status window derive the same state, sentence and icon from the same snapshot.
import type { AgentEvent, AgentStatus } from '../agent/status-types.ts';
import type { SupportedLocale } from '../policy/localized-text.ts';
import type { StatusSnapshot } from './cordon-bridge.ts';
import { formatTime } from './ui-locale.ts';

export const TRAY_STATES = ['protected', 'blocked-recently', 'out-of-date', 'monitor', 'agent-missing'] as const;
export type TrayState = (typeof TRAY_STATES)[number];

/** A block stays "recent" (red badge) this long. */
export const RECENT_BLOCK_MS = 15 * 60_000;
/** A policy not refreshed from the server for this long is out of date. */
export const STALE_POLICY_MS = 24 * 3600_000;

const BLOCK_TYPES: ReadonlySet<AgentEvent['type']> = new Set(['block', 'block-failed']);

/** Most urgent first: nothing enforcing, then a block the user may be wondering about, then a stale policy. */
export function trayState(snapshot: StatusSnapshot, now: Date = new Date()): TrayState {
  const s = snapshot.status;
  if (!snapshot.reachable || !s) return 'agent-missing';
  if (recentBlock(s, now)) return 'blocked-recently';
  if (outOfDateReason(s, now)) return 'out-of-date';
  if (s.mode === 'monitor') return 'monitor';
  return 'protected';
}

export function recentBlock(status: AgentStatus, now: Date = new Date()): AgentEvent | undefined {
  const e = status.recentEvents.find((ev) => BLOCK_TYPES.has(ev.type));
  return e && now.getTime() - Date.parse(e.at) <= RECENT_BLOCK_MS ? e : undefined;
}

export type OutOfDateReason = 'sync-error' | 'sync-stale' | 'policy-rejected';

export function outOfDateReason(status: AgentStatus, now: Date = new Date()): OutOfDateReason | undefined {
  if (status.sync.state === 'error') return 'sync-error';
  if (status.sync.state === 'ok' && status.sync.lastSuccessAt && now.getTime() - Date.parse(status.sync.lastSuccessAt) > STALE_POLICY_MS) return 'sync-stale';
  // The newest policy event decides: a rejection not followed by an applied policy leaves an old one in force.
  const policyEvent = status.recentEvents.find((e) => e.type === 'policy.applied' || e.type === 'policy.rejected');
  if (policyEvent?.type === 'policy.rejected') return 'policy-rejected';
  return undefined;
}

/** The icon file (without extension) for a state; macOS uses monochrome template images. */
export function trayIconName(state: TrayState, platform: NodeJS.Platform): string {
  return platform === 'darwin' ? `tray-${state}Template` : `tray-${state}`;
}

const LABELS: Record<SupportedLocale, Record<TrayState, string>> = {
  en: {
    protected: 'Protected',
    'blocked-recently': 'A tool was just blocked',
    'out-of-date': 'Policy out of date',
    monitor: 'Monitor mode',
    'agent-missing': 'Agent not running',
  },
  'zh-CN': {
    protected: '已受保护',
    'blocked-recently': '刚刚阻止了一个工具',
    'out-of-date': '策略已过期',
    monitor: '监控模式',
    'agent-missing': '代理未运行',
  },
};

export function stateLabel(state: TrayState, locale: SupportedLocale): string {
  return LABELS[locale][state];
}

/** Windows cuts tray tooltips at 127 characters. */
export const MAX_TOOLTIP = 127;

/** The tray tooltip: product, state and the policy in force, on one line. */
export function trayTooltip(snapshot: StatusSnapshot, locale: SupportedLocale, now: Date = new Date()): string {
  const state = trayState(snapshot, now);
  const policy = snapshot.status?.policy.name;
  const text = `Cordon — ${stateLabel(state, locale)}${policy && state !== 'agent-missing' ? ` · ${policy}` : ''}`;
  return text.length <= MAX_TOOLTIP ? text : `${text.slice(0, MAX_TOOLTIP - 1)}…`;
}

/** The status window's headline: the overall state in one sentence. */
export function stateSentence(snapshot: StatusSnapshot, locale: SupportedLocale, now: Date = new Date()): string {
  const state = trayState(snapshot, now);
  const s = snapshot.status;
  const zh = locale === 'zh-CN';
  switch (state) {
    case 'agent-missing':
      return zh
        ? 'Cordon 代理没有运行，因此目前没有执行任何策略。请联系 IT 部门。'
        : 'The Cordon agent is not running, so no policy is being enforced. Please contact your IT team.';
    case 'blocked-recently': {
      const e = recentBlock(s!, now)!;
      const tool = e.toolName ?? e.toolId ?? (zh ? '一个 AI 编程工具' : 'an AI coding tool');
      const at = formatTime(e.at, locale, now);
      if (e.type === 'block-failed')
        return zh ? `Cordon 在 ${at} 尝试阻止 ${tool}，但未能完全停止它。` : `Cordon tried to stop ${tool} at ${at} but could not stop all of it.`;
      return zh ? `Cordon 在 ${at} 阻止了 ${tool}。此设备仍受保护。` : `Cordon stopped ${tool} at ${at}. This device stays protected.`;
    }
    case 'out-of-date': {
      const why = outOfDateReason(s!, now);
      if (why === 'policy-rejected')
        return zh ? '一次策略更新被拒绝；当前策略继续生效，直到收到有效的更新。' : 'A policy update was rejected; the policy in force stays until a valid one arrives.';
      const since = s!.sync.lastSuccessAt ? formatTime(s!.sync.lastSuccessAt, locale, now) : undefined;
      if (zh) return `无法从策略服务器更新${since ? `（上次成功：${since}）` : ''}；最后收到的策略继续生效。`;
      return `Cordon cannot update its policy from the server${since ? ` (last success ${since})` : ''}; the last policy received stays in force.`;
    }
    case 'monitor':
      return zh ? '监控模式：Cordon 会记录 AI 编程工具的使用，但不会阻止它们。' : 'Monitor mode: Cordon records AI coding tools but does not stop them.';
    case 'protected':
      return zh ? '已受保护：策略限制的 AI 编程工具在此设备上会被阻止。' : 'Protected: AI coding tools the policy restricts are stopped on this device.';
  }
}
