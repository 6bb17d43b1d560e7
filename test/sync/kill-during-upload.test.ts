// kill -9 of the real `cordon agent` in the middle of its uploads, again and again: every event it recorded
// reaches the server exactly once. The real server, a fault proxy holding each upload's answer back, and the agent
// bundled as it ships. Its own file (it was part of end-to-end.test.ts) because it is a stress, 50 agent starts
// and kills, whose count of kills landing inside an upload depends on timing: it runs alone (test/lanes.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, managedConfig, RealServer, realAgent } from './e2e-support.ts';
import { FaultProxy } from './fault-proxy.ts';
import type { AgentProcess } from '../support/agent-process.ts';
import { bundleCli } from '../support/cli-bundle.ts';

let server: RealServer;
before(async () => {
  server = await RealServer.start();
});
after(async () => {
  await server.close();
});

async function kill9(agent: AgentProcess): Promise<void> {
  if (agent.child.exitCode !== null || agent.child.signalCode !== null) return;
  const exited = once(agent.child, 'exit');
  agent.child.kill('SIGKILL');
  await exited;
}

// 50 starts of the agent: 15 min measured on 2 cores at load average 20–30 (far less on an idle machine, not measured).
const KILLS = 50;

test(`the real \`cordon agent\`, kill -9 during upload ${KILLS} times: every event it recorded reaches the server once, and most kills land inside an upload`, { timeout: 20 * 60_000 }, async (t) => {
  let midUpload = 0;
  const out = fileURLToPath(new URL('../../out/', import.meta.url));
  mkdirSync(out, { recursive: true }); // a fresh clone has no out/ yet
  const bundleDir = mkdtempSync(join(out, 'e2e-kill-'));
  const proxies: FaultProxy[] = [];
  try {
    const { entry } = await bundleCli(bundleDir, { packagesExternal: true });
    // Two agents (two devices) side by side, half the kills each, to fit the time budget on two cores. Each start
    // records (journals, fsync) an agent.started event of its own: the events every kill puts at risk.
    const lanes = await Promise.all(
      ['a', 'b'].map(async (lane) => {
        // A proxy per agent, so that what it counts is this agent's. The server stores a batch, then its answer is
        // held back 1.5 s: a kill in that window is a kill inside the upload (the server has the events, the agent
        // does not know), and the proxy sees its client go away before the answer (aborted).
        const proxy = await new FaultProxy(server.url).start();
        proxies.push(proxy);
        proxy.delay = { path: /^\/v1\/events/, ms: 1500 };
        const config = managedConfig(proxy.url, server, 'overrides:\n  syncIntervalSeconds: 300\n');
        const stateDir = mkdtempSync(join(tmpdir(), `cordon-e2e-kill-${lane}-`));
        const recorded = new Set<string>();
        for (let round = 0; round < KILLS / 2; round++) {
          const uploading = proxy.nextRequest(/^\/v1\/events/);
          const agent = await realAgent(config, stateDir, entry);
          for (const e of await agent.events()) recorded.add(e.id);
          await uploading;
          const abortedBefore = proxy.aborted;
          // Mostly while the answer is held back; now and then just after it (the agent acknowledging its journal).
          await new Promise((r) => setTimeout(r, Math.random() * 1600));
          await kill9(agent);
          // The proxy sees the connection close right after the kill, if the answer was still held back.
          for (let i = 0; i < 40 && proxy.aborted === abortedBefore; i++) await new Promise((r) => setTimeout(r, 25));
          if (proxy.aborted > abortedBefore) midUpload++;
        }
        // Restarted once more and left alone, it delivers what is left.
        const last = await realAgent(config, stateDir, entry);
        for (const e of await last.events()) recorded.add(e.id);
        await eventually('the journal to drain', async () => (await last.status()).queue.pending === 0, 60_000);
        await last.stop();
        return [...recorded];
      }),
    );
    const recorded = lanes.flat();
    t.diagnostic(`${midUpload} of ${KILLS} kills landed inside an upload; ${recorded.length} events recorded`);
    const stored = new Set(await server.eventIds(''));
    const lost = recorded.filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], `${lost.length} recorded event(s) never reached the server`);
    assert.ok(recorded.length >= KILLS + 2, `every start recorded its event (${recorded.length})`);
    assert.ok(midUpload >= KILLS * 0.8, `only ${midUpload} of ${KILLS} kills landed inside an upload`);
  } finally {
    await Promise.all(proxies.map((p) => p.stop()));
    rmSync(bundleDir, { recursive: true, force: true });
  }
});
