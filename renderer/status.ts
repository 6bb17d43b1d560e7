// The status window page. Everything it shows comes from window.cordon (the preload bridge); every string from
// the agent goes into the page as text, never as markup, since tool names and messages come from process data.
import type { AgentEvent, ExceptionRequestInfo, RestrictedTool } from '../agent/status-types.ts';
import { stateLabel, stateSentence, trayState } from '../ui-shared/tray-state.ts';
import { formatTime, uiLocale } from '../ui-shared/ui-locale.ts';
import { pickText, vendorFor } from '../policy/localized-text.ts';
import type { CordonBridge, StatusSnapshot } from '../ui-shared/cordon-bridge.ts';
import { format, MESSAGES } from './i18n.ts';

declare global {
  interface Window {
    cordon: CordonBridge;
  }
}

const locale = uiLocale(navigator.languages.length ? navigator.languages : [navigator.language]);
const t = MESSAGES[locale];
const bridge = window.cordon;
const SHOWN_EVENTS: ReadonlySet<AgentEvent['type']> = new Set(['block', 'would-block', 'block-failed', 'warn']);

let current: StatusSnapshot | undefined;
let highlighted: string | undefined;
const lastRendered = new Map<string, string>();

/** Rebuilds a part only when its data changed, so a refresh never takes the keyboard focus away. */
function changed(part: string, data: unknown): boolean {
  const key = JSON.stringify(data);
  if (lastRendered.get(part) === key) return false;
  lastRendered.set(part, key);
  return true;
}

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`status.html has no #${id}`);
  return el;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: { text?: string; cls?: string; attrs?: Record<string, string> } = {}, children: Node[] = []): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.text !== undefined) node.textContent = props.text;
  if (props.cls) node.className = props.cls;
  for (const [k, v] of Object.entries(props.attrs ?? {})) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

/** A link the policy offers: opened by the main process in the default browser, never in this window. */
function externalLink(text: string, url: string): HTMLAnchorElement {
  const a = el('a', { text, attrs: { href: url, rel: 'noreferrer' } });
  a.addEventListener('click', (e) => {
    e.preventDefault();
    void bridge.openExternal(url);
  });
  return a;
}

function staticTexts(): void {
  document.documentElement.lang = locale;
  document.title = t.title;
  $('skip').textContent = t.skipToContent;
  $('state-sentence').textContent = t.checking;
  $('recent-heading').textContent = t.recentHeading;
  $('recent').setAttribute('aria-label', t.recentList);
  $('recent-empty').textContent = t.recentEmpty;
  $('tools-heading').textContent = t.toolsHeading;
  $('exception-heading').textContent = t.exceptionHeading;
  $('exception-intro').textContent = t.exceptionIntro;
  $('label-tool').textContent = t.fieldTool;
  $('label-reason').textContent = t.fieldReason;
  $('label-days').textContent = t.fieldDays;
  $('exception-submit').textContent = t.submit;
  $('requests-heading').textContent = t.requestsHeading;
  $('facts-heading').textContent = t.factsHeading;
  $('copy-diagnostics').textContent = t.copyDiagnostics;
  $('sync-now').textContent = t.syncNow;
}

function render(snapshot: StatusSnapshot): void {
  current = snapshot;
  const now = new Date();
  const state = trayState(snapshot, now);
  const header = $('overall');
  header.dataset.state = state;
  $('state-label').textContent = `Cordon — ${stateLabel(state, locale)}`;
  const sentence = stateSentence(snapshot, locale, now);
  if ($('state-sentence').textContent !== sentence) $('state-sentence').textContent = sentence;
  const inProcess = $('in-process');
  inProcess.hidden = !snapshot.inProcess;
  inProcess.textContent = t.inProcess;
  const s = snapshot.status;
  const minute = now.toISOString().slice(0, 16); // times are shown to the minute
  if (changed('events', [s?.recentEvents, highlighted, minute])) renderEvents(s?.recentEvents ?? [], s?.restrictedTools ?? [], now);
  if (changed('tools', [s?.restrictedTools, s?.mode])) renderTools(s?.restrictedTools ?? [], s?.mode === 'monitor');
  $('tools-empty').textContent = s ? t.toolsEmpty : t.toolsUnknown;
  renderToolChoices(s?.restrictedTools ?? []);
  if (changed('requests', [s?.exceptionRequests, minute])) renderRequests(s?.exceptionRequests ?? [], s?.restrictedTools ?? [], now);
  if (changed('facts', [snapshot.reachable, snapshot.problem, s && { ...s, recentEvents: undefined, restrictedTools: undefined, health: undefined, pid: undefined }, minute])) renderFacts(snapshot, now);
}

function toolName(id: string | undefined, tools: readonly RestrictedTool[]): string {
  return tools.find((x) => x.toolId === id)?.name ?? id ?? t.unknown;
}

function renderEvents(events: AgentEvent[], tools: RestrictedTool[], now: Date): void {
  const list = $('recent');
  const shown = events.filter((e) => SHOWN_EVENTS.has(e.type));
  const what: Record<string, string> = { block: t.whatBlock, 'would-block': t.whatWouldBlock, 'block-failed': t.whatBlockFailed, warn: t.whatWarn };
  list.replaceChildren(
    ...shown.map((e) => {
      const name = e.toolName ?? toolName(e.toolId, tools);
      const detail = `${what[e.type]}${e.pid ? ` · ${t.pid} ${e.pid}` : ''}${e.user ? ` · ${e.user}` : ''}`;
      const li = el('li', { attrs: { 'data-event-id': e.id, 'data-type': e.type, tabindex: '-1' } }, [
        el('time', { text: formatTime(e.at, locale, now), attrs: { datetime: e.at } }),
        el('strong', { text: name }),
        el('span', { cls: 'what', text: detail }),
      ]);
      if (e.id === highlighted) li.classList.add('highlight');
      return li;
    }),
  );
  list.hidden = shown.length === 0;
  $('recent-empty').hidden = shown.length > 0;
}

// In monitor mode nothing is stopped: a blocking rule only records what it would have done.
const ACTION_LABEL = (monitor: boolean) => ({ block: monitor ? t.actionWouldBlock : t.actionBlock, warn: t.actionWarn, audit: t.actionAudit, allow: t.actionAllow });

function actionLabel(tool: RestrictedTool, monitor: boolean): string {
  return tool.allowedThrough ? format(t.actionAllowThrough, { endpoints: tool.allowedThrough.join(', ') }) : ACTION_LABEL(monitor)[tool.action];
}

function renderTools(tools: RestrictedTool[], monitor: boolean): void {
  const list = $('tools');
  // Keep which tools are open across refreshes.
  const open = new Set([...list.querySelectorAll('details[open]')].map((d) => d.getAttribute('data-tool-id')));
  list.replaceChildren(
    ...tools.map((tool) => {
      const body = el('div', { cls: 'tool-body' }, [el('p', {}, [el('span', { cls: 'label', text: t.why }), document.createTextNode(pickText(tool.reason, locale))])]);
      if (tool.exception) body.append(el('p', { text: format(t.exceptionUntil, { date: formatTime(tool.exception.expires, locale) }) }));
      if (tool.alternatives.length) {
        body.append(
          el('p', {}, [el('span', { cls: 'label', text: t.alternatives })]),
          el(
            'ul',
            {},
            tool.alternatives.map((a) => el('li', {}, [a.url ? externalLink(a.name, a.url) : document.createTextNode(a.name), ...(a.description ? [document.createTextNode(` — ${pickText(a.description, locale)}`)] : [])])),
          ),
        );
      }
      const links = el('div', { cls: 'link-row' });
      if (tool.moreInfoUrl) links.append(externalLink(t.learnMore, tool.moreInfoUrl));
      const ask = el('button', { text: t.askException, cls: 'secondary', attrs: { type: 'button', 'aria-label': `${t.askException}: ${tool.name}` } });
      ask.addEventListener('click', () => {
        ($('exception-tool') as HTMLSelectElement).value = tool.toolId;
        $('exception-reason').focus();
      });
      links.append(ask);
      body.append(links);
      const details = el('details', { attrs: { 'data-tool-id': tool.toolId } }, [
        el('summary', { attrs: { 'aria-label': `${tool.name}, ${vendorFor(tool, locale)}: ${actionLabel(tool, monitor)}` } }, [
          el('span', { cls: 'name', text: tool.name }),
          el('span', { cls: 'vendor', text: vendorFor(tool, locale) }),
          el('span', { cls: `tag ${tool.action}`, text: actionLabel(tool, monitor) }),
        ]),
        body,
      ]);
      details.open = open.has(tool.toolId);
      return el('li', {}, [details]);
    }),
  );
  $('tools-empty').hidden = tools.length > 0;
}

function renderToolChoices(tools: RestrictedTool[]): void {
  const select = $('exception-tool') as HTMLSelectElement;
  const ids = tools.map((x) => x.toolId).join(',');
  if (select.dataset.ids === ids) return;
  const keep = select.value;
  select.dataset.ids = ids;
  select.replaceChildren(el('option', { text: '—', attrs: { value: '' } }), ...tools.map((x) => el('option', { text: x.name, attrs: { value: x.toolId } })));
  select.value = tools.some((x) => x.toolId === keep) ? keep : '';
  const usable = tools.length > 0 && current?.reachable === true;
  for (const id of ['exception-tool', 'exception-reason', 'exception-days', 'exception-submit']) ($(id) as HTMLInputElement).disabled = !usable;
}

function requestStatusText(status: ExceptionRequestInfo['status']): string {
  return { queued: t.statusQueued, pending: t.statusPending, approved: t.statusApproved, denied: t.statusDenied, expired: t.statusExpired }[status];
}

function renderRequests(requests: ExceptionRequestInfo[], tools: RestrictedTool[], now: Date): void {
  $('requests-heading').hidden = requests.length === 0;
  $('requests').replaceChildren(
    ...requests.map((r) =>
      el('li', { attrs: { 'data-request-id': r.id } }, [
        document.createTextNode(format(t.requestLine, { tool: toolName(r.toolId, tools), days: r.days, date: formatTime(r.requestedAt, locale, now), status: requestStatusText(r.status) })),
      ]),
    ),
  );
}

function renderFacts(snapshot: StatusSnapshot, now: Date): void {
  const s = snapshot.status;
  const rows: [string, string][] = [];
  if (s) {
    const source = { 'built-in': t.sourceBuiltIn, file: t.sourceFile, server: t.sourceServer }[s.policy.source];
    rows.push([t.factPolicy, `${s.policy.name} (${s.policy.id}${s.policy.serial !== null ? ` #${s.policy.serial}` : ''}, ${source}, ${s.policy.digest.slice(0, 12)})`]);
    const sync = s.sync;
    const when = sync.lastAttemptAt ? formatTime(sync.lastAttemptAt, locale, now) : '';
    rows.push([
      t.factLastSync,
      sync.state === 'not-configured'
        ? t.syncNotConfigured
        : sync.state === 'never'
          ? t.syncNever
          : sync.state === 'ok'
            ? format(t.syncOk, { date: formatTime(sync.lastSuccessAt ?? sync.lastAttemptAt ?? '', locale, now) })
            : format(t.syncError, { date: when, error: sync.lastError ?? t.unknown }),
    ]);
    rows.push([t.factDevice, s.enrolment.deviceId ?? t.notEnrolled]);
    rows.push([t.factAgent, `${s.agentVersion} (${s.platform}, ${s.scope})`]);
    rows.push([t.factMode, s.mode === 'monitor' ? t.modeMonitor : t.modeEnforce]);
  } else {
    rows.push([t.factProblem, snapshot.problem ?? t.unknown]);
  }
  $('facts').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
  $('sync-now').hidden = !s || s.sync.state === 'not-configured';
}

function say(id: string, text: string, ok: boolean): void {
  const out = $(id);
  out.dataset.ok = String(ok);
  out.textContent = text;
}

async function submitException(e: SubmitEvent): Promise<void> {
  e.preventDefault();
  const toolId = ($('exception-tool') as HTMLSelectElement).value;
  const reason = ($('exception-reason') as HTMLTextAreaElement).value.trim();
  const days = Number(($('exception-days') as HTMLInputElement).value);
  const problem = !toolId ? ['exception-tool', t.needTool] : !reason ? ['exception-reason', t.needReason] : !Number.isInteger(days) || days < 1 || days > 90 ? ['exception-days', t.needDays] : undefined;
  for (const id of ['exception-tool', 'exception-reason', 'exception-days']) $(id).removeAttribute('aria-invalid');
  if (problem) {
    $(problem[0]!).setAttribute('aria-invalid', 'true');
    say('exception-result', problem[1]!, false);
    $(problem[0]!).focus();
    return;
  }
  const button = $('exception-submit') as HTMLButtonElement;
  button.disabled = true;
  say('exception-result', t.sending, true);
  try {
    const result = await bridge.requestException({ toolId, reason, days });
    if (result.ok) {
      say('exception-result', format(t.sent, { status: requestStatusText(result.request.status) }), true);
      ($('exception-reason') as HTMLTextAreaElement).value = '';
      render(await bridge.getStatus());
    } else {
      say('exception-result', format(t.notSent, { message: result.message }), false);
    }
  } finally {
    button.disabled = false;
  }
}

function showEvent(id: string): void {
  highlighted = id;
  if (current) render(current);
  const li = document.querySelector<HTMLElement>(`[data-event-id="${CSS.escape(id)}"]`);
  li?.scrollIntoView({ block: 'center' });
  li?.focus();
}

async function start(): Promise<void> {
  staticTexts();
  $('exception-form').addEventListener('submit', (e) => void submitException(e as SubmitEvent));
  $('copy-diagnostics').addEventListener('click', () => {
    void bridge.copyDiagnostics().then(() => say('facts-result', t.copied, true));
  });
  $('sync-now').addEventListener('click', () => {
    void bridge.syncNow().then((r) => say('facts-result', r.ok ? t.syncDone : format(t.syncFailed, { message: r.message }), r.ok));
  });
  bridge.onStatus(render);
  bridge.onShowEvent(showEvent);
  render(await bridge.getStatus());
  document.body.dataset.ready = 'true';
}

void start();
