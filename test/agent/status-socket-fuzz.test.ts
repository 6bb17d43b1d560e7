// The status socket under a hostile local user for a bounded time (CORDON_FUZZ_SECONDS, 20 s by default; run it
// for minutes by hand): random bytes, half-open and slowloris connections, malformed, oversized and pipelined
// HTTP. Meanwhile the agent must keep stopping a banned tool every time it is launched, keep answering a
// well-behaved caller, never let that one user hold more than its share of connections, and come out alive
// with its memory bounded.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { statusApiRequest } from '../../agent/status-client.ts';
import type { AgentStatus } from '../../agent/status-types.ts';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { prepareCliSession } from '../support/ai-cli-session.ts';
import { createLocalUser, localUsersUnavailable, removeLocalUser, type LocalUser } from '../support/local-users.ts';
import { installRealCli } from '../support/real-clis.ts';
import { RequestRecorder } from '../support/request-recorder.ts';
import { fuzzSocketAs } from '../support/socket-fuzzer.ts';

/** Sockets the agent holds open (its listening socket, its connections, internal ones). */
function openSockets(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

const seconds = Number(process.env.CORDON_FUZZ_SECONDS ?? 20);

function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
}

describe('the status socket under a fuzzing local user', { skip: localUsersUnavailable() }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'cordon-socket-fuzz-'));
  chmodSync(scratch, 0o755);
  const socket = join(scratch, 'run', 'agent.sock');
  let mallory: LocalUser;
  let agent: AgentProcess;
  let recorder: RequestRecorder;

  before(async () => {
    mallory = createLocalUser('f');
    installRealCli('claude-code');
    recorder = await RequestRecorder.start();
    agent = await startAgent({ socket });
  });
  after(async () => {
    await agent?.stop();
    await recorder?.close();
    removeLocalUser(mallory);
    rmSync(scratch, { recursive: true, force: true });
  });

  it(`keeps enforcing and answering through ${seconds} s of garbage, half-open, slowloris and malformed requests`, async () => {
    const claude = installRealCli('claude-code');
    const rssBefore = rssKiB(agent.child.pid!);
    const socketsBefore = openSockets(agent.child.pid!);
    let socketsPeak = socketsBefore;
    // Counted in the agent, not the fuzzer: a connection waiting in the kernel's backlog is not one the agent holds.
    const sampler = setInterval(() => (socketsPeak = Math.max(socketsPeak, openSockets(agent.child.pid!))), 100);
    const fuzz = fuzzSocketAs(mallory, socket, seconds * 1000);
    const until = Date.now() + seconds * 1000;
    let launches = 0;
    let answered = 0;
    let rssPeak = rssBefore;
    await new Promise((r) => setTimeout(r, 1000));
    while (Date.now() < until - 1000) {
      const session = prepareCliSession('claude-code', join(scratch, `home-${launches}`), recorder.url);
      const child = spawn(claude.bin, session.args, { env: session.env, stdio: 'ignore' });
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, s) => resolve(s)));
      assert.equal(signal, 'SIGKILL', `launch ${launches} of Claude Code was not stopped while the socket was fuzzed`);
      launches++;
      const status = await statusApiRequest<AgentStatus>(socket, 'GET', '/v1/status', undefined, 15_000);
      assert.equal(status.status, 200, 'a well-behaved caller (another uid) is still answered');
      answered++;
      rssPeak = Math.max(rssPeak, rssKiB(agent.child.pid!));
    }
    const thrown = await fuzz;
    clearInterval(sampler);
    assert.ok(agent.child.exitCode === null && agent.child.signalCode === null, 'the agent is alive');
    const final = await statusApiRequest<AgentStatus>(socket, 'GET', '/v1/status');
    assert.equal(final.status, 200);
    assert.ok(launches >= 2, `only ${launches} launches fitted in the fuzz window`);
    // 16 connections for the fuzzing uid, plus root’s own status requests (keep-alive).
    assert.ok(socketsPeak - socketsBefore <= 16 + 4, `the agent held ${socketsPeak - socketsBefore} more sockets at once under one user's fuzzing`);
    assert.ok(rssPeak - rssBefore < 200 * 1024, `the agent grew by ${rssPeak - rssBefore} KiB under fuzzing`);
    process.stdout.write(`# fuzz ${seconds} s: ${JSON.stringify(thrown)}; ${launches} launches stopped, ${answered} status answers; agent RSS ${rssBefore} → peak ${rssPeak} KiB; agent sockets ${socketsBefore} → peak ${socketsPeak}\n`);
  });
});
