// A real HTTP proxy between agent and server that can be told to misbehave: answer 500, hang, send garbage,
// reset the connection, or serve a different policy bundle. Everything else is forwarded untouched.
import { createServer, request, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { mode: 'pass' }
  | { mode: '500' }
  | { mode: '429'; retryAfterSeconds: number }
  | { mode: 'hang' }
  | { mode: 'garbage' }
  | { mode: 'reset' }
  | { mode: 'policy'; body: string }
  /** Answers what `answer` returns for a request (a forged enrolment, a 401 on demand); undefined: forwarded. */
  | { mode: 'answer'; answer: (method: string, path: string, authorization: string | undefined) => Forged | undefined };

export interface Forged {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export class FaultProxy {
  fault: Fault = { mode: 'pass' };
  /** Only requests whose path matches are faulted; the rest pass. */
  only: RegExp | undefined;
  readonly seen: string[] = [];
  /** "METHOD path status" of every answer that came from the server. */
  readonly answered: string[] = [];
  /** Holds the server's answer back this long (on matching paths): the server has acted, the agent does not know yet. */
  delay: { path: RegExp; ms: number } | undefined;
  /** Requests whose client went away before the answer was delivered (e.g. the agent was killed mid-upload). */
  aborted = 0;
  /** The last policy bundle the server sent through, byte for byte (to replay it later). */
  lastPolicyBody: string | undefined;
  private waiters: { path: RegExp; resolve: () => void }[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  url = '';

  constructor(private target: string) {}

  retarget(target: string): void {
    this.target = target;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.seen.push(`${req.method} ${req.url}`);
      for (const w of this.waiters.filter((w) => w.path.test(req.url ?? ''))) w.resolve();
      this.waiters = this.waiters.filter((w) => !w.path.test(req.url ?? ''));
      res.on('close', () => {
        if (!res.writableFinished) this.aborted++;
      });
      const f = this.only && !this.only.test(req.url ?? '') ? ({ mode: 'pass' } as const) : this.fault;
      switch (f.mode) {
        case '500':
          req.resume();
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"code":"internal","message":"injected failure"}}');
          return;
        case '429':
          req.resume();
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(f.retryAfterSeconds) }).end('{"error":{"code":"rate-limited","message":"injected 429"}}');
          return;
        case 'hang':
          req.resume();
          return; // never answers
        case 'garbage':
          req.resume();
          res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway (captive portal)</body></html>');
          return;
        case 'reset':
          req.socket.destroy();
          return;
        case 'answer': {
          const forged = f.answer(req.method ?? 'GET', req.url ?? '/', req.headers.authorization);
          if (forged) {
            req.resume();
            res.writeHead(forged.status, { 'content-type': 'application/json', ...forged.headers }).end(forged.body);
            return;
          }
          break;
        }
        case 'policy':
          if (req.url === '/v1/policy') {
            req.resume();
            res.writeHead(200, { 'content-type': 'application/json', etag: '"injected"' }).end(f.body);
            return;
          }
      }
      const target = new URL(this.target);
      const hold = this.delay && this.delay.path.test(req.url ?? '') ? this.delay.ms : 0;
      const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        this.answered.push(`${req.method} ${req.url} ${up.statusCode}`);
        const deliver = () => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          if (req.url === '/v1/policy' && up.statusCode === 200) {
            const chunks: Buffer[] = [];
            up.on('data', (c: Buffer) => chunks.push(c));
            up.on('end', () => (this.lastPolicyBody = Buffer.concat(chunks).toString('utf8')));
          }
        };
        if (hold) setTimeout(deliver, hold);
        else deliver();
      });
      upstream.on('error', () => req.socket.destroy());
      req.pipe(upstream);
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Resolves when the next request to a matching path arrives. */
  nextRequest(path: RegExp): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ path, resolve }));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server?.close(r));
  }
}
