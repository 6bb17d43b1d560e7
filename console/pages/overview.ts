// Overview: devices per compliance state and pending exception requests (each a link to the filtered list), and
// the 30-day blocks chart.
import { api } from '../api.ts';
import { blocksChart, type BlocksSeries } from '../blocks-chart.ts';
import { h } from '../element.ts';
import { formatNumber, t } from '../i18n.ts';
import type { PageContext } from '../page-context.ts';
import { COMPLIANCE, type Compliance } from '../types.ts';

interface Overview {
  devices: number;
  compliance: Record<Compliance, number>;
  pendingExceptions: number;
}

export async function overviewPage(ctx: PageContext): Promise<void> {
  const [overview, blocks] = await Promise.all([api<Overview>('GET', '/admin/v1/overview'), api<BlocksSeries>('GET', '/admin/v1/stats/blocks?days=30')]);
  const card = (href: string, label: string, n: number, state: string) =>
    h('li', {}, h('a', { class: `card state-${state}`, href, 'data-testid': `count-${state}` }, h('span', { class: 'number' }, formatNumber(n)), h('span', { class: 'label' }, label)));
  ctx.main.replaceChildren(
    h('h1', {}, t('nav.overview')),
    h('p', {}, h('a', { href: '/devices' }, t('overview.devices', { n: formatNumber(overview.devices) }))),
    h('ul', { class: 'cards' },
      COMPLIANCE.filter((c) => c !== 'revoked').map((c) => card(`/devices?compliance=${c}`, t(`compliance.${c}`), overview.compliance[c], c)),
      card('/exceptions?status=pending', t('overview.pending'), overview.pendingExceptions, 'pending')),
    blocksChart(blocks),
  );
}
