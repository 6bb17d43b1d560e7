// The one-line native notification for an agent event, in the user's language; undefined for events that
// should stay quiet (start-up, audits, routine policy updates).
import type { AgentEvent, RestrictedTool } from '../agent/status-types.ts';
import { pickText, type SupportedLocale } from '../policy/localized-text.ts';

export interface NotificationText {
  title: string;
  body: string;
}

const MAX_BODY = 180;

export function notificationText(event: AgentEvent, locale: SupportedLocale, tools: readonly RestrictedTool[] = []): NotificationText | undefined {
  const zh = locale === 'zh-CN';
  const tool = event.toolName ?? tools.find((t) => t.toolId === event.toolId)?.name ?? event.toolId ?? (zh ? 'AI 编程工具' : 'an AI coding tool');
  const known = tools.find((t) => t.toolId === event.toolId);
  const reason = known ? oneLine(pickText(known.reason, locale)) : '';
  const because = reason ? (zh ? `：${reason}` : `: ${reason}`) : zh ? '。' : '.';
  let body: string | undefined;
  switch (event.type) {
    case 'block':
      body = zh ? `已阻止 ${tool}${because}` : `Stopped ${tool}${because}`;
      break;
    case 'would-block':
      body = zh ? `监控模式：${tool} 本会被阻止${because}` : `Monitor mode: ${tool} would have been stopped${because}`;
      break;
    case 'warn':
      body = zh ? `${tool} 受到限制${because}` : `${tool} is restricted${because}`;
      break;
    case 'block-failed':
      body = zh ? `未能完全停止 ${tool}；IT 部门已收到通知。` : `Could not fully stop ${tool}; IT has been told.`;
      break;
    case 'quarantine':
      body = zh ? `已将 ${tool} 的安装移入隔离区${because}` : `Moved the ${tool} install into quarantine${because}`;
      break;
    case 'policy.rejected':
      body = zh ? '一次策略更新被拒绝；当前策略继续生效。' : 'A policy update was rejected; the policy in force stays.';
      break;
    default:
      return undefined;
  }
  return { title: 'Cordon', body: clip(body) };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function clip(text: string): string {
  const t = oneLine(text);
  return t.length <= MAX_BODY ? t : `${t.slice(0, MAX_BODY - 1)}…`;
}
