// What a person finds in place of a quarantined command: a small shell script that says, in their language,
// that Cordon put the tool in quarantine and why, and exits non-zero. The policy's text is chosen with
// pickText for every supported locale when the stub is written; the script picks one the way localeFromEnv does.
// Imported from their own modules: the stub writer runs in crash-recovery paths that should start fast.
import { fillPlaceholders, pickText, type SUPPORTED_LOCALES } from '../../policy/localized-text.ts';
import type { LocalizedText } from '../../policy/index.ts';

export const STUB_MARKER = '# cordon-quarantine-stub';
export const STUB_EXIT_CODE = 126;

const HEADLINE: Record<(typeof SUPPORTED_LOCALES)[number], string> = {
  en: 'Cordon put {tool} in quarantine on this machine ({id}).',
  'zh-CN': 'Cordon 已在本机隔离 {tool}（{id}）。',
};
const WHY: Record<(typeof SUPPORTED_LOCALES)[number], string> = { en: 'Why', 'zh-CN': '原因' };
const ASK: Record<(typeof SUPPORTED_LOCALES)[number], string> = { en: 'Need it for work? Ask for an exception', 'zh-CN': '工作需要？申请例外' };

export interface StubText {
  quarantineId: string;
  toolId: string;
  toolName: string;
  reason: LocalizedText;
  moreInfoUrl?: string;
  exceptionUrl?: string;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function message(t: StubText, locale: (typeof SUPPORTED_LOCALES)[number]): string {
  const lines = [
    fillPlaceholders(HEADLINE[locale], { tool: t.toolName, id: t.quarantineId }),
    `${WHY[locale]}: ${pickText(t.reason, locale)}`,
    ...(t.moreInfoUrl ? [t.moreInfoUrl] : []),
    `${ASK[locale]}: ${t.exceptionUrl ?? `cordon request-exception ${t.toolId}`}`,
  ];
  return lines.join('\n');
}

export function stubScript(t: StubText): string {
  const zh = message(t, 'zh-CN');
  const en = message(t, 'en');
  return `#!/bin/sh
${STUB_MARKER} ${t.quarantineId}
# ${t.toolName} was moved to Cordon's quarantine. "cordon quarantine restore ${t.quarantineId}" (as an administrator) puts it back.
locale="\${LC_ALL:-\${LC_MESSAGES:-\${LANG:-}}}"
case "$locale" in
  zh*) msg=${shellQuote(zh)} ;;
  *) msg=${shellQuote(en)} ;;
esac
printf '%s\\n' "$msg" >&2
exit ${STUB_EXIT_CODE}
`;
}

export function isStubFor(content: string, quarantineId: string): boolean {
  return content.startsWith('#!/bin/sh\n') && content.includes(`\n${STUB_MARKER} ${quarantineId}\n`);
}
