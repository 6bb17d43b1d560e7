// Exceptions: the queue (pending first) and the history, by status in the URL.
import { api, query } from '../api.ts';
import { h } from '../element.ts';
import { pager, urlFilters } from '../filter-form.ts';
import { t } from '../i18n.ts';
import type { PageContext } from '../page-context.ts';
import type { ExceptionRequest } from '../types.ts';
import { exceptionsTable } from './exception-rows.ts';

const STATUSES = ['pending', 'approved', 'denied', 'expired', 'all'] as const;

export async function exceptionsPage(ctx: PageContext): Promise<void> {
  const status = (ctx.url.searchParams.get('status') ?? 'pending') as (typeof STATUSES)[number];
  const { cursor } = urlFilters(ctx, []);
  const list = await api<{ requests: ExceptionRequest[]; nextCursor: string | null }>(
    'GET', `/admin/v1/exception-requests${query({ status: status === 'all' ? undefined : status, cursor, limit: 100 })}`);
  const tabs = h('nav', { class: 'tabs', 'aria-label': t('col.status') }, STATUSES.map((s) =>
    h('a', { href: `/exceptions?status=${s}`, 'aria-current': s === status ? 'page' : null }, t(`exceptions.${s}`))));
  ctx.main.replaceChildren(
    h('h1', {}, t('nav.exceptions')),
    tabs,
    exceptionsTable(ctx, `${t('nav.exceptions')}: ${t(`exceptions.${status}`)}`, list.requests, () => ctx.navigate(ctx.url.pathname + ctx.url.search)),
    pager(ctx, list.nextCursor),
  );
}
