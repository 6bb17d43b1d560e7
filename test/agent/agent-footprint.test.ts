// The agent process loads only what an unmanaged agent uses (issue 13): no server stack, no YAML parser or
// TypeBox compilers (the built-in policy comes precompiled), no systeminformation on Linux, no pino, no cron
// library, and the inventory's code only for its first pass. Checked on a bundle of the `cordon` command whose
// npm packages stay imports, so every package the agent process loads shows in its module log.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bundleCli, type CliBundle } from '../support/cli-bundle.ts';
import { startAgent } from '../support/agent-process.ts';
import { waitFor } from '../support/wait-for.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REGISTER = fileURLToPath(new URL('../support/module-log/register.mjs', import.meta.url));
const NOT_FOR_AN_UNMANAGED_AGENT = ['typebox', 'yaml', 'ajv', 'systeminformation', 'pino', 'node-cron', 'fastify', 'pg', '@electric-sql/pglite', '@napi-rs/keyring', 'tsx'];

let bundle: CliBundle;
before(async () => {
  mkdirSync(join(ROOT, 'out'), { recursive: true }); // a fresh clone has no out/ yet
  bundle = await bundleCli(mkdtempSync(join(ROOT, 'out', 'footprint-')), { packagesExternal: true });
});
after(() => rmSync(bundle.dir, { recursive: true, force: true }));

function packagesIn(log: string): string[] {
  const names = new Set<string>();
  for (const url of log.split('\n')) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m) names.add(m[1]!);
  }
  return [...names].sort();
}

test('an unmanaged agent enforces without loading the policy compilers, the server stack or systeminformation', async () => {
  const log = join(bundle.dir, 'modules.log');
  const agent = await startAgent({ entry: bundle.entry, nodeArgs: ['--import', REGISTER], env: { CORDON_MODULE_LOG: log, CORDON_CONFIG: join(bundle.dir, 'no-agent.yaml') }, args: ['--inventory', 'off'] });
  try {
    const status = await agent.status();
    assert.equal(status.policy.source, 'built-in');
    assert.equal(status.mode, 'enforce');
    assert.ok(status.restrictedTools.length > 0, 'the precompiled built-in policy restricts tools');
  } finally {
    await agent.stop();
  }
  const loaded = packagesIn(readFileSync(log, 'utf8'));
  assert.deepEqual(loaded.filter((p) => NOT_FOR_AN_UNMANAGED_AGENT.includes(p)), [], `the agent loaded ${loaded.join(', ')}`);
});

test('the inventory code loads for its first pass, and still without the policy compilers', async () => {
  const log = join(bundle.dir, 'modules-inventory.log');
  const agent = await startAgent({ entry: bundle.entry, nodeArgs: ['--import', REGISTER], env: { CORDON_MODULE_LOG: log, CORDON_CONFIG: join(bundle.dir, 'no-agent.yaml') } });
  try {
    // The pass writes its state when it ends.
    await waitFor(() => existsSync(join(agent.stateDir, 'inventory.json')), 'the first inventory pass', 240_000);
  } finally {
    await agent.stop();
  }
  const loaded = packagesIn(readFileSync(log, 'utf8'));
  assert.deepEqual(loaded.filter((p) => NOT_FOR_AN_UNMANAGED_AGENT.includes(p)), [], `the agent loaded ${loaded.join(', ')}`);
  assert.match(readFileSync(log, 'utf8'), /inventory-job/, 'the inventory job was loaded');
});
