// Sign in with an admin or viewer token. The token goes once to POST /admin/v1/session and is then forgotten: the
// browser keeps only the HttpOnly session cookie.
import { api, ApiError, type Session } from '../api.ts';
import { h } from '../element.ts';
import { t } from '../i18n.ts';

export function signInPage(main: HTMLElement, signedIn: (s: Session) => void): void {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'current-password', required: true, 'aria-describedby': 'token-hint' });
  const error = h('p', { class: 'announce error', role: 'alert', hidden: true });
  const form = h('form', { class: 'sign-in' },
    h('h1', {}, t('signin.title')),
    h('label', { for: 'token' }, t('signin.token')), input,
    h('p', { id: 'token-hint', class: 'hint' }, t('signin.hint')),
    error,
    h('button', { type: 'submit' }, t('signin.submit')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const token = input.value.trim();
    input.value = '';
    api<Session>('POST', '/admin/v1/session', { token }).then(signedIn, (err: unknown) => {
      error.hidden = false;
      error.textContent = t('signin.failed', { message: err instanceof ApiError ? err.message : String(err) });
      input.focus();
    });
  });
  main.replaceChildren(form);
  input.focus();
}
