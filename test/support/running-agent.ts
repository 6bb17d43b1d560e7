// A real `cordon agent` process for tests, confined with --scope-pid to descendants of the test process so it
// cannot touch anything else on the machine; and real-looking AI CLI processes for it to stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { statusApiRequest } from '../../agent/status-client.ts';
import type { AgentStatus } from '../../agent/status-types.ts';
import { CORDON_BIN } from './cli.ts';

export interface RunningAgent {
  socket: string;
  stateDir: string;
  process: ChildProcess;
  output(): string;
  status(): Promise<AgentStatus>;
  stop(): Promise<number | null>;
}

export async function startAgent(opts: { args?: string[]; dir?: string } = {}): Promise<RunningAgent> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'cordon-agent-'));
  const socket = join(dir, 'agent.sock');
  const stateDir = join(dir, 'state');
  const child = spawn(process.execPath, [CORDON_BIN, 'agent', '--state-dir', stateDir, '--socket', socket, '--scope-pid', String(process.pid), ...(opts.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CORDON_LOG_LEVEL: 'warn' },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const agent: RunningAgent = {
    socket,
    stateDir,
    process: child,
    output: () => out,
    status: async () => (await statusApiRequest<AgentStatus>(socket, 'GET', '/v1/status')).body,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`the agent exited with ${child.exitCode}: ${out}`);
    return (await agent.status().catch(() => undefined)) !== undefined;
  }, 'the agent to answer on its socket');
  return agent;
}

export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A process laid out exactly like a globally installed npm CLI (PREFIX/lib/node_modules/PKG/bin/x.js run by node)
 * that idles until stopped: what the agent sees when an employee starts that tool.
 */
export function startFakeInstalledCli(pkg: string, bin: string, dir = mkdtempSync(join(tmpdir(), 'cordon-cli-'))): ChildProcess {
  const pkgDir = join(dir, 'lib', 'node_modules', ...pkg.split('/'));
  mkdirSync(join(pkgDir, 'bin'), { recursive: true });
  writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name: pkg, version: '1.0.0', bin: { [bin]: `bin/${bin}.js` } }));
  writeFileSync(join(pkgDir, 'bin', `${bin}.js`), 'setInterval(() => {}, 1000);\n');
  return spawn(process.execPath, [join(pkgDir, 'bin', `${bin}.js`)], { stdio: 'ignore' });
}
