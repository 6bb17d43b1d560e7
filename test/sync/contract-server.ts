// A small in-process implementation of the agent API contract (README, "Agent <-> server"), for the sync tests
// that need a server to misbehave in ways the real one never would (reused serials, a bundle for another device)
// and to count exactly what it received. The end-to-end tests run the real server (server/).
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { builtInPolicy, generateSigningKey, loadPrivateKey, signBundle, type CompiledPolicy } from '../../policy/index.ts';
import type { AgentEvent, ExceptionRequestInfo } from '../../agent/status-types.ts';

interface Device {
  id: string;
  token: string;
  revoked: boolean;
  serial: number;
  policyName: string;
}

export class ContractServer {
  readonly key = generateSigningKey();
  readonly secret = 'test-enrol-secret-0123456789';
  readonly events = new Map<string, AgentEvent>();
  /** How many times each event id was posted (duplicates are fine, storing twice is not). */
  readonly posts = new Map<string, number>();
  readonly heartbeats: Record<string, unknown>[] = [];
  readonly enrolments: Record<string, unknown>[] = [];
  readonly exceptionRequests: (ExceptionRequestInfo & { user: string; deviceId: string })[] = [];
  readonly devices: Device[] = [];
  policy: CompiledPolicy = builtInPolicy();
  private server: Server | undefined;
  /** Issued bundles by device and serial: signed once, served as is (as a real server caches them). */
  private readonly issued = new Map<string, string>();
  url = '';

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      void this.route(req).then(
        ({ status, body, headers }) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(body === undefined ? undefined : JSON.stringify(body));
        },
        () => {
          res.writeHead(500).end();
        },
      );
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  /** A new policy for every device: serial + 1. */
  publish(name: string): void {
    this.policy = { ...builtInPolicy(), name };
    for (const d of this.devices) {
      d.serial++;
      d.policyName = name;
    }
  }

  /** The server no longer knows the device's token (restored from a backup): the device must enrol again. */
  forgetToken(deviceId: string): void {
    for (const d of this.devices) if (d.id === deviceId) d.token = randomBytes(32).toString('base64url');
  }

  revoke(deviceId: string): void {
    for (const d of this.devices) if (d.id === deviceId) d.revoked = true;
  }

  bundleFor(deviceId: string, serial: number, policy = this.policy): string {
    return JSON.stringify(signBundle({ serial, issuedAt: new Date().toISOString(), device: deviceId, policy }, loadPrivateKey(this.key.privateKeyPem)));
  }

  private async route(req: IncomingMessage): Promise<{ status: number; body?: unknown; headers?: Record<string, string> }> {
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    const fail = (status: number, code: string, message: string) => ({ status, body: { error: { code, message } } });
    if (req.url === '/v1/enrol') {
      const b = body as { secret: string; device: Record<string, unknown>; deviceId?: string; serialFloor?: number };
      if (b.secret !== this.secret) return fail(401, 'bad-secret', 'secret: wrong enrolment secret');
      const known = b.deviceId ? this.devices.find((d) => d.id === b.deviceId) : undefined;
      if (known?.revoked) return fail(403, 'device-revoked', `deviceId: device ${known.id} was revoked`);
      if (known) {
        // Enrolling again as itself: a new token, the same id and serials.
        known.token = randomBytes(32).toString('base64url');
        this.enrolments.push(b.device);
        return { status: 201, body: { deviceId: known.id, token: known.token } };
      }
      const device: Device = { id: `dev-${this.devices.length + 1}`, token: randomBytes(32).toString('base64url'), revoked: false, serial: 1, policyName: this.policy.name };
      this.devices.push(device);
      this.enrolments.push(b.device);
      return { status: 201, body: { deviceId: device.id, token: device.token } };
    }
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const device = this.devices.find((d) => d.token === token && !d.revoked);
    if (!device) return fail(401, 'invalid-token', 'device token is unknown or revoked; enrol again');
    switch (`${req.method} ${req.url}`) {
      case 'GET /v1/policy': {
        const key = `${device.id}/${device.serial}`;
        if (!this.issued.has(key)) this.issued.set(key, this.bundleFor(device.id, device.serial));
        const bundle = this.issued.get(key)!;
        const etag = `"${createHash('sha256').update(JSON.parse(bundle).payload as string).digest('hex')}"`;
        if (req.headers['if-none-match'] === etag) return { status: 304, headers: { etag } };
        return { status: 200, body: JSON.parse(bundle), headers: { etag } };
      }
      case 'POST /v1/events': {
        const events = (body as { events: AgentEvent[] }).events;
        for (const e of events) {
          this.posts.set(e.id, (this.posts.get(e.id) ?? 0) + 1);
          if (!this.events.has(e.id)) this.events.set(e.id, e);
        }
        return { status: 200, body: { durable: events.map((e) => e.id), rejected: [] } };
      }
      case 'POST /v1/heartbeat':
        this.heartbeats.push(body as Record<string, unknown>);
        return { status: 200, body: { serverTime: new Date().toISOString() } };
      case 'POST /v1/exception-requests': {
        const b = body as { toolId: string; reason: string; days: number; user: string };
        if (b.toolId === 'no-such-tool') return fail(400, 'unknown-tool', 'toolId: no such tool');
        const info = { id: `exr-${this.exceptionRequests.length + 1}`, toolId: b.toolId, reason: b.reason, days: b.days, requestedAt: new Date().toISOString(), status: 'pending' as const };
        this.exceptionRequests.push({ ...info, user: b.user, deviceId: device.id });
        return { status: 201, body: info };
      }
      case 'GET /v1/exception-requests':
        return { status: 200, body: { requests: this.exceptionRequests.filter((r) => r.deviceId === device.id).map(({ user: _u, deviceId: _d, ...r }) => r) } };
      default:
        return fail(404, 'not-found', `no route ${req.method} ${req.url}`);
    }
  }
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reject(err as Error);
      }
    });
    req.on('error', reject);
  });
}
