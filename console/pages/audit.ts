// The audit log: every change anyone made, newest first, keyset pagination.
import { api, query } from '../api.ts';
import { h } from '../element.ts';
import { filterForm, pager, urlFilters } from '../filter-form.ts';
import { formatTime, t } from '../i18n.ts';
import type { PageContext } from '../page-context.ts';
import { dataTable } from '../table.ts';

interface Entry {
  seq: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  detail: Record<string, unknown>;
}

export async function auditPage(ctx: PageContext): Promise<void> {
  const list = await api<{ entries: Entry[]; nextCursor: string | null }>('GET', `/admin/v1/audit${query({ ...urlFilters(ctx, ['action']), limit: 100 })}`);
  ctx.main.replaceChildren(
    h('h1', {}, t('nav.audit')),
    filterForm(ctx, [{ name: 'action', label: 'col.action' }]),
    dataTable(t('nav.audit'), [t('col.time'), t('col.actor'), t('col.action'), t('col.target'), t('col.detail')],
      list.entries.map((e) => [formatTime(e.at), e.actor, e.action, e.target, h('code', {}, JSON.stringify(e.detail))])),
    pager(ctx, list.nextCursor),
  );
}
