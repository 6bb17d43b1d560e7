// Exception requests as a table: a pending one has its expiry and note fields and Approve / Deny buttons (one
// click each, each labelled with whose request it answers); a decided one shows the decision.
import { api, ApiError } from '../api.ts';
import { h } from '../element.ts';
import { formatTime, t } from '../i18n.ts';
import { canChange, type PageContext } from '../page-context.ts';
import { dataTable } from '../table.ts';
import type { ExceptionRequest } from '../types.ts';

function decision(ctx: PageContext, r: ExceptionRequest, done: () => void): Node | string {
  if (r.status !== 'pending') {
    const status = t(`exceptions.${r.status}` as 'exceptions.pending');
    return [status, r.expires && r.status === 'approved' ? ` ${t('exceptions.until', { expires: formatTime(r.expires) })}` : '', r.decidedBy ? ` · ${r.decidedBy}` : '', r.note ? ` · “${r.note}”` : ''].join('');
  }
  if (!canChange(ctx)) return t('exceptions.pending');
  const vars = { tool: r.toolId, user: r.user, host: r.hostname ?? r.deviceId };
  const days = h('input', { type: 'number', min: 1, max: 365, value: r.days, id: `days-${r.id}`, class: 'days', 'aria-label': t('exceptions.expiryDays', vars) });
  const note = h('input', { type: 'text', id: `note-${r.id}`, maxlength: 2000, 'aria-label': t('exceptions.note', vars), placeholder: t('exceptions.note', vars) });
  const act = (verb: 'approve' | 'deny') => {
    const body = verb === 'approve' ? { days: Number(days.value) || r.days, ...(note.value ? { note: note.value } : {}) } : note.value ? { note: note.value } : {};
    api<ExceptionRequest>('POST', `/admin/v1/exception-requests/${encodeURIComponent(r.id)}/${verb}`, body).then(
      (answered) => {
        ctx.announce(verb === 'approve' ? t('exceptions.approvedMsg', { ...vars, expires: formatTime(answered.expires ?? null) }) : t('exceptions.deniedMsg', vars));
        done();
      },
      (err: unknown) => ctx.announce(t('error', { message: err instanceof ApiError ? err.message : String(err) }), 'error'),
    );
  };
  return h('div', { class: 'decide' }, days, note,
    h('button', { type: 'button', 'aria-label': t('exceptions.approveLabel', vars), onclick: () => act('approve') }, t('exceptions.approve')),
    h('button', { type: 'button', class: 'danger', 'aria-label': t('exceptions.denyLabel', vars), onclick: () => act('deny') }, t('exceptions.deny')));
}

export function exceptionsTable(ctx: PageContext, caption: string, requests: ExceptionRequest[], done: () => void): HTMLElement {
  return dataTable(
    caption,
    [t('col.time'), t('col.device'), t('col.user'), t('col.tool'), t('col.reason'), t('col.days'), t('col.decision')],
    requests.map((r) => [
      formatTime(r.requestedAt),
      h('a', { href: `/devices/${encodeURIComponent(r.deviceId)}` }, r.hostname ?? r.deviceId),
      r.user,
      r.toolId,
      r.reason,
      r.days,
      decision(ctx, r, done),
    ]),
  );
}
