// The HTTP client's failure classification against a real local HTTP server that misbehaves on purpose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServerClient, ServerError } from '../../agent/sync/server-client.ts';

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function failure(p: Promise<unknown>): Promise<ServerError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ServerError, String(err));
    return err;
  }
  assert.fail('the call succeeded');
}

test('each way a server can fail becomes a typed, retryable-or-not error that says what happened', async () => {
  const big = Buffer.alloc(6 * 1024 * 1024, 'x');
  const { url, server } = await serve((req, res) => {
    switch (req.method === 'GET' && req.url === '/v1/exception-requests' ? 'down' : req.url) {
      case '/v1/policy':
        res.writeHead(200, { 'content-type': 'application/json' }).end(big); // larger than any bundle
        return;
      case '/v1/heartbeat':
        res.writeHead(302, { location: 'http://elsewhere.example/' }).end();
        return;
      case '/v1/events':
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"invalid-token","message":"device token is unknown or revoked; enrol again"}}');
        return;
      case '/v1/enrol':
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '42' }).end('{"error":{"code":"rate-limited","message":"slow down"}}');
        return;
      case '/v1/exception-requests':
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"code":"invalid-request","message":"body.days: must be at most 365"}}');
        return;
      default:
        res.writeHead(503).end('maintenance');
    }
  });
  const client = new ServerClient(url, 2000);
  try {
    const tooBig = await failure(client.policy('t', undefined));
    assert.equal(tooBig.kind, 'garbage');
    assert.match(tooBig.message, /larger than 5242880 bytes/);
    const redirect = await failure(client.heartbeat('t', { agentVersion: '1', mode: 'enforce', policy: { id: 'p', serial: null, digest: 'd' }, queue: { pending: 0, dropped: 0 }, health: { watcher: 'w', problems: [] }, installed: [] }));
    assert.equal(redirect.kind, 'network', 'redirects are refused: the token must not follow them elsewhere');
    const token = await failure(client.events('t', [{ id: 'e', type: 'block', at: new Date().toISOString() }]));
    assert.deepEqual([token.kind, token.retryable], ['invalid-token', false]);
    const limited = await failure(client.enrol('s', { hostname: 'h', os: 'o', arch: 'a', user: 'u', agentVersion: '1', tags: [] }));
    assert.deepEqual([limited.kind, limited.status, limited.retryable, limited.retryAfterMs], ['http', 429, true, 42_000]);
    assert.match(limited.message, /HTTP 429 rate-limited: slow down/);
    const refused = await failure(client.requestException('t', { toolId: 'codex', reason: 'r', days: 999, user: 'u' }));
    assert.deepEqual([refused.status, refused.retryable], [400, false]);
    assert.match(refused.message, /body\.days: must be at most 365/);
    const down = await failure(client.exceptionRequests('t'));
    assert.deepEqual([down.status, down.retryable], [503, true]);
    assert.match(down.message, /HTTP 503: maintenance/);
  } finally {
    server.closeAllConnections();
    server.close();
  }
  const gone = await failure(new ServerClient(url, 2000).policy('t', undefined));
  assert.equal(gone.kind, 'network');
  // A pooled keep-alive connection notices first that the server went away; a new one is refused.
  assert.match(gone.message, /the server closed the connection \(UND_ERR_SOCKET\)|connection refused: the server is not running or not listening there \(ECONNREFUSED\)/);
});
