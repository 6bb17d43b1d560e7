// The console's shell: sign-in, the navigation, language and theme, and a router over the History API (so the
// filters of a list live in its URL, and back/forward work).
import { api, ApiError, setSession, whenSignedOut, type Session } from './api.ts';
import { h, replaceChildren } from './element.ts';
import { currentLocale, LOCALES, setLocale, t, type Locale, type MessageKey } from './i18n.ts';
import type { PageContext } from './page-context.ts';
import { auditPage } from './pages/audit.ts';
import { devicePage } from './pages/device.ts';
import { devicesPage } from './pages/devices.ts';
import { eventsPage } from './pages/events.ts';
import { exceptionsPage } from './pages/exceptions.ts';
import { overviewPage } from './pages/overview.ts';
import { policiesPage } from './pages/policies.ts';
import { signInPage } from './pages/sign-in.ts';
import { tokensPage } from './pages/tokens.ts';
import { applyTheme, currentTheme, type Theme } from './theme.ts';

type Page = (ctx: PageContext) => Promise<void> | void;
const ROUTES: { pattern: RegExp; keys: string[]; page: Page; nav?: MessageKey }[] = [
  { pattern: /^\/$/, keys: [], page: overviewPage, nav: 'nav.overview' },
  { pattern: /^\/devices$/, keys: [], page: devicesPage, nav: 'nav.devices' },
  { pattern: /^\/devices\/([^/]+)$/, keys: ['id'], page: devicePage },
  { pattern: /^\/events$/, keys: [], page: eventsPage, nav: 'nav.events' },
  { pattern: /^\/exceptions$/, keys: [], page: exceptionsPage, nav: 'nav.exceptions' },
  { pattern: /^\/policies$/, keys: [], page: policiesPage, nav: 'nav.policies' },
  { pattern: /^\/audit$/, keys: [], page: auditPage, nav: 'nav.audit' },
  { pattern: /^\/tokens$/, keys: [], page: tokensPage, nav: 'nav.tokens' },
];
const NAV: { path: string; key: MessageKey }[] = [
  { path: '/', key: 'nav.overview' },
  { path: '/devices', key: 'nav.devices' },
  { path: '/events', key: 'nav.events' },
  { path: '/exceptions', key: 'nav.exceptions' },
  { path: '/policies', key: 'nav.policies' },
  { path: '/audit', key: 'nav.audit' },
  { path: '/tokens', key: 'nav.tokens' },
];

const app = document.getElementById('app')!;
let session: Session | undefined;

const region = h('p', { id: 'announce', class: 'announce', role: 'status', 'aria-live': 'polite' });
let focusMain = false;

function navigate(path: string): void {
  history.pushState(null, '', path);
  void render();
}

function settings(): HTMLElement {
  const lang = h('select', { id: 'language', onchange: (e: Event) => { setLocale((e.target as HTMLSelectElement).value as Locale); void render(); } },
    LOCALES.map((l) => h('option', { value: l.id, selected: l.id === currentLocale(), lang: l.id }, l.name)));
  const theme = h('select', { id: 'theme', onchange: (e: Event) => applyTheme((e.target as HTMLSelectElement).value as Theme) },
    (['system', 'light', 'dark'] as const).map((id) => h('option', { value: id, selected: id === currentTheme() }, t(`theme.${id}`))));
  return h('div', { class: 'settings' }, h('label', { for: 'language' }, t('language')), lang, h('label', { for: 'theme' }, t('theme')), theme);
}

function announce(region: HTMLElement, message: string, kind: 'ok' | 'error' = 'ok'): void {
  region.className = `announce ${kind}`;
  region.textContent = message;
}

async function render(): Promise<void> {
  document.documentElement.lang = currentLocale();
  document.getElementById('skip')!.textContent = t('skip');
  const url = new URL(location.href);
  if (!session) {
    try {
      session = await api<Session>('GET', '/admin/v1/session');
      setSession(session);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) throw err;
    }
  }
  const main = h('main', { id: 'main', tabindex: '-1' });
  if (!session) {
    document.title = `${t('signin.title')} — Cordon`;
    replaceChildren(app, h('header', { class: 'top' }, h('span', { class: 'brand' }, 'Cordon'), settings()), main);
    signInPage(main, (s) => {
      session = s;
      setSession(s);
      navigate(url.pathname === '/sign-in' ? '/' : url.pathname + url.search);
    });
    return;
  }
  const route = ROUTES.find((r) => r.pattern.test(url.pathname)) ?? ROUTES[0]!;
  const match = route.pattern.exec(url.pathname) ?? [];
  const params = Object.fromEntries(route.keys.map((k, i) => [k, decodeURIComponent(match[i + 1] ?? '')]));
  const current = route.nav ?? (url.pathname.startsWith('/devices') ? 'nav.devices' : undefined);
  const nav = h('nav', { 'aria-label': t('nav.label') }, h('ul', {}, NAV.map((n) => h('li', {}, h('a', { href: n.path, 'aria-current': n.key === current ? 'page' : null }, t(n.key))))));
  const who = h('div', { class: 'who' }, h('span', {}, `${session.name} · ${t(session.role === 'admin' ? 'role.admin' : 'role.viewer')}`),
    h('button', { type: 'button', onclick: () => void signOut() }, t('signout')));
  replaceChildren(app, h('header', { class: 'top' }, h('a', { class: 'brand', href: '/' }, 'Cordon'), nav, who, settings()),
    session.role === 'viewer' ? h('p', { class: 'readonly-banner' }, t('readonly')) : null, region, main);
  document.title = `${current ? t(current) : t('nav.devices')} — ${t('app.title')}`;
  main.append(h('p', { class: 'loading' }, t('loading')));
  try {
    await route.page({ main, url, params, session, navigate, announce: (m, k) => announce(region, m, k) });
    main.querySelector('.loading')?.remove();
    if (focusMain) main.focus();
    focusMain = false;
  } catch (err) {
    replaceChildren(main, h('p', { class: 'announce error', role: 'alert' }, t('error', { message: (err as Error).message })));
  }
}

async function signOut(): Promise<void> {
  await api('DELETE', '/admin/v1/session').catch(() => {});
  session = undefined;
  setSession(undefined);
  navigate('/sign-in');
}

whenSignedOut(() => {
  session = undefined;
  setSession(undefined);
});

// Same-origin links navigate inside the console; downloads (CSV) and the API itself go to the browser.
document.addEventListener('click', (e) => {
  const a = (e.target as Element).closest?.('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.hasAttribute('download') || a.target) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/admin/') || url.pathname.startsWith('/v1/')) return;
  e.preventDefault();
  // Following a link clears the last announcement and moves the focus to the new page's content; a page that
  // re-renders itself after an action keeps both.
  region.textContent = '';
  focusMain = true;
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', () => void render());
applyTheme();
void render();
