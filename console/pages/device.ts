// One device: what it is, its heartbeat health, installed AI CLIs, its recent events, its exception requests, and
// revoking it.
import { api, ApiError, query } from '../api.ts';
import { h, replaceChildren } from '../element.ts';
import { formatTime, t } from '../i18n.ts';
import { canChange, type PageContext } from '../page-context.ts';
import { dataTable } from '../table.ts';
import type { Device, ExceptionRequest, StoredEvent } from '../types.ts';
import { complianceBadge } from './devices.ts';
import { eventsTable } from './event-rows.ts';
import { exceptionsTable } from './exception-rows.ts';

export async function devicePage(ctx: PageContext): Promise<void> {
  const id = ctx.params.id!;
  const [device, events, requests] = await Promise.all([
    api<Device>('GET', `/admin/v1/devices/${encodeURIComponent(id)}`),
    api<{ events: StoredEvent[] }>('GET', `/admin/v1/events${query({ device: id, limit: 50 })}`),
    api<{ requests: ExceptionRequest[] }>('GET', `/admin/v1/exception-requests${query({ device: id, limit: 100 })}`),
  ]);
  const refresh = () => ctx.navigate(ctx.url.pathname);
  const facts: [string, Node | string][] = [
    [t('col.compliance'), complianceBadge(device.compliance)],
    [t('col.user'), device.user],
    [t('col.os'), `${device.os} ${device.arch}`],
    [t('col.agent'), `${device.agentVersion}${device.mode ? ` (${device.mode})` : ''}`],
    [t('col.policy'), `${device.policy.id ?? '—'} (${device.policy.serialInForce ?? '—'} / ${device.policy.serialIssued})`],
    [t('col.lastSeen'), formatTime(device.lastSeenAt)],
    [t('device.groups'), device.groups.join(', ') || '—'],
  ];
  const revoke = canChange(ctx) && !device.revoked
    ? h('button', {
        type: 'button',
        class: 'danger',
        onclick: () => {
          if (!confirm(t('device.revokeConfirm', { host: device.hostname }))) return;
          api('POST', `/admin/v1/devices/${encodeURIComponent(id)}/revoke`, {}).then(() => { ctx.announce(t('device.revoked')); refresh(); },
            (err: unknown) => ctx.announce(t('error', { message: err instanceof ApiError ? err.message : String(err) }), 'error'));
        },
      }, t('device.revoke'))
    : null;
  replaceChildren(ctx.main,
    h('h1', {}, device.hostname),
    h('dl', { class: 'facts' }, facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    revoke,
    h('section', { 'aria-labelledby': 'health-h' }, h('h2', { id: 'health-h' }, t('device.health')),
      device.healthProblems.length ? h('ul', { class: 'problems' }, device.healthProblems.map((p) => h('li', {}, p))) : h('p', {}, t('device.healthy'))),
    dataTable(t('device.installed'), [t('col.tool'), t('col.name'), 'Path', t('col.status')], device.installed.map((i) => [i.toolId, i.name, h('code', {}, i.path), i.state])),
    eventsTable(t('device.timeline'), events.events, false),
    exceptionsTable(ctx, t('device.exceptions'), requests.requests, refresh),
  );
}
