// Events: filter by device, user, tool, type and time (in the URL), keyset pagination, CSV of the same filter.
import { api, query } from '../api.ts';
import { h } from '../element.ts';
import { filterForm, pager, urlFilters } from '../filter-form.ts';
import { t } from '../i18n.ts';
import type { PageContext } from '../page-context.ts';
import type { StoredEvent } from '../types.ts';
import { eventsTable } from './event-rows.ts';

const FILTERS = ['device', 'user', 'tool', 'type', 'since', 'until'];
const TYPES = ['block', 'would-block', 'warn', 'audit', 'block-failed', 'install-found', 'install-removed', 'quarantine', 'restore', 'policy.applied', 'policy.rejected', 'agent.started', 'agent.error'];

export async function eventsPage(ctx: PageContext): Promise<void> {
  const filters = urlFilters(ctx, FILTERS);
  const list = await api<{ events: StoredEvent[]; nextCursor: string | null }>('GET', `/admin/v1/events${query({ ...filters, limit: 100 })}`);
  const { cursor: _cursor, ...csvFilters } = filters;
  ctx.main.replaceChildren(
    h('h1', {}, t('nav.events')),
    filterForm(ctx, [
      { name: 'device', label: 'filter.device' },
      { name: 'user', label: 'filter.user' },
      { name: 'tool', label: 'filter.tool' },
      { name: 'type', label: 'filter.type', options: TYPES.map((x) => ({ value: x, label: x })) },
      { name: 'since', label: 'filter.since', type: 'datetime-local' },
      { name: 'until', label: 'filter.until', type: 'datetime-local' },
    ]),
    h('p', {}, h('a', { class: 'button secondary', href: `/admin/v1/events.csv${query(csvFilters)}`, download: 'cordon-events.csv' }, t('events.csv'))),
    eventsTable(t('nav.events'), list.events, true),
    pager(ctx, list.nextCursor),
  );
}
