// The language of the tray and the status window: Simplified Chinese for any Chinese OS locale (the closest we
// ship), English otherwise. Pure, so the main process and the renderer choose alike.
import type { SupportedLocale } from '../policy/localized-text.ts';

export function uiLocale(preferred: readonly string[]): SupportedLocale {
  for (const tag of preferred) {
    const lang = tag.split(/[-_]/)[0]?.toLowerCase();
    if (lang === 'zh') return 'zh-CN';
    if (lang === 'en') return 'en';
  }
  return 'en';
}

/** "16:42" today, "Nov 24, 16:42" before, in the reader's locale. */
export function formatTime(iso: string, locale: SupportedLocale, now: Date = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const sameDay = d.toDateString() === now.toDateString();
  const opts: Intl.DateTimeFormatOptions = sameDay ? { hour: '2-digit', minute: '2-digit' } : { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' };
  return new Intl.DateTimeFormat(locale, { ...opts, hour12: false }).format(d);
}
