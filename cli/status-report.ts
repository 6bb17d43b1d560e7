// `cordon status` as a person reads it over SSH: one sentence on the state, the facts the help desk asks for,
// what was stopped lately, and which tools are restricted — with the reason in the reader's language.
import { pickText } from '../policy/index.ts';
import { vendorFor } from '../policy/localized-text.ts';
import type { AgentEvent, AgentStatus, RestrictedTool } from '../agent/status-types.ts';
import { terminalSafeLine } from './terminal-text.ts';

const ACTION_WORD: Record<string, string> = { block: 'blocked', warn: 'warned', audit: 'recorded', allow: 'allowed' };

/** "allowed through https://llm.acme.internal only": a rule allows the tool only when it sends there. */
export function allowedThroughText(endpoints: readonly string[]): string {
  return `allowed through ${endpoints.join(' or ')} only`;
}

export function overallState(s: AgentStatus): string {
  const who = s.scope === 'machine' ? "every user's processes" : "this user's processes";
  if (s.mode === 'monitor') return `Monitor mode: banned tools are recorded, not stopped (${who}).`;
  const lastBlock = s.recentEvents.find((e) => e.type === 'block');
  const problems = s.health.problems.length ? ` ${s.health.problems.length} problem(s) need attention (below).` : '';
  const recent = lastBlock && Date.now() - Date.parse(lastBlock.at) < 10 * 60_000 ? ` ${lastBlock.toolName ?? lastBlock.toolId} was stopped ${ago(lastBlock.at)}.` : '';
  return `Protected: restricted AI coding tools are stopped on launch (${who}).${recent}${problems}`;
}

export function formatStatus(s: AgentStatus, locale: string, options: { tool?: string } = {}): string {
  if (options.tool) return formatTool(s, options.tool, locale);
  const lines = [overallState(s), ''];
  const fact = (k: string, v: string) => lines.push(`  ${k.padEnd(14)} ${v}`);
  fact('Policy', `${s.policy.name} (${s.policy.id}, ${s.policy.source}${s.policy.serial !== null ? `, serial ${s.policy.serial}` : ''}) · ${s.mode}`);
  fact('Last sync', syncLine(s));
  fact('Device', s.enrolment.deviceId ? `${s.enrolment.deviceId} (token in ${s.enrolment.tokenStorage === 'file' ? 'a root-only file' : 'the OS keychain'})` : s.enrolment.state === 'not-configured' ? 'not enrolled (no server configured)' : s.enrolment.state);
  fact('Agent', `${s.agentVersion} · pid ${s.pid} · up ${ago(s.startedAt, '')} · ${s.scope} scope · ${s.platform}`);
  fact('Watcher', `${s.health.watcher} every ${s.health.scanIntervalMs} ms · ${s.health.processesSeen} processes known`);
  // A polling engine's why already starts with "<kind> polling".
  if (s.health.engine) fact('Engine', s.health.engine.prevention ? `exec prevention (fanotify): ${s.health.engine.why}` : s.health.engine.why);
  if (s.queue.pending || s.queue.dropped) fact('To report', `${s.queue.pending} event(s) waiting for the server${s.queue.dropped ? `, ${s.queue.dropped} dropped (journal full)` : ''}`);

  const stops = s.recentEvents.filter((e) => e.type !== 'agent.started').slice(0, 10);
  lines.push('', stops.length ? 'Recent events (newest first):' : 'Recent events: none.');
  for (const e of stops) lines.push(`  ${clock(e.at)}  ${eventLine(e)}`);

  if (s.installed.length) {
    lines.push('', 'Installed AI CLIs found on this machine:');
    for (const t of s.installed) lines.push(`  ${t.name.padEnd(20)} ${t.state === 'not-allowed' ? 'installed, not allowed' : t.state}  ${t.path}${t.user ? ` (${t.user})` : ''}`);
  }

  lines.push('', `Restricted tools (${s.restrictedTools.length}):`);
  const byAction = new Map<string, RestrictedTool[]>();
  for (const t of s.restrictedTools) {
    const word = t.exception ? 'allowed by exception' : t.allowedThrough ? allowedThroughText(t.allowedThrough) : (ACTION_WORD[t.action] ?? t.action);
    byAction.set(word, [...(byAction.get(word) ?? []), t]);
  }
  for (const [word, tools] of byAction) lines.push(`  ${word}: ${tools.map((t) => t.name).join(', ')}`);
  // The example is the tool the reader most likely just met: the last one stopped, else the first blocked.
  const lastStopped = s.recentEvents.find((e) => e.type === 'block')?.toolId;
  const sample = s.restrictedTools.find((t) => t.toolId === lastStopped) ?? s.restrictedTools.find((t) => t.action === 'block') ?? s.restrictedTools[0];
  if (sample) {
    lines.push('', `  Why (e.g. ${sample.name}): ${pickText(sample.reason, locale)}`);
    for (const alt of sample.alternatives) lines.push(`  Use instead: ${alt.name}${alt.url ? ` <${alt.url}>` : ''}`);
    lines.push(`  Details for one tool: cordon status --tool ${sample.toolId}`);
  }
  if (s.exceptionRequests.length) {
    lines.push('', 'Your exception requests:');
    for (const r of s.exceptionRequests) lines.push(`  ${r.toolId.padEnd(16)} ${r.status}${r.expires ? ` until ${r.expires}` : ''}  (${r.days} days, asked ${ago(r.requestedAt)})`);
  }
  if (s.health.problems.length) {
    lines.push('', 'Problems:');
    for (const p of s.health.problems) lines.push(`  ! ${p}`);
  }
  return printable(lines);
}

function formatTool(s: AgentStatus, id: string, locale: string): string {
  const t = s.restrictedTools.find((x) => x.toolId === id || x.name.toLowerCase() === id.toLowerCase());
  if (!t) return printable([`${id} is not restricted on this device by policy "${s.policy.name}". Restricted: ${s.restrictedTools.map((x) => x.toolId).join(', ') || 'none'}.`]);
  const state = t.exception ? `allowed by exception ${t.exception.id} until ${t.exception.expires}` : t.allowedThrough ? allowedThroughText(t.allowedThrough) : (ACTION_WORD[t.action] ?? t.action);
  const lines = [`${t.name} (${vendorFor(t, locale)}) — ${state}`, '', `Why: ${pickText(t.reason, locale)}`];
  for (const alt of t.alternatives) lines.push(`Use instead: ${alt.name}${alt.url ? ` <${alt.url}>` : ''}${alt.description ? ` — ${pickText(alt.description, locale)}` : ''}`);
  if (t.moreInfoUrl) lines.push(`More: ${t.moreInfoUrl}`);
  lines.push(`Ask for an exception: ${t.exceptionUrl ?? `cordon request-exception ${t.toolId} --reason "why you need it" --days 7`}`);
  lines.push(`Installed copies: ${t.installed === 'quarantine' ? 'moved to quarantine' : 'reported to IT'}`);
  return printable(lines);
}

/** Events, paths, reasons and server errors come from others: each line is printed without control sequences. */
function printable(lines: string[]): string {
  return `${lines.map(terminalSafeLine).join('\n')}\n`;
}

function syncLine(s: AgentStatus): string {
  const y = s.sync;
  if (y.state === 'not-configured') return 'no server configured: the built-in or local policy applies';
  if (y.state === 'never') return `never synced with ${y.serverUrl ?? 'the server'}`;
  const ok = y.lastSuccessAt ? `${ago(y.lastSuccessAt)} with ${y.serverUrl ?? 'the server'}` : 'never succeeded';
  return y.state === 'error' ? `${ok}; last attempt failed: ${y.lastError ?? 'unknown error'}` : ok;
}

function eventLine(e: AgentEvent): string {
  const who = [e.pid !== undefined ? `pid ${e.pid}` : '', e.user ? `user ${e.user}` : '', e.tty ?? ''].filter(Boolean).join(', ');
  const what = e.message ?? `${e.type} ${e.toolName ?? e.toolId ?? ''}`;
  return who && !what.includes(`pid ${e.pid}`) ? `${what} (${who})` : what;
}

function clock(iso: string): string {
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toTimeString().slice(0, 8) : d.toISOString().slice(0, 16).replace('T', ' ');
}

/** "3 min ago" (or "3 min" with an empty suffix). */
export function ago(iso: string, suffix = ' ago', now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const text = s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min` : s < 86_400 ? `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min` : `${Math.floor(s / 86_400)} d`;
  return `${text}${suffix}`;
}
