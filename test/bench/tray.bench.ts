// npm run bench:tray — what the tray's status polling costs, side by side with the alternatives: the full
// status (what AgentConnection polls every 2 s) vs only new events (GET /v1/events?after=), a fresh connection
// per poll vs a kept-alive one, and the tray's own work per snapshot (state, tooltip, menu). What polling costs
// is CPU time, not wall time: the client's (process.cpuUsage) and the agent's (its threads' schedstat, less what
// it spends idle over as long). Raw results: bench-results/tray.json.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AgentEvent, AgentStatus } from '../../agent/status-types.ts';
import { trayMenu } from '../../main/tray-menu.ts';
import { trayState, trayTooltip } from '../../ui-shared/tray-state.ts';
import { REPO_ROOT } from '../support/cli.ts';
import { startAgent } from '../support/agent-process.ts';
import { startNpmLayoutProcess } from '../support/npm-layout-process.ts';
import { BenchRecord } from './bench-record.ts';
import { processCpuSeconds } from './process-cpu.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1000);
const POLL_SECONDS = 2;
const record = new BenchRecord('tray', { rounds: ROUNDS, pollSeconds: POLL_SECONDS });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function get(socketPath: string, path: string, agent: Agent | false): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

async function time(label: string, fn: () => Promise<unknown> | unknown): Promise<{ label: string; us: number }> {
  for (let i = 0; i < 20; i++) await fn(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < ROUNDS; i++) await fn();
  return { label, us: ((performance.now() - t0) / ROUNDS) * 1000 };
}

const agent = await startAgent({ args: ['--policy', `${REPO_ROOT}policy/examples/acme.yaml`] });
try {
  // A few real blocks so the status carries events, as after a busy day.
  for (let i = 0; i < 5; i++) {
    const child = startNpmLayoutProcess('@openai/codex', 'codex');
    await agent.waitForEvent((e) => e.pid === child.pid && e.type === 'block', 20_000);
    child.kill('SIGKILL');
  }
  const status = JSON.parse(await get(agent.socket, '/v1/status', false)) as AgentStatus;
  const newest: AgentEvent = status.recentEvents[0]!;
  const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
  const rows = [
    await time('GET /v1/status, new connection', () => get(agent.socket, '/v1/status', false)),
    await time('GET /v1/status, kept-alive', () => get(agent.socket, '/v1/status', keepAlive)),
    await time('GET /v1/events?after=newest, kept-alive', () => get(agent.socket, `/v1/events?after=${newest.id}`, keepAlive)),
    await time('tray work per snapshot (state + tooltip + menu)', () => {
      const snap = { reachable: true, inProcess: false, status, checkedAt: '' };
      trayState(snap);
      trayTooltip(snap, 'en');
      trayMenu({ snapshot: snap, locale: 'en', openAtLogin: false, canSetOpenAtLogin: true });
    }),
  ];
  // CPU per full-status poll over a kept-alive socket, both ends; the agent's idle rate is measured just before.
  const agentPid = agent.child.pid!;
  const i0 = processCpuSeconds(agentPid);
  const it0 = performance.now();
  await sleep(3000);
  const agentIdlePerSecond = (processCpuSeconds(agentPid) - i0) / ((performance.now() - it0) / 1000);
  const a0 = processCpuSeconds(agentPid);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < ROUNDS; i++) await get(agent.socket, '/v1/status', keepAlive);
  const wallSeconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const clientCpuMs = (c.user + c.system) / 1000 / ROUNDS;
  const agentCpuMs = (Math.max(0, processCpuSeconds(agentPid) - a0 - agentIdlePerSecond * wallSeconds) * 1000) / ROUNDS;
  const coreShare = (clientCpuMs + agentCpuMs) / (POLL_SECONDS * 1000);
  keepAlive.destroy();
  const base = rows[1]!.us;
  const size = Buffer.byteLength(JSON.stringify(status));
  process.stdout.write(`status: ${size} bytes, ${status.restrictedTools.length} restricted tools, ${status.recentEvents.length} events; ${ROUNDS} rounds each\n\n`);
  process.stdout.write(`${'what'.padEnd(52)} ${'µs/poll'.padStart(9)}  ${'vs kept-alive status'.padStart(21)}\n`);
  for (const r of rows) process.stdout.write(`${r.label.padEnd(52)} ${r.us.toFixed(0).padStart(9)}  ${`${(r.us / base).toFixed(2)}×`.padStart(21)}\n`);
  process.stdout.write(`\nCPU per full-status poll (kept-alive): client ${clientCpuMs.toFixed(3)} ms + agent ${agentCpuMs.toFixed(3)} ms (agent idle ${(agentIdlePerSecond * 100).toFixed(2)} % of a core subtracted)\n`);
  process.stdout.write(`At one poll every ${POLL_SECONDS} s, full-status polling costs ${(coreShare * 100).toFixed(3)} % of one core (CPU time, both ends).\n`);
  record.write({
    statusBytes: size,
    restrictedTools: status.restrictedTools.length,
    events: status.recentEvents.length,
    wallMicrosecondsPerPoll: Object.fromEntries(rows.map((r) => [r.label, r.us])),
    ratioToKeptAliveStatus: Object.fromEntries(rows.map((r) => [r.label, r.us / base])),
    cpuMsPerStatusPoll: { client: clientCpuMs, agent: agentCpuMs, agentIdlePercentSubtracted: agentIdlePerSecond * 100 },
    percentOfCoreAtOnePollPer2s: coreShare * 100,
  });
} finally {
  await agent.stop();
}
