// A loopback HTTP server standing in for an AI vendor's API: it records every request it receives. An AI CLI
// pointed at it (through the vendor's own base-URL variable) proves, by the recorder staying empty, that Cordon
// stopped the CLI before it sent anything — and, in monitor mode, that the same launch does send.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  at: number;
  method: string;
  url: string;
}

export class RequestRecorder {
  readonly requests: RecordedRequest[] = [];
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<RequestRecorder> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const recorder = new RequestRecorder(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req, res) => {
      recorder.requests.push({ at: Date.now(), method: req.method ?? '?', url: req.url ?? '?' });
      for (const wake of recorder.waiters.splice(0)) wake();
      req.resume();
      // A server error: the CLI retries or gives up, and never gets anything to act on.
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":{"type":"api_error","message":"cordon test recorder"}}');
    });
    return recorder;
  }

  /** Requests received at or after `since` (ms epoch). */
  since(since: number): RecordedRequest[] {
    return this.requests.filter((r) => r.at >= since);
  }

  /** Resolves with the first request at or after `since`, or undefined after `timeoutMs`. */
  async firstSince(since: number, timeoutMs: number): Promise<RecordedRequest | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.since(since)[0];
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
