// Pieces for the end-to-end sync tests: the real server (in this process, so the test can look into its
// database), a managed config pinning its key, and sync harness processes (test/sync/sync-harness.ts: sync and
// the status API, no enforcement) that can be killed at any moment. The agent as shipped: test/support/agent-process.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { startServer, type RunningServer } from '../../server/start-server.ts';
import { DATA_FILES } from '../../server/data-dir.ts';
import { AdminClient } from '../../server/admin-client.ts';
import { statusApiRequest } from '../../agent/status-client.ts';
import type { AgentStatus } from '../../agent/status-types.ts';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { CORDON_BIN } from '../support/cli.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
// One file per test process: files running side by side (npm test's lanes), or other checkouts sharing this
// node_modules, would otherwise rewrite the bundle while another process is starting it. Inside node_modules, so
// that its npm imports resolve.
const BUNDLE = join(REPO, 'node_modules', '.cache', 'cordon-test', `sync-harness-${process.pid}.mjs`);
let bundled: Promise<string> | undefined;

/**
 * The sync harness, bundled once: 0.3 s to start instead of 2 s through tsx, which is what lets 50 kill -9
 * rounds fit in the test budget. The policy core finds its YAML next to policy/index.ts, as unbundled.
 */
export function syncHarnessBundle(): Promise<string> {
  bundled ??= build({
    entryPoints: [join(REPO, 'test', 'sync', 'sync-harness.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    define: { 'import.meta.url': JSON.stringify(new URL('policy/index.ts', `file://${REPO}`).href) },
    // The peer-credentials addon is found beside its module: that module keeps its own URL, or no caller of the
    // harness's status socket could be identified (every request would be refused as from an unknown user).
    plugins: [
      {
        name: 'own-url-for-native-addons',
        setup(b) {
          b.onLoad({ filter: /peer-identity[\\/]peer-credentials\.ts$/ }, (args) => ({
            contents: readFileSync(args.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
            loader: 'ts',
          }));
        },
      },
    ],
    outfile: BUNDLE,
    logLevel: 'warning',
  }).then(() => {
    process.once('exit', () => rmSync(BUNDLE, { force: true }));
    return BUNDLE;
  });
  return bundled;
}

/**
 * The real `cordon agent`, scoped to this test process, with IT's managed config: bin/cordon.js (the sources
 * through tsx) by default, or `entry`, the same CLI bundled as it ships (starts in a fraction of the time, which
 * is what lets 50 kill -9 rounds fit on two loaded cores).
 */
export function realAgent(config: string, stateDir?: string, entry?: string): Promise<AgentProcess> {
  // No inventory walk (a kill test starts 50 agents); no D-Bus session: the device token goes to the root-only file.
  return startAgent({ stateDir, entry, readyTimeoutMs: 180_000, args: ['--inventory', 'off'], env: { CORDON_CONFIG: config, DBUS_SESSION_BUS_ADDRESS: '' } });
}

export class RealServer {
  private constructor(
    readonly running: RunningServer,
    readonly dataDir: string,
  ) {}

  static async start(dataDir = mkdtempSync(join(tmpdir(), 'cordon-e2e-server-'))): Promise<RealServer> {
    const running = await startServer({ dataDir, port: 0, host: '127.0.0.1', logger: false, settings: { rateLimitPerMinute: 0 } });
    return new RealServer(running, dataDir);
  }

  get url(): string {
    return this.running.url;
  }

  get publicKeyPem(): string {
    return readFileSync(join(this.dataDir, DATA_FILES.signingPublicKey), 'utf8');
  }

  get enrolSecret(): string {
    return readFileSync(join(this.dataDir, DATA_FILES.enrolSecret), 'utf8').trim();
  }

  async eventIds(prefix: string): Promise<string[]> {
    const rows = await this.running.db.query<{ id: string }>('SELECT id FROM events WHERE id LIKE $1 ORDER BY id', [`${prefix}%`]);
    return rows.map((r) => r.id);
  }

  async events(type: string): Promise<{ id: string; body: { detail?: Record<string, unknown>; message?: string } }[]> {
    return this.running.db.query('SELECT id, body FROM events WHERE type = $1 ORDER BY seq', [type]);
  }

  async devices(): Promise<{ id: string; revoked_at: Date | null; reported_serial: number | null; health: { problems: string[] } | null }[]> {
    return this.running.db.query('SELECT id, revoked_at, reported_serial, health FROM devices ORDER BY enrolled_at');
  }

  async exceptionRequests(): Promise<{ id: string; tool_id: string; os_user: string; status: string }[]> {
    return this.running.db.query('SELECT id, tool_id, os_user, status FROM exception_requests ORDER BY requested_at');
  }

  get adminToken(): string {
    return readFileSync(join(this.dataDir, DATA_FILES.adminToken), 'utf8').trim();
  }

  /** IT's actions go through the admin API, as `cordon admin` sends them. */
  private admin(): AdminClient {
    return new AdminClient(this.url, this.adminToken);
  }

  async revoke(deviceId: string): Promise<void> {
    await this.admin().request('POST', `/admin/v1/devices/${encodeURIComponent(deviceId)}/revoke`);
  }

  async approve(requestId: string): Promise<void> {
    await this.admin().request('POST', `/admin/v1/exception-requests/${encodeURIComponent(requestId)}/approve`, { days: 7, note: 'e2e' });
  }

  close(): Promise<void> {
    return this.running.close();
  }
}

/** The managed config IT would drop in /etc/cordon/agent.yaml, pinning the server's key. */
export function managedConfig(serverUrl: string, server: RealServer, extra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-e2e-config-'));
  const file = join(dir, 'agent.yaml');
  const pem = server.publicKeyPem.trim().split('\n').map((l) => `    ${l}`).join('\n');
  writeFileSync(file, `serverUrl: ${serverUrl}\nenrolSecret: ${server.enrolSecret}\npinnedKeys:\n  - |\n${pem}\ngroups: [eng]\n${extra}`, { mode: 0o600 });
  return file;
}

const started = new Set<SyncHarnessProcess>();

export class SyncHarnessProcess {
  readonly recorded: string[] = [];
  private out = '';
  private exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly stateDir: string,
    readonly socket: string,
  ) {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      this.out += d;
      let nl;
      while ((nl = this.out.indexOf('\n')) !== -1) {
        const line = this.out.slice(0, nl);
        this.out = this.out.slice(nl + 1);
        if (line.startsWith('R ')) this.recorded.push(line.slice(2));
      }
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    started.add(this);
    void this.exited.then(() => started.delete(this));
  }

  /** Every agent a failed test left running: killed, so the test process can end. */
  static async killAll(): Promise<void> {
    await Promise.all([...started].map((a) => a.kill9()));
  }

  /** The agent's own pid (differs from child.pid when it runs under a wrapper such as dbus-run-session). */
  pid = 0;

  /**
   * options.keyring: run the agent inside its own D-Bus session with an unlocked gnome-keyring (a real Secret
   * Service), in a fresh HOME, as a desktop session would have it.
   */
  static async start(config: string, stateDir = mkdtempSync(join(tmpdir(), 'cordon-e2e-agent-')), options: { env?: NodeJS.ProcessEnv; keyring?: boolean } = {}): Promise<SyncHarnessProcess> {
    mkdirSync(stateDir, { recursive: true });
    const socket = join(stateDir, 'agent.sock');
    const node = [process.execPath, await syncHarnessBundle(), stateDir, socket];
    const [file, ...args] = options.keyring
      ? ['dbus-run-session', '--', 'sh', '-c', `echo -n e2e | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec ${node.map((a) => `'${a}'`).join(' ')}`]
      : node;
    const home = options.keyring ? { HOME: mkdtempSync(join(tmpdir(), 'cordon-e2e-home-')), DBUS_SESSION_BUS_ADDRESS: '' } : {};
    const child = spawn(file!, args, {
      env: { ...process.env, CORDON_CONFIG: config, ...home, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const agent = new SyncHarnessProcess(child, stateDir, socket);
    await new Promise<void>((resolve, reject) => {
      const onData = (d: string) => {
        const ready = /ready (\d+)/.exec(d);
        if (ready) {
          agent.pid = Number(ready[1]);
          child.stdout!.off('data', onData);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`agent exited (${code}) before it was ready: ${stderr}`)));
    });
    return agent;
  }

  record(prefix: string, count: number): void {
    this.child.stdin!.write(`record ${prefix} ${count}\n`);
  }

  async status(): Promise<AgentStatus> {
    return (await statusApiRequest<AgentStatus>(this.socket, 'GET', '/v1/status')).body;
  }

  async kill9(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    this.signal('SIGTERM');
    await this.exited;
  }

  private signal(signal: NodeJS.Signals): void {
    try {
      process.kill(this.pid || this.child.pid!, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Runs the real `cordon` binary without blocking this process: the server and the proxy live here and must
 * keep answering while the CLI waits on the agent (spawnSync would freeze them).
 */
export function cordon(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CORDON_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Polls until check() returns a truthy value (no fixed sleeps: the tests assert behaviour, not timings). */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
