// Devices: the fleet table with filters in the URL and keyset pagination (100 a page).
import { api, query } from '../api.ts';
import { h } from '../element.ts';
import { filterForm, pager, urlFilters } from '../filter-form.ts';
import { formatTime, t } from '../i18n.ts';
import type { PageContext } from '../page-context.ts';
import { dataTable } from '../table.ts';
import { COMPLIANCE, type Device } from '../types.ts';

const FILTERS = ['hostname', 'compliance', 'group', 'user', 'tool', 'policyId'];

export function complianceBadge(c: Device['compliance']): HTMLElement {
  return h('span', { class: `badge state-${c}` }, t(`compliance.${c}`));
}

export async function devicesPage(ctx: PageContext): Promise<void> {
  const list = await api<{ devices: Device[]; nextCursor: string | null }>('GET', `/admin/v1/devices${query({ ...urlFilters(ctx, FILTERS), limit: 100 })}`);
  ctx.main.replaceChildren(
    h('h1', {}, t('nav.devices')),
    filterForm(ctx, [
      { name: 'hostname', label: 'filter.search' },
      { name: 'compliance', label: 'filter.compliance', options: COMPLIANCE.map((c) => ({ value: c, label: t(`compliance.${c}`) })) },
      { name: 'group', label: 'filter.group' },
      { name: 'user', label: 'filter.user' },
      { name: 'tool', label: 'filter.tool' },
    ]),
    dataTable(
      t('nav.devices'),
      [t('col.hostname'), t('col.user'), t('col.os'), t('col.agent'), t('col.policy'), t('col.lastSeen'), t('col.compliance'), t('col.installed')],
      list.devices.map((d) => [
        h('a', { href: `/devices/${encodeURIComponent(d.id)}` }, d.hostname),
        d.user,
        `${d.os} ${d.arch}`,
        d.agentVersion,
        `${d.policy.id ?? '—'} (${d.policy.serialInForce ?? '—'} / ${d.policy.serialIssued})`,
        formatTime(d.lastSeenAt),
        complianceBadge(d.compliance),
        d.installed.filter((i) => i.state === 'not-allowed').map((i) => i.toolId).join(', '),
      ]),
    ),
    pager(ctx, list.nextCursor),
  );
}
