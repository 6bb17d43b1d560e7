// The server's API test suite. It runs once against the embedded store (PGlite) and once against a real PostgreSQL:
// see api-pglite.test.ts and api-postgres.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { loadPublicKey, verifyBundle } from '../../policy/index.ts';
import { deviceFacts, http, startTestServer, type TestServer } from '../support/server-instance.ts';

const BASE_POLICY = `schemaVersion: 1
id: company-base
name: Company base policy
mode: enforce
rules:
  - id: block-all
    tools: ["*"]
    action: block
`;

const ML_POLICY = `schemaVersion: 1
id: ml-research
name: ML research
mode: enforce
rules:
  - id: allow-claude
    tools: [claude-code]
    action: allow
`;

export function event(type = 'block', overrides: Record<string, unknown> = {}) {
  return { id: randomUUID(), type, at: new Date().toISOString(), toolId: 'claude-code', pid: 4242, user: 'alice', ...overrides };
}

export function apiSuite(name: string, options: { databaseUrl?: () => Promise<string>; skip?: string }): void {
  describe(`server API on ${name}`, { skip: options.skip }, () => {
    let server: TestServer;
    let base: string;
    let admin: string;

    const enrol = async (facts = deviceFacts()) => {
      const r = await http<{ deviceId: string; token: string }>(base, 'POST', '/v1/enrol', { body: { secret: server.enrolSecret, device: facts } });
      assert.equal(r.status, 201, r.text);
      return r.body;
    };
    /** Enrols, then IT puts the device in groups (the server's word; a device cannot choose them). */
    const enrolIn = async (groups: string[], facts = deviceFacts()) => {
      const device = await enrol(facts);
      const set = await http(base, 'PUT', `/admin/v1/devices/${device.deviceId}/groups`, { token: admin, body: { groups } });
      assert.equal(set.status, 200, set.text);
      return device;
    };
    const push = (yaml: string, groups?: string[], token = admin) => http(base, 'POST', '/admin/v1/policies', { token, body: { yaml, groups } });
    const count = async (table: string) => Number((await server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n);

    before(async () => {
      server = await startTestServer({ databaseUrl: options.databaseUrl ? await options.databaseUrl() : undefined });
      base = server.url;
      admin = server.adminToken;
    });
    after(async () => {
      await server?.stop();
    });

    test('health and the OpenAPI document generated from the route schemas', async () => {
      const h = await http(base, 'GET', '/healthz');
      assert.equal(h.status, 200);
      assert.equal(h.body.database, server.db.kind);
      const doc = await http<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(base, 'GET', '/openapi.json');
      assert.match(doc.body.openapi, /^3\./);
      for (const path of ['/v1/enrol', '/v1/policy', '/v1/events', '/v1/heartbeat', '/v1/exception-requests', '/admin/v1/policies', '/admin/v1/devices', '/admin/v1/events', '/admin/v1/audit'])
        assert.ok(doc.body.paths[path], `${path} is documented`);
      assert.ok(doc.body.paths['/v1/enrol']!.post, 'enrol documents its body');
    });

    test('enrolment gives a device id and a token that is stored only as a hash', async () => {
      const { deviceId, token } = await enrol();
      assert.match(token, /^[A-Za-z0-9_-]{43}$/);
      const [row] = await server.db.query<{ token_hash: string }>('SELECT token_hash FROM devices WHERE id = $1', [deviceId]);
      assert.equal(row!.token_hash, createHash('sha256').update(token).digest('hex'));
      const all = await server.db.query<Record<string, unknown>>('SELECT * FROM devices');
      assert.ok(!JSON.stringify(all).includes(token), 'the token itself is nowhere in the database');
    });

    test('a wrong enrolment secret is refused with 401 and nothing is stored', async () => {
      const before = await count('devices');
      const r = await http(base, 'POST', '/v1/enrol', { body: { secret: 'not-the-secret', device: deviceFacts() } });
      assert.equal(r.status, 401);
      assert.deepEqual(r.body, { error: { code: 'invalid-secret', message: "body.secret: not this server's enrolment secret (or used up, expired or revoked)" } });
      assert.equal(await count('devices'), before);
    });

    test('the policy bundle verifies against the exported key, is bound to the device, and answers 304 on its ETag', async () => {
      const { deviceId, token } = await enrol();
      const r = await http(base, 'GET', '/v1/policy', { token });
      assert.equal(r.status, 200, r.text);
      const etag = r.headers.get('etag')!;
      assert.match(etag, /^"[0-9a-f]{64}"$/);
      const content = verifyBundle(r.text, [loadPublicKey(server.publicKeyPem)]);
      assert.equal(content.device, deviceId);
      assert.equal(content.serial, 1);
      assert.equal(etag, `"${createHash('sha256').update((r.body as { payload: string }).payload).digest('hex')}"`);
      const again = await http(base, 'GET', '/v1/policy', { token, headers: { 'if-none-match': etag } });
      assert.equal(again.status, 304);
      assert.equal(again.text, '');
      assert.ok(['0', null].includes(again.headers.get('content-length')), `a 304 announces no body (content-length ${again.headers.get('content-length')})`);
      const stale = await http(base, 'GET', '/v1/policy', { token, headers: { 'if-none-match': '"0000"' } });
      assert.equal(stale.status, 200);
      assert.equal(verifyBundle(stale.text, [loadPublicKey(server.publicKeyPem)]).serial, 1, 'same policy, same serial');
    });

    test('the serial increases when the effective policy changes, and only then', async () => {
      const { token } = await enrolIn(['ml-research']);
      const key = [loadPublicKey(server.publicKeyPem)];
      const first = await http(base, 'GET', '/v1/policy', { token });
      const s1 = verifyBundle(first.text, key);
      assert.equal((await push(BASE_POLICY, ['*'])).status, 201);
      const second = await http(base, 'GET', '/v1/policy', { token, headers: { 'if-none-match': first.headers.get('etag')! } });
      assert.equal(second.status, 200);
      const s2 = verifyBundle(second.text, key);
      assert.equal(s2.policy.policyId, 'company-base');
      assert.ok(s2.serial > s1.serial, `${s2.serial} > ${s1.serial}`);
      // A policy for a group this device is not in changes nothing for it: still 304.
      assert.equal((await push(BASE_POLICY.replace('company-base', 'sales').replace('Company base policy', 'Sales'), ['sales'])).status, 201);
      const third = await http(base, 'GET', '/v1/policy', { token, headers: { 'if-none-match': second.headers.get('etag')! } });
      assert.equal(third.status, 304);
      // Its group's policy puts its rules in front of the base rules.
      assert.equal((await push(ML_POLICY, ['ml-research'])).status, 201);
      const fourth = await http(base, 'GET', '/v1/policy', { token, headers: { 'if-none-match': second.headers.get('etag')! } });
      const s4 = verifyBundle(fourth.text, key);
      assert.ok(s4.serial > s2.serial);
      assert.deepEqual(s4.policy.rules.map((r) => r.id), ['ml-research/ml-research/allow-claude', 'block-all']);
    });

    test('a device cannot choose its groups: those it names at enrolment are ignored; IT sets them, and they are signed into its bundle', async () => {
      const { deviceId, token } = await enrol(deviceFacts({ groups: ['ml-research-self'] }));
      const key = [loadPublicKey(server.publicKeyPem)];
      assert.equal((await push(ML_POLICY.replaceAll('ml-research', 'ml-research-self'), ['ml-research-self'])).status, 201);
      const [row] = await server.db.query<{ groups: string[] }>('SELECT groups FROM devices WHERE id = $1', [deviceId]);
      assert.deepEqual(row!.groups, [], 'the groups the device named are not stored');
      const first = await http(base, 'GET', '/v1/policy', { token });
      const c1 = verifyBundle(first.text, key);
      assert.deepEqual(c1.groups, []);
      assert.ok(!c1.policy.rules.some((r) => r.id.startsWith('ml-research-self/')), 'no rules of the group it named');
      const viewer = (await http<{ token: string }>(base, 'POST', '/admin/v1/tokens', { token: admin, body: { name: 'groups-viewer', role: 'viewer' } })).body.token;
      assert.equal((await http(base, 'PUT', `/admin/v1/devices/${deviceId}/groups`, { token: viewer, body: { groups: ['x'] } })).status, 403, 'a viewer cannot');
      assert.equal((await http(base, 'PUT', `/admin/v1/devices/${deviceId}/groups`, { token: admin, body: { groups: ['bad group!'] } })).status, 400);
      const set = await http(base, 'PUT', `/admin/v1/devices/${deviceId}/groups`, { token: admin, body: { groups: ['ml-research-self', 'eng'] } });
      assert.deepEqual(set.body, { id: deviceId, groups: ['eng', 'ml-research-self'] });
      const second = await http(base, 'GET', '/v1/policy', { token, headers: { 'if-none-match': first.headers.get('etag')! } });
      assert.equal(second.status, 200, 'new groups: a new bundle at once');
      const c2 = verifyBundle(second.text, key);
      assert.deepEqual(c2.groups, ['eng', 'ml-research-self']);
      assert.ok(c2.serial > c1.serial);
      assert.ok(c2.policy.rules.some((r) => r.id === 'ml-research-self/ml-research-self/allow-claude'), 'the group IT set brings its policy');
      const audit = await http<{ entries: { action: string; target: string }[] }>(base, 'GET', '/admin/v1/audit?limit=5', { token: admin });
      assert.ok(audit.body.entries.some((e) => e.action === 'device.groups' && e.target === deviceId));
    });

    test('events are stored once however often a batch is re-sent, and bad events are rejected alone', async () => {
      const { deviceId, token } = await enrol();
      const good = [event('block'), event('install-found'), event('agent.started', { toolId: undefined })];
      const bad = { id: 'bad-1', type: 'explode', at: 'yesterday' };
      const batch = { events: [...good, bad] };
      const r1 = await http<{ durable: string[]; rejected: { id: string; problem: string }[] }>(base, 'POST', '/v1/events', { token, body: batch });
      assert.equal(r1.status, 200, r1.text);
      assert.deepEqual(r1.body.durable.sort(), good.map((e) => e.id).sort());
      assert.equal(r1.body.rejected.length, 1);
      assert.equal(r1.body.rejected[0]!.id, 'bad-1');
      assert.match(r1.body.rejected[0]!.problem, /^events\[3\]\.(type|at): must/);
      const r2 = await http<{ durable: string[] }>(base, 'POST', '/v1/events', { token, body: batch });
      assert.deepEqual(r2.body.durable.sort(), r1.body.durable.sort(), 'the re-sent batch is acknowledged in full');
      const [row] = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE device_id = $1', [deviceId]);
      assert.equal(row!.n, 3, 'stored once');
      // Valid RFC 3339, but not a time PostgreSQL can store: refused alone, not a 500 for the batch.
      const year0 = await http<{ durable: string[]; rejected: { problem: string }[] }>(base, 'POST', '/v1/events', { token, body: { events: [event('block', { at: '0000-01-01T00:00:00Z' }), event()] } });
      assert.equal(year0.status, 200);
      assert.equal(year0.body.durable.length, 1);
      assert.equal(year0.body.rejected[0]!.problem, 'events[0].at: must be a time between 1970 and 9999');
    });

    test('events query by device, tool and type, newest first, with cursor pagination', async () => {
      const { deviceId, token } = await enrol();
      const sent = Array.from({ length: 5 }, (_, i) => event(i % 2 ? 'warn' : 'block', { toolId: i < 4 ? 'codex' : 'aider' }));
      await http(base, 'POST', '/v1/events', { token, body: { events: sent } });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; body: { events: { id: string; deviceId: string }[]; nextCursor: string | null } } = await http(
          base, 'GET', `/admin/v1/events?device=${deviceId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: admin },
        );
        assert.equal(page.status, 200);
        assert.ok(page.body.events.length <= 2);
        seen.push(...page.body.events.map((e) => e.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, sent.map((e) => e.id).reverse());
      const codexWarn = await http<{ events: { id: string }[] }>(base, 'GET', `/admin/v1/events?device=${deviceId}&tool=codex&type=warn`, { token: admin });
      assert.deepEqual(codexWarn.body.events.map((e) => e.id), [sent[3]!.id, sent[1]!.id]);
      const bad = await http(base, 'GET', '/admin/v1/events?since=last-tuesday', { token: admin });
      assert.equal(bad.status, 400);
      assert.match(String((bad.body as { error: { message: string } }).error.message), /^querystring\.since: /);
      assert.equal((await http(base, 'GET', '/admin/v1/events?since=0000-01-01T00:00:00Z', { token: admin })).status, 400);
    });

    test('heartbeat feeds the device list: last seen, compliance, policy in force, filters', async () => {
      const { deviceId, token } = await enrolIn(['hb-group'], deviceFacts({ hostname: 'heartbeat-host' }));
      const p = await http(base, 'GET', '/v1/policy', { token });
      const serial = verifyBundle(p.text, [loadPublicKey(server.publicKeyPem)]).serial;
      const installed = [{ toolId: 'codex', name: 'Codex CLI', path: '/usr/local/bin/codex', via: 'npm', foundAt: new Date().toISOString(), state: 'not-allowed' }];
      const hb = await http(base, 'POST', '/v1/heartbeat', {
        token,
        body: { agentVersion: '0.1.1', mode: 'enforce', policy: { id: 'company-base', serial, digest: 'x' }, queue: { pending: 0, dropped: 0 }, health: { watcher: 'procfs', problems: [] }, installed },
      });
      assert.equal(hb.status, 200, hb.text);
      assert.ok(Date.parse(String(hb.body.serverTime)));
      type Devices = { devices: { id: string; compliance: string; lastSeenAt: string | null; agentVersion: string; policy: { serialInForce: number } }[] };
      const list = await http<Devices>(base, 'GET', '/admin/v1/devices?group=hb-group', { token: admin });
      assert.equal(list.body.devices.length, 1);
      const d = list.body.devices[0]!;
      assert.equal(d.id, deviceId);
      assert.equal(d.compliance, 'tool-installed');
      assert.equal(d.agentVersion, '0.1.1');
      assert.equal(d.policy.serialInForce, serial);
      assert.ok(d.lastSeenAt);
      const neverSeen = await http<Devices>(base, 'GET', '/admin/v1/devices?compliance=never-seen&limit=1000', { token: admin });
      assert.ok(neverSeen.body.devices.length >= 1);
      assert.ok(neverSeen.body.devices.every((x) => x.compliance === 'never-seen' && x.lastSeenAt === null));
      const byHost = await http<Devices>(base, 'GET', '/admin/v1/devices?hostname=HEARTBEAT', { token: admin });
      assert.deepEqual(byHost.body.devices.map((x) => x.id), [deviceId]);
    });

    test('device list pagination visits every device once', async () => {
      for (let i = 0; i < 3; i++) await enrolIn(['paged']);
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { devices: { id: string }[]; nextCursor: string | null } } = await http(base, 'GET', `/admin/v1/devices?group=paged&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: admin });
        ids.push(...page.body.devices.map((d) => d.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      assert.equal(ids.length, 3);
      assert.equal(new Set(ids).size, 3);
    });

    test('exception requests: asked by the agent, approved with an expiry into the device policy, or denied', async () => {
      const { deviceId, token } = await enrol();
      const ask = await http<{ id: string; status: string }>(base, 'POST', '/v1/exception-requests', { token, body: { toolId: 'codex', reason: 'evaluating for SEC-1', days: 7, user: 'alice' } });
      assert.equal(ask.status, 201, ask.text);
      assert.equal(ask.body.status, 'pending');
      const unknown = await http(base, 'POST', '/v1/exception-requests', { token, body: { toolId: 'no-such-tool', reason: 'x', days: 1, user: 'alice' } });
      assert.equal(unknown.status, 422);
      const before = await http(base, 'GET', '/v1/policy', { token });
      const pending = await http<{ requests: { id: string; deviceId: string }[] }>(base, 'GET', `/admin/v1/exception-requests?status=pending&device=${deviceId}`, { token: admin });
      assert.deepEqual(pending.body.requests.map((r) => r.id), [ask.body.id]);
      const approved = await http<{ status: string; expires: string }>(base, 'POST', `/admin/v1/exception-requests/${ask.body.id}/approve`, { token: admin, body: { days: 3, note: 'ok for the evaluation' } });
      assert.equal(approved.status, 200, approved.text);
      assert.equal(approved.body.status, 'approved');
      const days = (Date.parse(approved.body.expires) - Date.now()) / 86_400_000;
      assert.ok(days > 2.9 && days <= 3, `expires in ${days} days`);
      const twice = await http(base, 'POST', `/admin/v1/exception-requests/${ask.body.id}/approve`, { token: admin, body: {} });
      assert.equal(twice.status, 409);
      const after = await http(base, 'GET', '/v1/policy', { token, headers: { 'if-none-match': before.headers.get('etag')! } });
      assert.equal(after.status, 200);
      const content = verifyBundle(after.text, [loadPublicKey(server.publicKeyPem)]);
      const ex = content.policy.exceptions.find((e) => e.id === `request-${ask.body.id}`);
      assert.ok(ex, 'the approved exception is in the device policy');
      assert.equal(ex.device, deviceId);
      assert.equal(ex.user, 'alice');
      assert.equal(ex.tool, 'codex');
      const mine = await http<{ requests: { id: string; status: string }[] }>(base, 'GET', '/v1/exception-requests', { token });
      assert.deepEqual(mine.body.requests.map((r) => [r.id, r.status]), [[ask.body.id, 'approved']]);
      const other = await http<{ id: string }>(base, 'POST', '/v1/exception-requests', { token, body: { toolId: 'aider', reason: 'please', days: 1, user: 'alice' } });
      const denied = await http<{ status: string; note: string }>(base, 'POST', `/admin/v1/exception-requests/${other.body.id}/deny`, { token: admin, body: { note: 'use the gateway' } });
      assert.deepEqual([denied.body.status, denied.body.note], ['denied', 'use the gateway']);
    });

    test('a revoked device token gets 401 invalid-token, so the agent re-enrols', async () => {
      const { deviceId, token } = await enrol();
      assert.equal((await http(base, 'GET', '/v1/policy', { token })).status, 200);
      assert.equal((await http(base, 'POST', `/admin/v1/devices/${deviceId}/revoke`, { token: admin })).status, 200);
      for (const [method, path, body] of [['GET', '/v1/policy'], ['POST', '/v1/events', { events: [event()] }], ['GET', '/v1/exception-requests']] as const) {
        const r = await http<{ error: { code: string } }>(base, method, path, { token, body });
        assert.equal(r.status, 401, `${method} ${path}`);
        assert.equal(r.body.error.code, 'invalid-token');
      }
      const none = await http<{ error: { code: string } }>(base, 'GET', '/v1/policy');
      assert.equal(none.status, 401);
    });

    test('enrolling again as itself: same id, new token, groups and serials kept; a revoked device is refused; an unknown id is taken up above its serial floor', async () => {
      const { deviceId, token } = await enrolIn(['kept-group']);
      const key = [loadPublicKey(server.publicKeyPem)];
      const s1 = verifyBundle((await http(base, 'GET', '/v1/policy', { token })).text, key).serial;
      const again = await http<{ deviceId: string; token: string }>(base, 'POST', '/v1/enrol', { body: { secret: server.enrolSecret, device: deviceFacts(), deviceId, serialFloor: s1 } });
      assert.equal(again.status, 201, again.text);
      assert.equal(again.body.deviceId, deviceId);
      assert.equal((await http(base, 'GET', '/v1/policy', { token })).status, 401, 'the old token is gone');
      const c = verifyBundle((await http(base, 'GET', '/v1/policy', { token: again.body.token })).text, key);
      assert.deepEqual([c.device, c.groups, c.serial], [deviceId, ['kept-group'], s1]);
      assert.equal((await http(base, 'POST', `/admin/v1/devices/${deviceId}/revoke`, { token: admin })).status, 200);
      const revoked = await http(base, 'POST', '/v1/enrol', { body: { secret: server.enrolSecret, device: deviceFacts(), deviceId } });
      assert.equal(revoked.status, 403);
      assert.equal((revoked.body as { error: { code: string } }).error.code, 'device-revoked');
      const lost = randomUUID();
      const restored = await http<{ deviceId: string; token: string }>(base, 'POST', '/v1/enrol', { body: { secret: server.enrolSecret, device: deviceFacts(), deviceId: lost, serialFloor: 41 } });
      assert.equal(restored.body.deviceId, lost);
      assert.equal(verifyBundle((await http(base, 'GET', '/v1/policy', { token: restored.body.token })).text, key).serial, 42, 'its series goes on above what the agent accepted');
      const wrong = await http(base, 'POST', '/v1/enrol', { body: { secret: 'not-the-secret', device: deviceFacts(), deviceId: lost } });
      assert.equal(wrong.status, 401);
    });

    test('roles: a viewer reads but cannot change; no token or a revoked one is 401', async () => {
      const made = await http<{ id: string; token: string }>(base, 'POST', '/admin/v1/tokens', { token: admin, body: { name: 'auditor', role: 'viewer' } });
      assert.equal(made.status, 201, made.text);
      const viewer = made.body.token;
      assert.equal((await http(base, 'GET', '/admin/v1/devices', { token: viewer })).status, 200);
      assert.equal((await http(base, 'GET', '/admin/v1/policies', { token: viewer })).status, 200);
      const denied = await push(BASE_POLICY, ['*'], viewer);
      assert.equal(denied.status, 403);
      assert.match(String((denied.body as { error: { message: string } }).error.message), /role viewer/);
      assert.equal((await http(base, 'POST', '/admin/v1/tokens', { token: viewer, body: { name: 'x', role: 'admin' } })).status, 403);
      assert.equal((await http(base, 'GET', '/admin/v1/devices')).status, 401);
      assert.equal((await http(base, 'GET', '/admin/v1/devices', { token: 'cordon_wrong' })).status, 401);
      assert.equal((await http(base, 'DELETE', `/admin/v1/tokens/${made.body.id}`, { token: admin })).status, 204);
      assert.equal((await http(base, 'GET', '/admin/v1/devices', { token: viewer })).status, 401);
    });

    test('an invalid policy is refused with the policy core\'s located problems, and nothing is stored', async () => {
      const before = await count('policy_versions');
      const bad = BASE_POLICY.replace('mode: enforce', 'mode: loud');
      const r = await push(bad, ['*']);
      assert.equal(r.status, 422);
      const error = (r.body as { error: { code: string; message: string; problems: { path: string; line: number; message: string }[] } }).error;
      assert.equal(error.code, 'invalid-policy');
      assert.deepEqual(error.problems.map((p) => [p.path, p.line]), [['mode', 4]]);
      assert.match(error.message, /body\.yaml:4:\d+ {2}mode: must be one of: enforce, monitor/);
      const unknownTool = await push(BASE_POLICY.replace('tools: ["*"]', 'tools: [claude]'));
      const problem = (unknownTool.body as { error: { problems: { path: string; line: number; message: string }[] } }).error.problems[0]!;
      assert.deepEqual([problem.path, problem.line], ['rules[0].tools[0]', 7]);
      assert.match(problem.message, /did you mean "claude-code"/);
      assert.equal((await push('::: not yaml [')).status, 422);
      const aliasBomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdef'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcde'[i]}`).join(', ')}]`)].join('\n');
      const bomb = await push(aliasBomb);
      assert.equal(bomb.status, 422, bomb.text);
      const bombError = (bomb.body as { error: { message: string; problems: { message: string }[] } }).error;
      assert.match(bombError.message, /body\.yaml/);
      assert.match(bombError.problems[0]!.message, /alias/i);
      assert.equal(await count('policy_versions'), before);
    });

    test('versions and rollback, all in the audit log', async () => {
      const v1 = await push(BASE_POLICY.replace('company-base', 'rollback-me'), ['rollback-group']);
      const v2 = await push(BASE_POLICY.replace('company-base', 'rollback-me').replace('action: block', 'action: warn'));
      assert.deepEqual([v1.body.version, v2.body.version], [1, 2]);
      const rb = await http(base, 'POST', '/admin/v1/policies/rollback-me/rollback', { token: admin, body: {} });
      assert.deepEqual(rb.body, { policyId: 'rollback-me', currentVersion: 1, previousVersion: 2 });
      const versions = await http<{ versions: { version: number; current: boolean }[] }>(base, 'GET', '/admin/v1/policies/rollback-me/versions', { token: admin });
      assert.deepEqual(versions.body.versions.map((v) => [v.version, v.current]), [[2, false], [1, true]]);
      assert.equal((await http(base, 'POST', '/admin/v1/policies/rollback-me/rollback', { token: admin, body: { version: 9 } })).status, 404);
      const list = await http<{ policies: { policyId: string; name: string; currentVersion: number; latestVersion: number; groups: string[] }[] }>(base, 'GET', '/admin/v1/policies', { token: admin });
      const summary = list.body.policies.find((p) => p.policyId === 'rollback-me')!;
      assert.deepEqual([summary.name, summary.currentVersion, summary.latestVersion, summary.groups], ['Company base policy', 1, 2, ['rollback-group']]);
      const audit = await http<{ entries: { action: string; target: string; actor: string }[] }>(base, 'GET', '/admin/v1/audit?limit=1000', { token: admin });
      const actions = audit.body.entries.map((e) => `${e.action} ${e.target}`);
      assert.equal(actions[0], 'policy.rollback rollback-me');
      for (const a of ['policy.push rollback-me', 'policy.push company-base', 'exception.approve', 'exception.deny', 'device.revoke', 'token.create', 'token.revoke'])
        assert.ok(actions.some((x) => x.startsWith(a)), `audit has ${a}`);
      assert.ok(audit.body.entries.every((e) => e.actor.length > 0));
    });

    test('bad input: malformed JSON, unknown fields, wrong types, oversized bodies: clear 4xx, no stack trace', async () => {
      const { token } = await enrol();
      const cases: { name: string; req: Parameters<typeof http>; status: number; code: string; message?: RegExp }[] = [
        { name: 'truncated JSON', req: [base, 'POST', '/v1/enrol', { raw: '{"secret": "x", "dev' }], status: 400, code: 'malformed-json' },
        { name: 'unknown field', req: [base, 'POST', '/v1/enrol', { body: { secret: 'x', device: { ...deviceFacts(), colour: 'red' } } }], status: 400, code: 'invalid-request', message: /^body\.device\.colour: unknown field$/ },
        { name: 'wrong type', req: [base, 'POST', '/v1/enrol', { body: { secret: 'x', device: { ...deviceFacts(), groups: 'eng' } } }], status: 400, code: 'invalid-request', message: /^body\.device\.groups: must be array$/ },
        { name: 'missing field', req: [base, 'POST', '/v1/heartbeat', { token, body: { agentVersion: '1' } }], status: 400, code: 'invalid-request', message: /^body\.mode: is required$/ },
        { name: 'empty batch', req: [base, 'POST', '/v1/events', { token, body: { events: [] } }], status: 400, code: 'invalid-request', message: /body\.events: must NOT have fewer than 1 items/ },
        { name: 'batch over 500', req: [base, 'POST', '/v1/events', { token, body: { events: Array.from({ length: 501 }, () => event()) } }], status: 400, code: 'invalid-request' },
        { name: 'over 1 MiB', req: [base, 'POST', '/v1/events', { token, raw: JSON.stringify({ events: [event('block', { message: 'x'.repeat(1100 * 1024) })] }) }], status: 413, code: 'body-too-large' },
        { name: 'not JSON content type', req: [base, 'POST', '/v1/enrol', { raw: 'secret=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }], status: 415, code: 'unsupported-media-type' },
        { name: 'unknown route', req: [base, 'GET', '/v1/nope'], status: 404, code: 'not-found' },
        { name: 'JSON array body', req: [base, 'POST', '/v1/enrol', { raw: '[]' }], status: 400, code: 'invalid-request' },
      ];
      for (const c of cases) {
        const r = await http<{ error: { code: string; message: string } }>(...c.req);
        assert.equal(r.status, c.status, `${c.name}: ${r.text.slice(0, 300)}`);
        assert.equal(r.body.error.code, c.code, c.name);
        if (c.message) assert.match(r.body.error.message, c.message, c.name);
        assert.doesNotMatch(r.text, /\n\s+at |\.ts:\d+/, `${c.name}: no stack trace`);
      }
    });
  });
}
