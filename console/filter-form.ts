// A list's filters as a form whose values live in the page URL: applying them navigates to ?filter=value, so a
// filtered list can be bookmarked and shared, and back/forward work. The cursor is dropped on every new filter.
import { h } from './element.ts';
import { t, type MessageKey } from './i18n.ts';
import type { PageContext } from './page-context.ts';

export interface FilterField {
  name: string;
  label: MessageKey;
  type?: 'text' | 'datetime-local';
  options?: { value: string; label: string }[];
}

export function filterForm(ctx: PageContext, fields: FilterField[]): HTMLFormElement {
  const form = h('form', { class: 'filters', role: 'search' });
  for (const f of fields) {
    const id = `filter-${f.name}`;
    const value = ctx.url.searchParams.get(f.name) ?? '';
    const input = f.options
      ? h('select', { id, name: f.name }, h('option', { value: '' }, t('filter.any')), f.options.map((o) => h('option', { value: o.value, selected: o.value === value }, o.label)))
      : h('input', { id, name: f.name, type: f.type ?? 'text', value: f.type === 'datetime-local' && value ? value.slice(0, 16) : value, autocomplete: 'off' });
    form.append(h('div', { class: 'field' }, h('label', { for: id }, t(f.label)), input));
  }
  form.append(h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('apply')), h('a', { href: ctx.url.pathname, class: 'button secondary' }, t('clear'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const f of fields) {
      const raw = String(new FormData(form).get(f.name) ?? '').trim();
      if (!raw) continue;
      q.set(f.name, f.type === 'datetime-local' ? new Date(raw).toISOString() : raw);
    }
    const s = q.toString();
    ctx.navigate(ctx.url.pathname + (s ? `?${s}` : ''));
  });
  return form;
}

/** The API query for a list page: its URL's filters plus the cursor. */
export function urlFilters(ctx: PageContext, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of [...names, 'cursor']) {
    const v = ctx.url.searchParams.get(n);
    if (v) out[n] = v;
  }
  return out;
}

/** Keyset pagination: "next" carries the last row's cursor in the URL; "first" drops it. */
export function pager(ctx: PageContext, nextCursor: string | null): HTMLElement {
  const next = new URLSearchParams(ctx.url.search);
  if (nextCursor) next.set('cursor', nextCursor);
  const first = new URLSearchParams(ctx.url.search);
  first.delete('cursor');
  return h('nav', { class: 'pager', 'aria-label': t('next') },
    ctx.url.searchParams.has('cursor') ? h('a', { href: `${ctx.url.pathname}${first.size ? `?${first}` : ''}` }, t('first')) : null,
    nextCursor ? h('a', { href: `${ctx.url.pathname}?${next}`, rel: 'next' }, t('next')) : null);
}
