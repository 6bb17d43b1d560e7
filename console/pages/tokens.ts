// Tokens: make an admin or viewer token (shown once, then only its hash is kept) and revoke one.
import { api, ApiError } from '../api.ts';
import { h } from '../element.ts';
import { formatTime, t } from '../i18n.ts';
import { canChange, type PageContext } from '../page-context.ts';
import { dataTable } from '../table.ts';

interface Token {
  id: string;
  name: string;
  role: string;
  createdAt: string;
  revoked: boolean;
}

export async function tokensPage(ctx: PageContext): Promise<void> {
  if (!canChange(ctx)) {
    ctx.main.replaceChildren(h('h1', {}, t('nav.tokens')), h('p', {}, t('tokens.needsAdmin')));
    return;
  }
  const { tokens } = await api<{ tokens: Token[] }>('GET', '/admin/v1/tokens');
  const fail = (err: unknown) => ctx.announce(t('error', { message: err instanceof ApiError ? err.message : String(err) }), 'error');
  const name = h('input', { id: 'token-name', required: true, maxlength: 128 });
  const role = h('select', { id: 'token-role' }, h('option', { value: 'viewer' }, t('role.viewer')), h('option', { value: 'admin' }, t('role.admin')));
  const shown = h('div', { class: 'shown-once', hidden: true });
  const form = h('form', { class: 'inline-form' },
    h('div', { class: 'field' }, h('label', { for: 'token-name' }, t('col.name')), name),
    h('div', { class: 'field' }, h('label', { for: 'token-role' }, t('col.role')), role),
    h('button', { type: 'submit' }, t('tokens.create')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    api<{ token: string }>('POST', '/admin/v1/tokens', { name: name.value.trim(), role: role.value }).then((made) => {
      shown.hidden = false;
      shown.replaceChildren(h('p', { role: 'alert' }, t('tokens.created')), h('input', { readonly: true, value: made.token, 'aria-label': t('signin.token'), id: 'new-token', class: 'mono' }));
      (shown.querySelector('input') as HTMLInputElement).select();
      void refreshList();
    }, fail);
  });
  const list = h('div');
  const refreshList = async () => {
    const { tokens: now } = await api<{ tokens: Token[] }>('GET', '/admin/v1/tokens');
    list.replaceChildren(table(now));
  };
  const table = (rows: Token[]) => dataTable(t('nav.tokens'), [t('col.name'), t('col.role'), t('col.created'), t('col.status'), ''], rows.map((tok) => [
    tok.name, tok.role, formatTime(tok.createdAt), tok.revoked ? t('tokens.revoked') : t('tokens.active'),
    tok.revoked ? '' : h('button', { type: 'button', class: 'danger', onclick: () => void api('DELETE', `/admin/v1/tokens/${encodeURIComponent(tok.id)}`).then(refreshList, fail) }, t('tokens.revoke', { name: tok.name })),
  ]));
  list.replaceChildren(table(tokens));
  ctx.main.replaceChildren(h('h1', {}, t('nav.tokens')), form, shown, list);
}
