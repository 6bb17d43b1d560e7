// The explanation a stopped (or warned) tool leaves in the terminal where it was started: which tool, why,
// what to use instead, where to read more and how to ask for an exception — in the user's language.
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import type { Decision } from '../../policy/index.ts';
import { allowedEndpointsText, endpointHost } from '../../policy/endpoint-glob.ts';
import { fillPlaceholders, pickText, vendorFor } from '../../policy/localized-text.ts';
import { isTtyDevice } from '../process/tty-device.ts';

export type NoticeKind = 'blocked' | 'warned' | 'would-block';

interface NoticeStrings {
  headline: Record<NoticeKind, string>;
  why: string;
  instead: string;
  more: string;
  exception: string;
  exceptionCommand: string;
  setTo: string;
  unknownEndpoint: string;
  endpointFix: string;
}

const STRINGS: Record<'en' | 'zh-CN', NoticeStrings> = {
  en: {
    headline: {
      blocked: 'Cordon stopped {tool} ({vendor}).',
      warned: 'Cordon: {tool} ({vendor}) is discouraged here; this use has been recorded.',
      'would-block': 'Cordon (monitor mode): {tool} ({vendor}) is not allowed; it would have been stopped.',
    },
    why: 'Why',
    instead: 'Use instead',
    more: 'More',
    exception: 'Need it for work? Ask for an exception',
    exceptionCommand: 'cordon request-exception {id} --reason "…" --days 7',
    setTo: 'This {tool} was set to send to {host} ({where}); it is allowed only through {allowed}.',
    unknownEndpoint: 'Cordon could not tell where this {tool} would send ({reason}); it is allowed only through {allowed}.',
    endpointFix: 'To fix: point it at {allowed} and remove any other endpoint setting, then start it again.',
  },
  'zh-CN': {
    headline: {
      blocked: 'Cordon 已停止 {tool}（{vendor}）。',
      warned: 'Cordon：不建议在此使用 {tool}（{vendor}），本次使用已被记录。',
      'would-block': 'Cordon（监控模式）：不允许使用 {tool}（{vendor}），本应被停止。',
    },
    why: '原因',
    instead: '替代方案',
    more: '了解更多',
    exception: '工作需要？申请例外',
    exceptionCommand: 'cordon request-exception {id} --reason "…" --days 7',
    setTo: '此 {tool} 被设置为发送到 {host}（{where}）；仅允许通过 {allowed} 使用。',
    unknownEndpoint: 'Cordon 无法确定此 {tool} 会发送到哪里（{reason}）；仅允许通过 {allowed} 使用。',
    endpointFix: '解决方法：将其指向 {allowed} 并删除其他端点设置，然后重新启动。',
  },
};

function stringsFor(locale: string): { strings: NoticeStrings; locale: 'en' | 'zh-CN' } {
  return locale.toLowerCase().startsWith('zh') ? { strings: STRINGS['zh-CN'], locale: 'zh-CN' } : { strings: STRINGS.en, locale: 'en' };
}

/** The notice as lines of text (no terminal control sequences beyond what the caller adds). */
export function composeNotice(decision: Decision, kind: NoticeKind, locale: string): string[] {
  const { strings: s, locale: loc } = stringsFor(locale);
  const values = { tool: decision.toolName, vendor: vendorFor(decision, loc), id: decision.toolId };
  const lines = [fillPlaceholders(s.headline[kind], values), `${s.why}: ${fillPlaceholders(pickText(decision.reason, loc), values)}`];
  lines.push(...endpointLines(decision, s, values));
  for (const alt of decision.alternatives) {
    const desc = alt.description ? ` — ${pickText(alt.description, loc)}` : '';
    lines.push(`${s.instead}: ${alt.name}${alt.url ? ` <${alt.url}>` : ''}${desc}`);
  }
  if (decision.moreInfoUrl) lines.push(`${s.more}: ${decision.moreInfoUrl}`);
  lines.push(`${s.exception}: ${decision.exceptionUrl ?? fillPlaceholders(s.exceptionCommand, values)}`);
  return lines;
}

/** Where this process was set to send and how to fix it, when a rule allows the tool only through some endpoints. */
function endpointLines(decision: Decision, s: NoticeStrings, values: Record<string, string>): string[] {
  const check = decision.endpointCheck;
  if (decision.action === 'allow' || !check?.found) return [];
  const allowed = allowedEndpointsText(check.allowed);
  if (!check.found.known) return [fillPlaceholders(s.unknownEndpoint, { ...values, reason: check.found.reason, allowed }), fillPlaceholders(s.endpointFix, { ...values, allowed })];
  const offending = check.offending;
  if (!offending) return [];
  return [
    fillPlaceholders(s.setTo, { ...values, host: endpointHost(offending.url), where: offending.where, allowed }),
    fillPlaceholders(s.endpointFix, { ...values, allowed }),
  ];
}

/**
 * Writes the notice to a terminal device. CRLF line ends because the tool may have put the terminal in raw
 * mode; non-blocking so a terminal stopped with XOFF cannot hang the agent. Only a path that is the character
 * device the process's stat names is written to.
 */
export function writeNotice(ttyPath: string, ttyNr: number | undefined, lines: readonly string[]): boolean {
  if (ttyNr !== undefined && !isTtyDevice(ttyPath, ttyNr)) return false;
  let fd: number;
  try {
    fd = openSync(ttyPath, constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    const bar = '─'.repeat(60);
    const text = `\r\n\x1b[1m${bar}\x1b[0m\r\n${lines.map((l, i) => (i === 0 ? `\x1b[1m${l}\x1b[0m` : `  ${l}`)).join('\r\n')}\r\n\x1b[1m${bar}\x1b[0m\r\n`;
    writeSync(fd, text);
    return true;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}
