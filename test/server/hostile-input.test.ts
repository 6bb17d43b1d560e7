// Thousands of malformed and hostile requests at every route the server publishes in /openapi.json (the list is
// read from it, so a new route is covered without editing this file), with the production settings: the 1 MiB
// body limit and rate limiting on. Never a 5xx, never a crash, never a row written. Deterministic (seeded), so a
// failure can be replayed. The requests come from several loopback addresses, as a fleet's would, so the rate
// limiter lets enough through to reach validation; a flood from one address is then checked to be limited.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { DEFAULT_SETTINGS } from '../../server/app-context.ts';
import { deviceFacts, http, startTestServer, type TestServer } from '../support/server-instance.ts';
import { event } from './api-suite.ts';

const REQUESTS = 2000;
/** Client addresses on loopback (all of 127.0.0.0/8 is local on Linux): each has its own rate-limit budget. */
const CLIENTS = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);
const TABLES = ['devices', 'events', 'exception_requests', 'policy_versions', 'policy_heads', 'policy_assignments', 'admin_tokens', 'audit_log'];

/** mulberry32: a tiny seeded PRNG. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY_STRINGS = [
  '', ' ', "' OR 1=1 --", '"; DROP TABLE devices; --', '../../../etc/passwd', '\u0000', '\u0000\u0001\u001f', '%00', '${jndi:ldap://x}',
  '<script>alert(1)</script>', '𝕏'.repeat(300), 'a'.repeat(70_000), '\ud800', '-1', '1e999', 'NaN', 'null', '__proto__', '*',
  '0000-01-01T00:00:00Z', '9999-12-31T23:59:60Z', '2026-01-01t00:00:00z',
];
const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', '', ' ', 'toString', '$where', 'a'.repeat(500)];

export function hostileValue(rand: () => number, depth = 0): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  switch (Math.floor(rand() * (depth > 3 ? 5 : 7))) {
    case 0: return null;
    case 1: return rand() < 0.5;
    case 2: return pick([0, -1, 1.5, 2 ** 53 + 2, -(2 ** 63), 1e308, -0, 365 * 1000]);
    case 3:
    case 4: return pick(NASTY_STRINGS);
    case 5: return Array.from({ length: Math.floor(rand() * 4) }, () => hostileValue(rand, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < Math.floor(rand() * 4); i++) o[pick(NASTY_KEYS)] = hostileValue(rand, depth + 1);
      return o;
    }
  }
}

function jsonTypeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;
}

/** A value of a different JSON type than the original, so the mutated body can never be valid by chance. */
function wrongType(rand: () => number, original: unknown): unknown {
  for (;;) {
    const v = hostileValue(rand);
    if (jsonTypeOf(v) !== jsonTypeOf(original) && !(jsonTypeOf(original) === 'number' && jsonTypeOf(v) === 'integer')) return v;
  }
}

/** Replaces one leaf or branch, chosen at random, of a valid body with a value of the wrong type. */
function mutate(rand: () => number, body: unknown): unknown {
  const copy = structuredClone(body) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (;;) {
    const keys = Object.keys(node);
    const key = keys[Math.floor(rand() * keys.length)]!;
    const child = node[key];
    if (child && typeof child === 'object' && !Array.isArray(child) && rand() < 0.6) {
      node = child as Record<string, unknown>;
      continue;
    }
    node[key] = wrongType(rand, child);
    return copy;
  }
}

// Lone surrogates cannot be percent-encoded; the server sees U+FFFD instead.
const enc = (s: string) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '\ufffd'));

/** A JSON Schema, as far as the routes' bodies use it. */
interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  minLength?: number;
  minimum?: number;
  minItems?: number;
  format?: string;
}

/** A body of the right shape for a route the test has no hand-written body for: every property present. */
function shapedValue(schema: Schema): unknown {
  if (schema.enum) return schema.enum[0];
  if (schema.anyOf) return shapedValue(schema.anyOf[0]!);
  switch (schema.type) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, shapedValue(v)]));
    case 'array':
      return Array.from({ length: schema.minItems ?? 1 }, () => shapedValue(schema.items ?? {}));
    case 'integer':
    case 'number':
      return Math.max(schema.minimum ?? 1, 1);
    case 'boolean':
      return true;
    default:
      return schema.format === 'date-time' ? new Date(Date.now() + 86_400_000).toISOString() : 'a'.repeat(Math.max(schema.minLength ?? 1, 1));
  }
}

interface Route {
  method: string;
  /** The path as published, with {param} placeholders. */
  path: string;
  query: string[];
  body?: Schema;
}

interface OpenApi {
  paths: Record<string, Record<string, { parameters?: { in: string; name: string }[]; requestBody?: { content: Record<string, { schema: Schema }> } }>>;
}

function routesOf(spec: OpenApi): Route[] {
  return Object.entries(spec.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      body: op.requestBody?.content['application/json']?.schema,
    })),
  );
}

/**
 * One request from a given loopback address (fetch cannot choose its source address), on a connection of its own:
 * the server closes a connection after some refusals, and a pooled one would fail the next request with it.
 */
function httpFrom(client: string, method: string, path: string, options: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; text: string; retryAfter?: string }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    let answer: { status: number; text: string; retryAfter?: string } | undefined;
    const req = request({ host: url.hostname, port: url.port, method, path, headers, localAddress: client, agent: false }, (res) => {
      answer = { status: res.statusCode!, text: '', retryAfter: res.headers['retry-after'] };
      res.setEncoding('utf8');
      res.on('data', (d: string) => (answer!.text += d));
      res.on('end', () => resolve(answer!));
    });
    // A server that answers before reading the body (414, 413) may see the rest of it as a second, broken request
    // and answer that too; the client then fails on the extra bytes. The first answer is the one that counts.
    req.on('error', (err) => (answer ? resolve(answer) : reject(err)));
    req.end(body);
  });
}

/** Every refusal, the framework's own included, is `{error: {code, message}}` and nothing else. */
function assertErrorShape(r: { status: number; text: string }, what: string): void {
  let body: unknown;
  try {
    body = JSON.parse(r.text);
  } catch {
    assert.fail(`${what}: ${r.status} body is not JSON: ${r.text.slice(0, 300)}`);
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
  assert.ok(error && typeof error === 'object', `${what}: ${r.status} body has no error object: ${r.text.slice(0, 300)}`);
  assert.match(String(error.code), /^[a-z]+(-[a-z]+)*$/, `${what}: ${r.status} error code: ${r.text.slice(0, 300)}`);
  assert.ok(typeof error.message === 'string' && error.message.length > 0, `${what}: ${r.status} error message: ${r.text.slice(0, 300)}`);
  assert.deepEqual(Object.keys(body as object), ['error'], `${what}: ${r.status} nothing beside error: ${r.text.slice(0, 300)}`);
}

/**
 * Bytes written as they are on a raw connection (the framework's own refusals need requests no HTTP client sends);
 * `hold` leaves the connection open after them, as a slow or stalled client would. The first answer counts.
 */
function rawExchange(target: TestServer, client: string, bytes: string, hold = false): Promise<{ status: number; text: string }> {
  const url = new URL(target.url);
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = connect({ host: url.hostname, port: Number(url.port), localAddress: client }, () => (hold ? socket.write(bytes) : socket.end(bytes)));
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (received += d));
    socket.on('error', () => {});
    socket.on('close', () => {
      const match = /^HTTP\/1\.1 (\d{3}) [^\r]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(received);
      if (!match) return reject(new Error(`no HTTP answer to ${JSON.stringify(bytes.slice(0, 120))}: ${JSON.stringify(received.slice(0, 300))}`));
      const length = /^content-length: *(\d+)$/im.exec(match[2]!);
      resolve({ status: Number(match[1]), text: length ? match[3]!.slice(0, Number(length[1])) : match[3]! });
    });
  });
}

let server: TestServer;
let deviceToken: string;
let viewerToken: string;
let routes: Route[];

before(async () => {
  // The production settings, spelled out: the body limit and the rate limit a real server runs with.
  server = await startTestServer({ settings: { ...DEFAULT_SETTINGS } });
  assert.deepEqual([DEFAULT_SETTINGS.bodyLimit, DEFAULT_SETTINGS.rateLimitPerMinute], [1024 * 1024, 600]);
  const r = await http<{ token: string }>(server.url, 'POST', '/v1/enrol', { body: { secret: server.enrolSecret, device: deviceFacts() } });
  deviceToken = r.body.token;
  const v = await http<{ token: string }>(server.url, 'POST', '/admin/v1/tokens', { token: server.adminToken, body: { name: 'fuzz viewer', role: 'viewer' } });
  viewerToken = v.body.token;
  routes = routesOf((await http<OpenApi>(server.url, 'GET', '/openapi.json')).body);
});
after(async () => {
  await server?.stop();
});

test('the route list is read from /openapi.json and holds the routes a reviewer would look for', () => {
  const names = routes.map((r) => `${r.method} ${r.path}`);
  for (const expected of ['GET /v1/policy', 'GET /v1/exception-requests', 'POST /v1/enrol', 'GET /admin/v1/devices', 'GET /admin/v1/tokens', 'GET /admin/v1/policies', 'GET /admin/v1/assignments', 'GET /admin/v1/enrolment-secrets', 'DELETE /admin/v1/enrolment-secrets/{id}'])
    assert.ok(names.includes(expected), `${expected} missing from ${names.join(', ')}`);
  assert.ok(routes.length >= 25, `${routes.length} routes`);
});

test(`${REQUESTS} hostile requests over every published route, production limits: no 5xx, no crash, no row written`, async (t) => {
  const rand = prng(20261125);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const count = async () => Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, (await server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`))[0]!.n] as const)));
  const before = await count();
  // Realistic valid bodies to mutate where a shaped one would be refused for the wrong reason. Enrolment carries
  // the real secret: only the mutation stands between it and a new row.
  const bodies: Record<string, () => unknown> = {
    'POST /v1/enrol': () => ({ secret: server.enrolSecret, device: deviceFacts() }),
    'POST /v1/events': () => ({ events: [{ ...event(), type: pick(['boom', 7, null, '']) }] }),
    'POST /admin/v1/policies': () => ({ yaml: pick(NASTY_STRINGS) || 'x: 1', groups: ['*'] }),
  };
  const validBody = (r: Route) => bodies[`${r.method} ${r.path}`]?.() ?? shapedValue(r.body ?? { type: 'object' });
  const hostileId = () => (rand() < 0.1 ? pick(['%E0%A4%A', '%', '%ZZ', '..%2F..%2F']) : enc(String(pick(NASTY_STRINGS)).slice(0, 3000)) || '%20');
  const seen = new Map<string, { sent: number; pastLimiter: number }>(routes.map((r) => [`${r.method} ${r.path}`, { sent: 0, pastLimiter: 0 }]));
  const statuses = new Map<number, number>();
  const batch: Promise<void>[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const token = pick([deviceToken, viewerToken, undefined, 'garbage', 'x'.repeat(600), server.adminToken]);
    const route = pick(routes);
    const name = `${route.method} ${route.path}`;
    const client = pick(CLIENTS);
    // Path parameters hostile, query parameters (the published ones and an extra) hostile.
    let path = route.path.replace(/\{[^}]+\}/g, hostileId);
    if (route.query.length || rand() < 0.2) {
      const params = [...route.query, 'extra', '__proto__'];
      path += `?${Array.from({ length: 1 + Math.floor(rand() * 3) }, () => `${pick(params)}=${enc(String(pick(NASTY_STRINGS)).slice(0, 2000))}`).join('&')}`;
    }
    const strategy = Math.floor(rand() * 6);
    let options: Parameters<typeof httpFrom>[3];
    if (strategy === 0) options = { token, raw: Buffer.from(Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256))).toString('latin1') };
    else if (strategy === 1) options = { token, body: hostileValue(rand) };
    else if (strategy === 2)
      options = { token, raw: JSON.stringify(validBody(route)), headers: { 'content-type': pick(['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=utf-7']) } };
    // Over the production limit of 1 MiB: refused before it is parsed.
    else if (strategy === 3) options = { token, raw: JSON.stringify({ pad: 'x'.repeat(DEFAULT_SETTINGS.bodyLimit + 64 * 1024) }) };
    else options = { token, body: route.body ? mutate(rand, validBody(route)) : hostileValue(rand) };
    // A body on a GET or DELETE is itself hostile input; half of them carry one.
    if ((route.method === 'GET' || route.method === 'DELETE') && rand() < 0.5) options = { token: options.token };
    const tally = seen.get(name)!;
    tally.sent++;
    batch.push(
      httpFrom(client, route.method, path, options).then((r) => {
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status !== 429) tally.pastLimiter++;
        assert.ok(r.status < 500, `request ${i} ${route.method} ${path.slice(0, 200)}: ${r.status} ${r.text.slice(0, 300)}`);
        assert.doesNotMatch(r.text, /\n\s+at |node_modules|\.ts:\d+/, `request ${i}: no stack trace`);
        if (r.status >= 400) assertErrorShape(r, `request ${i} ${route.method} ${path.slice(0, 200)}`);
      }),
    );
    if (batch.length >= 16) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
  t.diagnostic(`${routes.length} routes; statuses ${JSON.stringify([...statuses].sort((a, b) => a[0] - b[0]))}`);
  assert.deepEqual(await count(), before, 'no row written');
  assert.equal((await http(server.url, 'GET', '/healthz')).status, 200, 'still serving');
  // Every route was fuzzed, and enough requests got past the rate limiter to reach its validation.
  const thin = [...seen].filter(([, s]) => s.pastLimiter < 30).map(([n, s]) => `${n}: ${s.pastLimiter}/${s.sent}`);
  assert.deepEqual(thin, [], 'routes that too few hostile requests reached');
  assert.ok((statuses.get(400) ?? 0) > REQUESTS / 10, `mostly refused by validation: ${JSON.stringify([...statuses])}`);
  assert.ok((statuses.get(413) ?? 0) > 0, 'bodies over the production limit are refused (413)');
});

test('a flood from one address is rate limited (429 with Retry-After), never a 5xx, and others are still served', async () => {
  const flooder = '127.0.0.100';
  const answers: { status: number; retryAfter?: string }[] = [];
  for (let i = 0; i < DEFAULT_SETTINGS.rateLimitPerMinute + 40; i += 20)
    answers.push(...(await Promise.all(Array.from({ length: 20 }, () => httpFrom(flooder, 'POST', '/v1/enrol', { body: hostileValue(prng(i)) })))));
  assert.ok(answers.every((a) => a.status < 500), JSON.stringify(answers.filter((a) => a.status >= 500)));
  const limited = answers.filter((a) => a.status === 429);
  assert.ok(limited.length >= 40, `${limited.length} of ${answers.length} limited`);
  assert.ok(limited.every((a) => Number(a.retryAfter) > 0), 'every 429 says when to come back');
  assert.equal((await httpFrom(CLIENTS[0]!, 'GET', '/v1/policy', { token: deviceToken })).status, 200, 'an enrolled device elsewhere is still served');
});

test("the framework's own refusals (over-long or malformed URLs, GET bodies, bytes that are not HTTP, huge headers) come back in the server's error shape", async () => {
  const tokenFor = (path: string) => (path.startsWith('/admin/') ? server.adminToken : deviceToken);
  const request = (method: string, path: string, extra = '') => `${method} ${path} HTTP/1.1\r\nHost: cordon\r\nAuthorization: Bearer ${tokenFor(path)}\r\nConnection: close\r\n${extra}`;
  const cases: { what: string; bytes: string; status?: number }[] = [];
  for (const route of routes) {
    const name = `${route.method} ${route.path}`;
    if (route.path.includes('{')) {
      const long = 'a'.repeat(150);
      cases.push({ what: `${name}: a path parameter over the router's limit`, bytes: request(route.method, route.path.replace(/\{[^}]+\}/g, long), '\r\n'), status: 414 });
      cases.push({ what: `${name}: a path parameter that is not valid percent-encoding`, bytes: request(route.method, route.path.replace(/\{[^}]+\}/g, '%E0%A4%A'), '\r\n'), status: 400 });
    }
    if (route.method === 'GET' || route.method === 'DELETE') {
      // A declared chunked body, and an undeclared one (what Node's client sends for a GET with a body: bytes after the request).
      cases.push({ what: `${name} with a chunked body`, bytes: request(route.method, route.path.replace(/\{[^}]+\}/g, 'x'), 'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n') });
      cases.push({ what: `${name} with an undeclared body`, bytes: request(route.method, route.path.replace(/\{[^}]+\}/g, 'x'), `\r\n{"pad":"${'x'.repeat(64)}"}`) });
    }
    cases.push({ what: `${name} with a malformed chunk`, bytes: request(route.method, route.path.replace(/\{[^}]+\}/g, 'x'), 'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), status: 400 });
  }
  cases.push(
    { what: 'an unknown route', bytes: request('GET', `/v1/${'nowhere/'.repeat(100)}`, '\r\n'), status: 404 },
    { what: 'an unknown method', bytes: request('PROPFIND', '/v1/policy', '\r\n'), status: 404 },
    { what: 'bytes that are not HTTP', bytes: '\u0000\u0001HELLO\r\n\r\n', status: 400 },
    { what: 'a request line with a made-up method token', bytes: 'FOO\u0007 / HTTP/1.1\r\nHost: x\r\n\r\n', status: 400 },
    { what: 'headers over the limit', bytes: request('GET', '/v1/policy', `X-Pad: ${'a'.repeat(20_000)}\r\n\r\n`), status: 431 },
    { what: 'a URL over the header limit', bytes: request('GET', `/${'a'.repeat(20_000)}`, '\r\n'), status: 431 },
    { what: 'both Content-Length and chunked', bytes: request('POST', '/v1/events', 'Content-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n'), status: 400 },
    { what: 'a body over the limit', bytes: request('POST', '/v1/events', `Content-Type: application/json\r\nContent-Length: ${DEFAULT_SETTINGS.bodyLimit + 10}\r\n\r\n{}`), status: 413 },
    { what: 'JSON that does not parse', bytes: request('POST', '/v1/events', 'Content-Type: application/json\r\nContent-Length: 3\r\n\r\n{x}'), status: 400 },
    { what: 'an unsupported content type', bytes: request('POST', '/v1/events', 'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=b'), status: 415 },
  );
  const statuses = new Map<number, number>();
  for (let i = 0; i < cases.length; i += 8) {
    await Promise.all(
      cases.slice(i, i + 8).map(async (c, j) => {
        const r = await rawExchange(server, CLIENTS[(i + j) % CLIENTS.length]!, c.bytes);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (c.status !== undefined && r.status !== 429) assert.equal(r.status, c.status, `${c.what}: ${r.text.slice(0, 300)}`);
        if (r.status >= 400) assertErrorShape(r, c.what);
        assert.doesNotMatch(r.text, /a{120}|FST_ERR|statusCode/, `${c.what}: the answer does not echo the request or Fastify's internals`);
      }),
    );
  }
  assert.ok((statuses.get(414) ?? 0) > 0 && (statuses.get(431) ?? 0) > 0, JSON.stringify([...statuses]));
});

test('a client that never finishes its request gets a 408 in the error shape, and the connection is closed', async () => {
  const quick = await startTestServer({ settings: { ...DEFAULT_SETTINGS, requestTimeoutMs: 500 } });
  try {
    const headersNeverEnd = await rawExchange(quick, CLIENTS[0]!, 'GET /healthz HTTP/1.1\r\nHost: cordon\r\n', true);
    assert.equal(headersNeverEnd.status, 408, headersNeverEnd.text);
    assertErrorShape(headersNeverEnd, 'headers that never end');
    const bodyNeverEnds = await rawExchange(quick, CLIENTS[1]!, 'POST /v1/enrol HTTP/1.1\r\nHost: cordon\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"secret":', true);
    assert.equal(bodyNeverEnds.status, 408, bodyNeverEnds.text);
    assertErrorShape(bodyNeverEnds, 'a body that never ends');
  } finally {
    await quick.stop();
  }
});
