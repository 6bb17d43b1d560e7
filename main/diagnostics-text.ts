// The facts a help desk asks for, as plain text for the clipboard: versions, device, policy, sync, health and
// the latest events. English on purpose: it is read by IT, not by the user.
import type { StatusSnapshot } from '../ui-shared/cordon-bridge.ts';
import { trayState } from '../ui-shared/tray-state.ts';

export function diagnosticsText(snapshot: StatusSnapshot, trayVersion: string, now: Date = new Date()): string {
  const lines = [`Cordon diagnostics ${now.toISOString()}`, `tray: ${trayVersion}, state ${trayState(snapshot, now)}`];
  const s = snapshot.status;
  if (!snapshot.reachable || !s) {
    lines.push(`agent: not reachable${snapshot.problem ? ` (${snapshot.problem})` : ''}`);
    return lines.join('\n') + '\n';
  }
  lines.push(
    `agent: ${s.agentVersion}, pid ${s.pid}, ${s.scope} scope${snapshot.inProcess ? ', in-process (no agent service answered)' : ''}, started ${s.startedAt}, ${s.platform}`,
    `device: ${s.enrolment.deviceId ?? '(not enrolled)'}, enrolment ${s.enrolment.state}${s.enrolment.error ? ` (${s.enrolment.error})` : ''}`,
    `mode: ${s.mode}`,
    `policy: ${s.policy.id} "${s.policy.name}" from ${s.policy.source}, serial ${s.policy.serial ?? '-'}, digest ${s.policy.digest}, loaded ${s.policy.loadedAt}`,
    `sync: ${s.sync.state}${s.sync.serverUrl ? ` ${s.sync.serverUrl}` : ''}${s.sync.lastSuccessAt ? `, last success ${s.sync.lastSuccessAt}` : ''}${s.sync.lastAttemptAt ? `, last attempt ${s.sync.lastAttemptAt}` : ''}${s.sync.lastError ? `, error: ${s.sync.lastError}` : ''}`,
    `queue: ${s.queue.pending} pending, ${s.queue.dropped} dropped`,
    `watcher: ${s.health.watcher}, every ${s.health.scanIntervalMs} ms, ${s.health.processesSeen} processes seen, last scan ${s.health.lastScanAt ?? '-'}`,
    `problems: ${s.health.problems.length ? s.health.problems.join(' | ') : 'none'}`,
    `restricted tools: ${s.restrictedTools.length}`,
    'recent events:',
    ...s.recentEvents.slice(0, 10).map((e) => `  ${e.at} ${e.type}${e.toolId ? ` ${e.toolId}` : ''}${e.pid ? ` pid ${e.pid}` : ''}${e.message ? ` — ${e.message}` : ''}`),
  );
  return lines.join('\n') + '\n';
}
