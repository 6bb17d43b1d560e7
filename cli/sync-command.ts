// `cordon sync`: asks the running agent to sync with its server now (policy, exception requests, events,
// heartbeat) and says what happened.
import { requestAgent } from '../agent/status-client.ts';
import type { SyncAnswerBody } from '../agent/sync/status-answers.ts';
import type { EnrolmentInfo, PolicyInfo, SyncInfo } from '../agent/status-types.ts';
import { EXIT, parseFlags, UsageError, type Command } from './command.ts';

const USAGE = `cordon sync [--socket PATH] [--json]
      asks the running agent to fetch its policy, send its events and report to its server now.
      Exit 0 when everything worked, 1 when something failed (the agent keeps its last good policy).`;

/** What an agent answers; older or unconnected agents send only some of it. */
type Answer = Partial<SyncAnswerBody> & { sync?: SyncInfo; policy?: PolicyInfo; enrolment?: EnrolmentInfo; error?: string; message?: string };

export const syncCommand: Command = {
  name: 'sync',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseFlags(args, { socket: { type: 'string' }, json: { type: 'boolean' } });
    if (positionals.length) throw new UsageError(`unexpected "${positionals[0]}"`);
    const { status, body } = await requestAgent<Answer>('POST', '/v1/sync', undefined, values.socket);
    if (values.json) process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    else process.stdout.write(describe(status, body));
    return status === 200 && body.sync?.state !== 'not-configured' ? EXIT.ok : EXIT.failed;
  },
};

function describe(status: number, a: Answer): string {
  if (a.error) return `The agent refused: ${a.message ?? a.error}\n`;
  if (!a.sync || a.sync.state === 'not-configured')
    return 'This agent is not connected to a Cordon server (no managed configuration), so there is nothing to sync.\n';
  const lines: string[] = [];
  const server = a.sync.serverUrl ?? 'the server';
  const policy = a.policy ? `"${a.policy.name}"${a.policy.serial !== null ? ` serial ${a.policy.serial}` : ''} (${a.policy.source})` : 'unknown';
  const result = a.policyResult?.result;
  if (status === 200) lines.push(`Synced with ${server}.`);
  else lines.push(`Sync with ${server} did not fully work:`, ...(a.errors ?? [a.sync.lastError ?? `HTTP ${status}`]).map((e) => `  - ${e}`));
  if (result === 'updated') lines.push(`Policy: ${policy} — new, now in force.`);
  else if (result === 'unchanged') lines.push(`Policy: ${policy} — unchanged.`);
  else lines.push(`Policy in force: ${policy} — kept${result === 'rejected' ? ` (the server's bundle was rejected: ${a.policyResult?.reason})` : ''}.`);
  if (a.enrolment) lines.push(`Device: ${a.enrolment.state === 'enrolled' ? `enrolled as ${a.enrolment.deviceId}` : a.enrolment.state}${a.enrolment.tokenStorage ? `, token in the ${a.enrolment.tokenStorage === 'keychain' ? 'OS keychain' : 'root-only file'}` : ''}.`);
  if (a.queue) lines.push(`Events: ${a.uploaded ?? 0} sent now, ${a.queue.pending} waiting${a.queue.dropped ? `, ${a.queue.dropped} dropped (journal full)` : ''}.`);
  const requests = a.exceptionRequests ?? [];
  if (requests.length) lines.push(`Exception requests: ${requests.map((r) => `${r.toolId} ${r.status}`).join(', ')}.`);
  return `${lines.join('\n')}\n`;
}
