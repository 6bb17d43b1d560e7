// Exception requests any local user can file must not grow without bound nor cost the device's server budget
// forever: the offline queue is capped per user and in total (with a clear answer), a server answering 429
// is waited out (its Retry-After honoured) and a request it keeps refusing is given up after a few tries.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ExceptionQueueFull, MAX_QUEUED, MAX_QUEUED_PER_USER } from '../../agent/sync/exception-request-queue.ts';
import { exceptionRequestAnswer } from '../../agent/sync/status-answers.ts';
import { MAX_SEND_ATTEMPTS, SyncAgent } from '../../agent/sync/sync-agent.ts';
import type { ManagedConfig } from '../../agent/sync/managed-config.ts';
import { keyIdOf, loadPublicKey } from '../../policy/index.ts';
import { ContractServer } from './contract-server.ts';
import { FaultProxy } from './fault-proxy.ts';

function configFor(server: ContractServer, url: string): ManagedConfig {
  const key = loadPublicKey(server.key.publicKeyPem);
  return { source: 'test', serverUrl: url, enrolSecret: server.secret, pinnedKeys: [key], pinnedKeyIds: [keyIdOf(key)], groups: ['eng'], tags: [], overrides: {} };
}

async function open(url: string, server: ContractServer, maxBackoffMs = 100, stateDir = mkdtempSync(join(tmpdir(), 'cordon-exr-'))) {
  const agent = await SyncAgent.open({
    config: configFor(server, url),
    stateDir,
    agentVersion: '0.1.0-test',
    onPolicy: () => undefined,
    health: () => ({ mode: 'enforce', policy: { id: 'p', serial: null, digest: 'd' }, watcher: 'procfs', problems: [], installed: [] }),
    keychain: false,
    schedule: false,
    requestTimeoutMs: 800,
    backoff: { baseMs: 20, maxMs: maxBackoffMs },
  });
  return { agent, stateDir };
}

const input = (n: number) => ({ toolId: 'codex', reason: `reason ${n}`, days: 3 });

test('the offline queue holds at most a few requests per user and a bounded number in all, and says so', async () => {
  const server = await new ContractServer().start();
  const proxy = await new FaultProxy(server.url).start();
  const { agent, stateDir } = await open(proxy.url, server);
  try {
    assert.equal((await agent.syncNow()).ok, true);
    proxy.fault = { mode: 'reset' };
    for (let i = 0; i < MAX_QUEUED_PER_USER; i++) assert.equal((await agent.requestException(input(i), 'mallory')).status, 'queued');
    const refused = await exceptionRequestAnswer(agent, input(99), 'mallory');
    assert.equal(refused.status, 429);
    assert.match((refused.body as { message: string }).message, /you already have 5 requests waiting/);
    await assert.rejects(agent.requestException(input(100), 'mallory'), ExceptionQueueFull);
    // Others still have room, until the device's total is reached.
    let filled = MAX_QUEUED_PER_USER;
    for (let u = 0; filled < MAX_QUEUED; u++) for (let i = 0; i < MAX_QUEUED_PER_USER && filled < MAX_QUEUED; i++, filled++) await agent.requestException(input(i), `user${u}`);
    await assert.rejects(agent.requestException(input(0), 'newcomer'), /this device already has 50 requests waiting/);
    await agent.stop();
    const stored = JSON.parse(readFileSync(join(stateDir, 'exception-requests.json'), 'utf8')) as { queued: unknown[] };
    assert.equal(stored.queued.length, MAX_QUEUED, 'every acknowledged request is on disk');
  } finally {
    await proxy.stop();
    await server.stop();
  }
});

test('a server answering 429 is waited out and a request it keeps refusing is given up after a few tries', async () => {
  const server = await new ContractServer().start();
  const proxy = await new FaultProxy(server.url).start();
  const { agent } = await open(proxy.url, server, 60_000);
  try {
    assert.equal((await agent.syncNow()).ok, true);
    proxy.only = /exception-requests/;
    proxy.fault = { mode: '429', retryAfterSeconds: 0 };
    assert.equal((await agent.requestException(input(1), 'alice')).status, 'queued');
    const posts = () => proxy.seen.filter((s) => s === 'POST /v1/exception-requests').length;
    const before = posts();
    // Syncs back to back: those inside the backoff do not touch the server at all.
    for (let i = 0; i < 300 && agent.info().exceptionRequests.some((r) => r.status === 'queued'); i++) {
      await agent.syncNow();
      await new Promise((r) => setTimeout(r, 10));
    }
    const tries = posts() - before;
    const [request] = agent.info().exceptionRequests;
    assert.equal(request!.status, 'denied', 'given up');
    assert.match(request!.note ?? '', /not sent: the server answered "not now" 5 times/);
    assert.equal(tries, MAX_SEND_ATTEMPTS, `the server saw ${tries} tries`);
    // Retry-After is honoured: once the server has said "in 30 s", nothing is sent before then.
    proxy.fault = { mode: '429', retryAfterSeconds: 30 };
    await agent.requestException(input(2), 'alice');
    const given = posts();
    for (let i = 0; i < 300 && posts() === given; i++) {
      await agent.syncNow();
      await new Promise((r) => setTimeout(r, 10));
    }
    const sent = posts();
    assert.equal(sent, given + 1, 'the new request was tried once');
    for (let i = 0; i < 5; i++) await agent.syncNow();
    assert.equal(posts(), sent, 'nothing sent during the server’s Retry-After');
  } finally {
    await agent.stop();
    await proxy.stop();
    await server.stop();
  }
});
