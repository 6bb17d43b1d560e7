// A sync harness, NOT the agent: a process with the managed config (CORDON_CONFIG), a SyncAgent on its state dir
// and the local status API on a socket, wired the way agent-runtime wires them, but with no process watcher and
// no enforcement. For sync-level cases that need events on demand: it reads "record PREFIX N" on stdin and says
// on stdout which events counted ("R id"). Tests about the agent as shipped run `cordon agent` instead
// (test/support/agent-process.ts; the outage and kill -9 cases in end-to-end.test.ts).
import { createInterface } from 'node:readline';
import { builtInPolicy, policyDigest, type CompiledPolicy } from '../../policy/index.ts';
import { UserDirectory } from '../../agent/process/user-directory.ts';
import { statusFor } from '../../agent/status-caller.ts';
import { StatusServer } from '../../agent/status-server.ts';
import { STATUS_API_VERSION, type AgentStatus, type PolicyInfo } from '../../agent/status-types.ts';
import { loadManagedConfig } from '../../agent/sync/managed-config.ts';
import { exceptionRequestAnswer, syncAnswer } from '../../agent/sync/status-answers.ts';
import { SyncAgent } from '../../agent/sync/sync-agent.ts';

const [stateDir, socket] = process.argv.slice(2) as [string, string];
const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const config = loadManagedConfig();
if (!config) throw new Error('no managed config (set CORDON_CONFIG)');

// The built-in default until the server's policy arrives (compiled only when needed: it takes a while).
let policy: CompiledPolicy | undefined;
let policyInfo: PolicyInfo | undefined;
const inForce = (): { policy: CompiledPolicy; info: PolicyInfo } => {
  if (!policy || !policyInfo) {
    policy = builtInPolicy();
    policyInfo = { id: policy.policyId, name: policy.name, source: 'built-in', serial: null, digest: policyDigest(policy), loadedAt: new Date().toISOString() };
  }
  return { policy, info: policyInfo };
};
const startedAt = new Date().toISOString();

const agent = await SyncAgent.open({
  config,
  stateDir,
  agentVersion: '0.1.0-e2e',
  onPolicy: (p, info) => {
    policy = p;
    policyInfo = info;
  },
  health: () => {
    const { policy: p, info } = inForce();
    return { mode: p.mode, policy: { id: info.id, serial: info.serial, digest: info.digest }, watcher: 'none (sync harness)', problems: [], installed: [] };
  },
  keychain: process.env.CORDON_TEST_KEYCHAIN ? { service: process.env.CORDON_TEST_KEYCHAIN } : false,
  requestTimeoutMs: env('CORDON_TEST_TIMEOUT_MS', 2000),
  uploadDelayMs: env('CORDON_TEST_UPLOAD_DELAY_MS', 20),
  backoff: { baseMs: env('CORDON_TEST_BACKOFF_MS', 100), maxMs: env('CORDON_TEST_BACKOFF_MAX_MS', 1000) },
});

function status(): AgentStatus {
  const s = agent.info();
  const { policy: p, info } = inForce();
  return {
    apiVersion: STATUS_API_VERSION,
    agentVersion: '0.1.0-e2e',
    pid: process.pid,
    startedAt: new Date().toISOString(),
    platform: process.platform,
    scope: 'user',
    mode: p.mode,
    policy: info,
    sync: s.sync,
    enrolment: s.enrolment,
    queue: s.queue,
    restrictedTools: [],
    recentEvents: [],
    installed: [],
    exceptionRequests: s.exceptionRequests,
    // No watcher here: lastScanAt stays at start, so nothing can read enforcement into this harness.
    health: { watcher: 'none (sync harness)', scanIntervalMs: 0, lastScanAt: startedAt, processesSeen: 0, problems: s.problems },
  };
}

const users = new UserDirectory();
const server = new StatusServer(
  socket,
  {
    status: (caller) => statusFor(caller, status()),
    eventsAfter: () => [],
    sync: (caller) => syncAnswer(agent, () => inForce().info, caller),
    requestException: (input, caller) => exceptionRequestAnswer(agent, input, caller.name!),
    userName: (uid) => users.nameOf(uid),
  },
  false,
);
await server.listen();
process.stdout.write(`ready ${process.pid}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, prefix, count] = line.trim().split(/\s+/);
  if (cmd !== 'record' || !prefix) return;
  for (let i = 0; i < Number(count ?? 1); i++) {
    const id = `${prefix}-${i}`;
    agent.record({ id, type: 'block', at: new Date().toISOString(), toolId: 'codex', toolName: 'Codex CLI', message: `codex stopped (${id})` });
    process.stdout.write(`R ${id}\n`);
  }
});

const shutdown = async () => {
  await server.close();
  await agent.stop();
  process.exit(0);
};
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
