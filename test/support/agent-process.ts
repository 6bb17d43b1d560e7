// A real `cordon agent` child process for tests: its own state dir and socket, enforcing only on descendants of
// the test process (--scope-pid), so nothing else on the machine can be touched.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { statusApiRequest } from '../../agent/status-client.ts';
import type { AgentEvent, AgentStatus } from '../../agent/status-types.ts';
import { CORDON_BIN } from './cli.ts';
import { ensurePeerCredentialsAddon } from './peer-credentials-addon.ts';

export interface AgentProcess {
  child: ChildProcess;
  stateDir: string;
  socket: string;
  /** What the agent printed on stdout (its ready line) and stderr (its JSON log). */
  output(): { stdout: string; stderr: string };
  status(): Promise<AgentStatus>;
  events(): Promise<AgentEvent[]>;
  /** Waits for an event matching `pred`, polling the status API. */
  waitForEvent(pred: (e: AgentEvent) => boolean, timeoutMs?: number): Promise<AgentEvent>;
  /** SIGTERM, then the exit code (null when killed by a signal). */
  stop(): Promise<number | null>;
}

export interface StartAgentOptions {
  args?: string[];
  stateDir?: string;
  socket?: string;
  env?: NodeJS.ProcessEnv;
  scopePid?: number;
  readyTimeoutMs?: number;
  /** The `cordon` entry script to run (default bin/cordon.js, the sources through tsx): a build or a bundle. */
  entry?: string;
  /** Node options before the entry script. */
  nodeArgs?: string[];
  /** A command the agent is exec'd through (e.g. into a private mount namespace); it must exec, keeping the pid. */
  wrap?: string[];
}

export async function startAgent(options: StartAgentOptions = {}): Promise<AgentProcess> {
  ensurePeerCredentialsAddon();
  // Generous: tsx compiles the agent on a cold start, which took over 20 s on a loaded 2-core machine.
  const readyMs = options.readyTimeoutMs ?? 60_000;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'cordon-agent-'));
  const socket = options.socket ?? join(stateDir, 'agent.sock');
  // The fanotify exec guard turns "stopped" into "never started": tests about the stop path run without it, and
  // the exec guard's own tests (test/exec-guard/) ask for it with --exec-guard on.
  const args = options.args ?? [];
  const execGuard = args.some((a) => a.startsWith('--exec-guard')) ? [] : ['--exec-guard', 'off'];
  const [command, ...wrapArgs] = [...(options.wrap ?? []), process.execPath];
  const child = spawn(command ?? process.execPath, [...wrapArgs, ...(options.nodeArgs ?? []), options.entry ?? CORDON_BIN, 'agent', '--state-dir', stateDir, '--socket', socket, '--scope-pid', String(options.scopePid ?? process.pid), ...execGuard, ...args], {
    env: { ...process.env, CORDON_LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never leave an agent (and its exec guard) running behind a failed start.
      child.kill('SIGKILL');
      reject(new Error(`agent did not become ready in ${readyMs / 1000} s:\n${stdout}\n${stderr}`));
    }, readyMs);
    const check = () => {
      if (stdout.includes('status on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited with ${code} before it was ready:\n${stdout}\n${stderr}`));
    });
  });

  const status = async () => (await statusApiRequest<AgentStatus>(socket, 'GET', '/v1/status')).body;
  const events = async () => (await statusApiRequest<{ events: AgentEvent[] }>(socket, 'GET', '/v1/events?limit=1000')).body.events;
  return {
    child,
    stateDir,
    socket,
    output: () => ({ stdout, stderr }),
    status,
    events,
    async waitForEvent(pred, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = (await events()).find(pred);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`no matching agent event within ${timeoutMs} ms; events: ${JSON.stringify((await events()).map((e) => [e.type, e.toolId, e.pid]))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
