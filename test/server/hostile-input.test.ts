// Thousands of malformed and hostile requests at every endpoint: never a 5xx, never a crash, never a row written.
// Deterministic (seeded), so a failure can be replayed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceFacts, http, startTestServer, type TestServer } from '../support/server-instance.ts';
import { event } from './api-suite.ts';

const REQUESTS = 2000;
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

let server: TestServer;
let deviceToken: string;
let viewerToken: string;

before(async () => {
  server = await startTestServer({ settings: { bodyLimit: 256 * 1024 } });
  const r = await http<{ token: string }>(server.url, 'POST', '/v1/enrol', { body: { secret: server.enrolSecret, device: deviceFacts() } });
  deviceToken = r.body.token;
  const v = await http<{ token: string }>(server.url, 'POST', '/admin/v1/tokens', { token: server.adminToken, body: { name: 'fuzz viewer', role: 'viewer' } });
  viewerToken = v.body.token;
});
after(async () => {
  await server?.stop();
});

test(`${REQUESTS} hostile requests: no 5xx, no crash, no row written`, async () => {
  const rand = prng(20261125);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const count = async () => Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, (await server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`))[0]!.n] as const)));
  const before = await count();
  const heartbeat = { agentVersion: '1', mode: 'enforce', policy: { id: 'p', serial: 1, digest: 'd' }, queue: { pending: 0, dropped: 0 }, health: { watcher: 'w', problems: [] }, installed: [] };
  // Valid bodies to mutate. Enrolment carries the real secret: only the mutation stands between it and a new row.
  const bodies: Record<string, () => unknown> = {
    '/v1/enrol': () => ({ secret: server.enrolSecret, device: deviceFacts() }),
    '/v1/events': () => ({ events: [{ ...event(), type: pick(['boom', 7, null, '']) }] }),
    '/v1/heartbeat': () => heartbeat,
    '/v1/exception-requests': () => ({ toolId: 'codex', reason: 'r', days: 3, user: 'alice' }),
    '/admin/v1/policies': () => ({ yaml: pick(NASTY_STRINGS) || 'x: 1', groups: ['*'] }),
    '/admin/v1/tokens': () => ({ name: 'n', role: 'viewer' }),
  };
  const queryPaths = ['/admin/v1/devices', '/admin/v1/events', '/admin/v1/exception-requests', '/admin/v1/audit'];
  const paramPaths = ['/admin/v1/policies/%s/versions', '/admin/v1/policies/%s/rollback', '/admin/v1/exception-requests/%s/approve', '/admin/v1/exception-requests/%s/deny', '/admin/v1/devices/%s', '/admin/v1/devices/%s/revoke', '/admin/v1/assignments/%s', '/admin/v1/tokens/%s'];
  const statuses = new Map<number, number>();
  const batch: Promise<void>[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const token = pick([deviceToken, viewerToken, undefined, 'garbage', 'x'.repeat(600), server.adminToken]);
    const path = pick([...Object.keys(bodies), ...queryPaths, ...paramPaths]);
    let req: Promise<{ status: number; text: string }>;
    const strategy = Math.floor(rand() * 6);
    if (queryPaths.includes(path)) {
      const params = ['limit', 'cursor', 'device', 'tool', 'type', 'since', 'until', 'status', 'compliance', 'group', 'hostname', 'action', 'extra'];
      const qs = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => `${pick(params)}=${enc(String(pick(NASTY_STRINGS)).slice(0, 2000))}`).join('&');
      req = http(server.url, 'GET', `${path}?${qs}`, { token });
    } else if (paramPaths.includes(path)) {
      const id = rand() < 0.1 ? pick(['%E0%A4%A', '%', '%ZZ', '..%2F..%2F']) : enc(String(pick(NASTY_STRINGS)).slice(0, 3000)) || '%20';
      const method = path.startsWith('/admin/v1/assignments') ? pick(['PUT', 'DELETE', 'PATCH']) : path.endsWith('%s') ? pick(['GET', 'DELETE', 'POST']) : 'POST';
      // An admin token on a mutating route must still be refused by the body or the id, never succeed.
      req = http(server.url, method, path.replace('%s', id), { token, body: method === 'GET' || method === 'DELETE' ? undefined : hostileValue(rand) });
    } else if (strategy === 0) {
      const bytes = Buffer.from(Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)));
      req = http(server.url, 'POST', path, { token, raw: bytes.toString('latin1') });
    } else if (strategy === 1) {
      req = http(server.url, 'POST', path, { token, body: hostileValue(rand) });
    } else if (strategy === 2) {
      req = http(server.url, 'POST', path, { token, raw: JSON.stringify(bodies[path]!()), headers: { 'content-type': pick(['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=utf-7']) } });
    } else if (strategy === 3) {
      req = http(server.url, 'POST', path, { token, raw: JSON.stringify({ pad: 'x'.repeat(300 * 1024) }) });
    } else {
      req = http(server.url, 'POST', path, { token, body: mutate(rand, bodies[path]!()) });
    }
    batch.push(
      req.then((r) => {
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        assert.ok(r.status < 500, `request ${i} ${path}: ${r.status} ${r.text.slice(0, 300)}`);
        assert.doesNotMatch(r.text, /\n\s+at |node_modules|\.ts:\d+/, `request ${i}: no stack trace`);
      }),
    );
    if (batch.length >= 16) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
  assert.deepEqual(await count(), before, 'no row written');
  assert.equal((await http(server.url, 'GET', '/healthz')).status, 200, 'still serving');
  assert.ok((statuses.get(400) ?? 0) > REQUESTS / 10, `mostly refused by validation: ${JSON.stringify([...statuses])}`);
});
