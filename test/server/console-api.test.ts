// The admin API the console stands on, over HTTP against a real server (PGlite): sessions (cookie attributes,
// CSRF header, Origin check, revocation), overview counts and the blocks series kept as events arrive (a re-sent
// batch counted once), CSV export with formula cells defused, and policy validate / diff.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deviceFacts, http, startTestServer, type TestServer } from '../support/server-instance.ts';
import { event } from './api-suite.ts';

describe('console admin API', () => {
  let server: TestServer;
  let base: string;

  before(async () => {
    server = await startTestServer();
    base = server.url;
  });
  after(() => server?.stop());

  const signIn = async (token: string) => {
    const r = await http<{ csrfToken: string; role: string }>(base, 'POST', '/admin/v1/session', { body: { token } });
    assert.equal(r.status, 201, r.text);
    const cookie = r.headers.get('set-cookie')!;
    return { cookie: cookie.split(';')[0]!, setCookie: cookie, csrf: r.body.csrfToken, role: r.body.role };
  };

  test('a session cookie is HttpOnly and SameSite=Strict; changes need its CSRF token and a same-site Origin; revoking the token ends it', async () => {
    const s = await signIn(server.adminToken);
    assert.match(s.setCookie, /^cordon_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    assert.ok(!s.setCookie.includes(server.adminToken));
    const get = await http(base, 'GET', '/admin/v1/overview', { headers: { cookie: s.cookie } });
    assert.equal(get.status, 200, 'reads need no CSRF token');
    const body = { name: 'ops', role: 'viewer' };
    assert.equal((await http(base, 'POST', '/admin/v1/tokens', { body, headers: { cookie: s.cookie } })).status, 403, 'no CSRF header');
    assert.equal((await http(base, 'POST', '/admin/v1/tokens', { body, headers: { cookie: s.cookie, 'x-cordon-csrf': 'guess' } })).status, 403, 'wrong CSRF token');
    const evil = await http(base, 'POST', '/admin/v1/tokens', { body, headers: { cookie: s.cookie, 'x-cordon-csrf': s.csrf, origin: 'https://evil.example' } });
    assert.equal(evil.status, 403, 'another site');
    assert.match(evil.text, /Origin https:\/\/evil\.example is not this server/);
    const made = await http<{ id: string; token: string }>(base, 'POST', '/admin/v1/tokens', { body, headers: { cookie: s.cookie, 'x-cordon-csrf': s.csrf, origin: base } });
    assert.equal(made.status, 201, made.text);
    const viewer = await signIn(made.body.token);
    assert.equal(viewer.role, 'viewer');
    const refused = await http(base, 'POST', '/admin/v1/tokens', { body, headers: { cookie: viewer.cookie, 'x-cordon-csrf': viewer.csrf } });
    assert.equal(refused.status, 403);
    assert.match(refused.text, /has role viewer; this needs role admin/);
    assert.equal((await http(base, 'DELETE', `/admin/v1/tokens/${made.body.id}`, { token: server.adminToken })).status, 204);
    assert.equal((await http(base, 'GET', '/admin/v1/overview', { headers: { cookie: viewer.cookie } })).status, 401, 'the revoked token\'s session is over');
    assert.equal((await http(base, 'POST', '/admin/v1/session', { body: { token: 'cordon_nope' } })).status, 401);
    assert.equal((await http(base, 'POST', '/admin/v1/session', { body: { token: server.adminToken }, headers: { origin: 'https://evil.example' } })).status, 403, 'no sign-in from another site');
    const out = await http(base, 'DELETE', '/admin/v1/session', { headers: { cookie: s.cookie, 'x-cordon-csrf': s.csrf } });
    assert.equal(out.status, 204);
    assert.equal((await http(base, 'GET', '/admin/v1/session', { headers: { cookie: s.cookie } })).status, 401, 'signed out');
  });

  test('overview counts and the blocks series follow the events as they arrive, a re-sent batch counted once; CSV defuses formulas', async () => {
    const enrolled = await http<{ deviceId: string; token: string }>(base, 'POST', '/v1/enrol', { body: { secret: server.enrolSecret, device: deviceFacts({ hostname: 'ws-csv' }) } });
    assert.equal(enrolled.status, 201, enrolled.text);
    const batch = [event('block', { toolId: 'codex', message: '=HYPERLINK("http://x")' }), event('block', { toolId: 'codex' }), event('would-block', { toolId: 'codex' })];
    for (let i = 0; i < 2; i++) assert.equal((await http(base, 'POST', '/v1/events', { token: enrolled.body.token, body: { events: batch } })).status, 200);
    const blocks = await http<{ days: string[]; tools: { toolId: string; counts: number[]; total: number }[] }>(base, 'GET', '/admin/v1/stats/blocks?days=30', { token: server.adminToken });
    assert.equal(blocks.body.days.length, 30);
    assert.equal(blocks.body.days[29], new Date().toISOString().slice(0, 10));
    assert.deepEqual(blocks.body.tools.map((t) => [t.toolId, t.total, t.counts[29]]), [['codex', 2, 2]]);
    const overview = await http<{ devices: number; compliance: Record<string, number>; pendingExceptions: number }>(base, 'GET', '/admin/v1/overview', { token: server.adminToken });
    assert.equal(overview.body.devices, 1);
    assert.equal(overview.body.compliance['never-seen'], 1, 'enrolled, no heartbeat yet');
    const csv = await http(base, 'GET', '/admin/v1/events.csv?type=block', { token: server.adminToken });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type')!, /^text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    assert.equal(lines.length, 3);
    assert.ok(csv.text.includes(`"'=HYPERLINK(""http://x"")"`), csv.text);
  });

  test('policy validate locates problems without storing anything; diff compares with the version in force', async () => {
    const bad = await http<{ valid: boolean; problems: { path: string; line?: number; column?: number }[] }>(base, 'POST', '/admin/v1/policies/validate', {
      token: server.adminToken,
      body: { yaml: 'schemaVersion: 1\nid: p\nname: P\nmode: sometimes\nrules: []\n' },
    });
    assert.equal(bad.status, 200);
    assert.equal(bad.body.valid, false);
    assert.deepEqual(bad.body.problems.map((p) => [p.path, p.line, p.column]), [['mode', 4, 7]]);
    const yaml = (name: string) => `schemaVersion: 1\nid: p\nname: ${name}\nmode: enforce\nrules: []\n`;
    assert.equal((await http(base, 'POST', '/admin/v1/policies', { token: server.adminToken, body: { yaml: yaml('One') } })).status, 201);
    const diff = await http<{ inForceVersion: number; changed: boolean; lines: { op: string; text: string }[] }>(base, 'POST', '/admin/v1/policies/diff', { token: server.adminToken, body: { yaml: yaml('Two') } });
    assert.equal(diff.body.inForceVersion, 1);
    assert.deepEqual(diff.body.lines.filter((l) => l.op !== ' '), [{ op: '-', text: 'name: One' }, { op: '+', text: 'name: Two' }]);
  });
});
