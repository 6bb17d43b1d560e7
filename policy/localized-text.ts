// Choosing and filling in the text an employee reads, in their language.
import type { LocalizedText } from './policy-schema.ts';

export const SUPPORTED_LOCALES = ['en', 'zh-CN'] as const;
export type SupportedLocale = (typeof SUPPORTED_LOCALES)[number];

/** Locale from a POSIX environment (LC_ALL > LC_MESSAGES > LANG), e.g. zh_CN.UTF-8 → zh-CN. */
export function localeFromEnv(env: Readonly<Record<string, string | undefined>>): string {
  const raw = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  const tag = raw.split('.')[0]?.split('@')[0]?.replace('_', '-') ?? '';
  return tag && tag !== 'C' && tag !== 'POSIX' ? tag : 'en';
}

/** Best text for a locale: exact tag, then language-only match (zh-TW → zh-*), then English. */
export function pickText(text: LocalizedText, locale: string): string {
  const exact = text[locale];
  if (exact) return exact;
  const lang = locale.split('-')[0]?.toLowerCase();
  for (const [tag, value] of Object.entries(text)) if (value && tag.split('-')[0]?.toLowerCase() === lang) return value;
  return text.en;
}

/** Fills `{tool}` and `{vendor}` style placeholders; unknown ones stay as written. */
export function fillPlaceholders(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** Who a tool sends code to, for display: `vendor` and, where the catalog translates it, its translations. */
export interface VendorText {
  vendor: string;
  vendorTranslations?: Readonly<Record<string, string>>;
}

/** The vendor as read inside a sentence in this locale (a zh-CN sentence must not carry an English phrase). */
export function vendorFor(tool: VendorText, locale: string): string {
  return pickText({ ...tool.vendorTranslations, en: tool.vendor }, locale);
}

/** A reason with `{tool}` and `{vendor}` filled in every language it is written in, each with its own vendor text. */
export function fillReason(reason: LocalizedText, toolName: string, tool: VendorText): LocalizedText {
  const out: LocalizedText = { en: '' };
  for (const [locale, text] of Object.entries(reason)) if (text) out[locale] = fillPlaceholders(text, { tool: toolName, vendor: vendorFor(tool, locale) });
  return out;
}
