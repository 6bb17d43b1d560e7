// Policy core of "bring your own model": `when: { endpoints }` on a rule — validation with located problems,
// compilation, signing — and the matcher's verdict on real processes whose environment, home and working
// directory say where the tool would send (sleep stands in for the tool: the matcher reads /proc/<pid>).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  builtInCatalog,
  compilePolicy,
  generateSigningKey,
  loadPrivateKey,
  loadPublicKey,
  Matcher,
  parsePolicy,
  signBundle,
  ValidationError,
  verifyBundle,
} from '../../policy/index.ts';
import { compileEndpointGlob, normalEndpoint } from '../../policy/endpoint-glob.ts';
import { parseTomlSubset } from '../../policy/toml-subset.ts';
import { builtInPolicyDocument, effectivePolicyDocument } from '../../server/effective-policy.ts';

const catalog = builtInCatalog();
const scratch = mkdtempSync(join(tmpdir(), 'cordon-endpoint-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

const GATEWAY_POLICY = `
schemaVersion: 1
id: acme
name: ACME
mode: enforce
rules:
  - id: via-gateway
    tools: [claude-code, codex, qwen-code]
    action: allow
    when:
      endpoints: ["https://llm.acme.internal/*"]
  - id: everything-else
    tools: ["*"]
    action: block
    reason: { en: "{tool} may only be used through ACME's model gateway (https://llm.acme.internal)." }
`;

function problemsOf(text: string) {
  try {
    parsePolicy(text, 'p.yaml', catalog);
  } catch (err) {
    assert.ok(err instanceof ValidationError, String(err));
    return err.problems;
  }
  assert.fail('the policy was accepted');
}

test('endpoint globs: "*" never crosses the host, userinfo and query are not where a tool sends', () => {
  const gateway = compileEndpointGlob('https://llm.acme.internal/*');
  const sub = compileEndpointGlob('https://*.acme.internal/*');
  const norm = (u: string) => normalEndpoint(u) ?? 'not-a-url';
  assert.ok(gateway(norm('https://llm.acme.internal')));
  assert.ok(gateway(norm('https://LLM.acme.internal/v1/messages')));
  assert.ok(!gateway(norm('https://llm.acme.internal@evil.example/')));
  assert.ok(!gateway(norm('http://llm.acme.internal/')), 'the scheme is part of the glob');
  assert.ok(!gateway(norm('https://llm.acme.internal.evil.example/')));
  assert.ok(sub(norm('https://eu.acme.internal/v1')));
  assert.ok(!sub(norm('https://evil.example/x.acme.internal/')));
  assert.equal(normalEndpoint('file:///etc/passwd'), null);
});

test('validation locates every problem of a condition', () => {
  const problems = problemsOf(`
schemaVersion: 1
id: p
name: P
mode: enforce
rules:
  - id: bad
    tools: [claude-code, aider, "*"]
    action: allow
    when:
      endpoints: ["llm.acme.internal", "https://*/*", "https://u@llm.acme.internal/*"]
      pin: https://other.example
`);
  const byPath = new Map(problems.map((p) => [p.path, p]));
  assert.match(byPath.get('rules[0].tools[1]')?.message ?? '', /cannot tell where "aider" sends/);
  assert.match(byPath.get('rules[0].tools[2]')?.message ?? '', /must name its tools/);
  assert.match(byPath.get('rules[0].when.endpoints[0]')?.message ?? '', /http:\/\/ or https:\/\/ URL glob/);
  assert.match(byPath.get('rules[0].when.endpoints[1]')?.message ?? '', /must name a host/);
  assert.match(byPath.get('rules[0].when.endpoints[2]')?.message ?? '', /userinfo/);
  assert.match(byPath.get('rules[0].when.pin')?.message ?? '', /must match one of the rule's endpoints/);
  assert.equal(byPath.get('rules[0].when.endpoints[0]')?.line, 11, 'problems carry their line');
  const schema = problemsOf(GATEWAY_POLICY.replace('endpoints: ["https://llm.acme.internal/*"]', 'endpoints: []\n      hosts: [x]'));
  assert.ok(schema.some((p) => p.path.startsWith('rules[0].when')), JSON.stringify(schema));
});

test('a condition compiles with the pinned URL and the catalog\'s endpoint data, and survives signing', () => {
  const compiled = compilePolicy(parsePolicy(GATEWAY_POLICY, 'p.yaml', catalog), catalog);
  assert.deepEqual(compiled.rules[0]?.when, { endpoints: ['https://llm.acme.internal/*'], pin: 'https://llm.acme.internal' });
  assert.equal(compiled.rules[1]?.when, undefined);
  const claude = compiled.tools.find((t) => t.id === 'claude-code');
  assert.equal(claude?.endpoint?.managedSettings?.linux, '/etc/claude-code/managed-settings.json');
  const pair = generateSigningKey();
  const bundle = signBundle({ serial: 1, issuedAt: new Date().toISOString(), policy: compiled }, loadPrivateKey(pair.privateKeyPem));
  const verified = verifyBundle(JSON.parse(JSON.stringify(bundle)), [loadPublicKey(pair.publicKeyPem)]);
  assert.deepEqual(verified.policy.rules[0]?.when, compiled.rules[0]?.when);
  const tampered = JSON.parse(JSON.stringify(bundle)) as { payload: string };
  tampered.payload = tampered.payload.replace('https://llm.acme.internal/*', 'https://*.example/*');
  assert.throws(() => verifyBundle(tampered, [loadPublicKey(pair.publicKeyPem)]), /signature/);
});

test('the server\'s effective policy keeps a group policy\'s condition, in front of the base rules', () => {
  const group = parsePolicy(GATEWAY_POLICY, 'group.yaml', catalog);
  const effective = effectivePolicyDocument(builtInPolicyDocument(), [{ group: 'ml', doc: group }], [], 'dev-1');
  const compiled = compilePolicy(effective, catalog);
  assert.equal(compiled.rules[0]?.id, 'ml/acme/via-gateway');
  assert.deepEqual(compiled.rules[0]?.when?.endpoints, ['https://llm.acme.internal/*']);
  const d = new Matcher(compiled).decide({ toolId: 'qwen-code', evidence: 'npm-package', detail: 'listing' });
  assert.equal(d?.endpointCheck?.ruleId, 'ml/acme/via-gateway');
});

/** A real process with this environment and working directory, for the matcher to read through /proc. */
function processWith(env: NodeJS.ProcessEnv, cwd: string, argv: string[] = ['claude']) {
  const child = spawn('sleep', ['30'], { env, cwd, stdio: 'ignore' });
  children.push(child);
  const pid = child.pid ?? assert.fail('no pid');
  return { pid, ppid: process.pid, uid: process.getuid?.() ?? 0, startTime: 0, exe: '/usr/lib/node_modules/@anthropic-ai/claude-code/bin/claude.exe', argv, procDir: `/proc/${pid}` };
}

async function environReady(pid: number): Promise<void> {
  // spawn returns before the child's exec: wait until /proc shows the new program.
  const { readFileSync } = await import('node:fs');
  for (let i = 0; i < 200; i++) {
    if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep')) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('the rule holds only when every endpoint the process is set to use matches; else the next rule blocks with the place named', async () => {
  const matcher = new Matcher(compilePolicy(parsePolicy(GATEWAY_POLICY, 'p.yaml', catalog), catalog));
  const home = join(scratch, 'home');
  const project = join(scratch, 'project');
  mkdirSync(join(home, '.claude'), { recursive: true });
  mkdirSync(project, { recursive: true });
  const decide = async (env: NodeJS.ProcessEnv, argv?: string[]) => {
    const p = processWith({ PATH: process.env.PATH, HOME: home, ...env }, project, argv);
    await environReady(p.pid);
    return matcher.matchProcess(p);
  };

  const viaGateway = await decide({ ANTHROPIC_BASE_URL: 'https://llm.acme.internal/anthropic' });
  assert.equal(viaGateway?.action, 'allow');
  assert.equal(viaGateway?.ruleId, 'via-gateway');

  const vendor = await decide({});
  assert.equal(vendor?.action, 'block');
  assert.equal(vendor?.endpointCheck?.offending?.url, 'https://api.anthropic.com');
  assert.match(vendor?.endpointCheck?.offending?.where ?? '', /default/);

  writeFileSync(join(home, '.claude', 'settings.json'), JSON.stringify({ env: { ANTHROPIC_BASE_URL: 'https://api.anthropic.com' } }));
  const userSettings = await decide({ ANTHROPIC_BASE_URL: 'https://llm.acme.internal' });
  assert.equal(userSettings?.action, 'block');
  assert.equal(userSettings?.endpointCheck?.offending?.where, 'env.ANTHROPIC_BASE_URL in ~/.claude/settings.json');

  writeFileSync(join(home, '.claude', 'settings.json'), '{ "env": ');
  const unparseable = await decide({ ANTHROPIC_BASE_URL: 'https://llm.acme.internal' });
  assert.equal(unparseable?.action, 'block');
  assert.equal(unparseable?.endpointCheck?.found?.known, false);
  assert.match(unparseable?.endpointCheck?.found && !unparseable.endpointCheck.found.known ? unparseable.endpointCheck.found.reason : '', /~\/.claude\/settings.json cannot be parsed/);
  rmSync(join(home, '.claude', 'settings.json'));

  const bedrock = await decide({ ANTHROPIC_BASE_URL: 'https://llm.acme.internal', CLAUDE_CODE_USE_BEDROCK: '1' });
  assert.equal(bedrock?.action, 'block', 'Bedrock is not a base URL: unknown, fails closed');
  const flag = await decide({ ANTHROPIC_BASE_URL: 'https://llm.acme.internal' }, ['claude', '--settings', '{}']);
  assert.equal(flag?.action, 'block', '--settings overrides the files: unknown, fails closed');

  mkdirSync(join(project, '.claude'), { recursive: true });
  writeFileSync(join(project, '.claude', 'settings.json'), JSON.stringify({ env: { ANTHROPIC_BASE_URL: 'https://llm.acme.internal/v1' } }));
  const projectSettings = await decide({});
  assert.equal(projectSettings?.action, 'allow', 'the project names the gateway and nothing else names an endpoint');
});

test('listing the policy (no process) shows a conditional allow as allowed, with its endpoints', () => {
  const matcher = new Matcher(compilePolicy(parsePolicy(GATEWAY_POLICY, 'p.yaml', catalog), catalog));
  const d = matcher.decide({ toolId: 'codex', evidence: 'npm-package', detail: 'listing' });
  assert.equal(d?.action, 'allow');
  assert.deepEqual(d?.endpointCheck?.allowed, ['https://llm.acme.internal/*']);
  assert.equal(matcher.decide({ toolId: 'gemini-cli', evidence: 'npm-package', detail: 'listing' })?.action, 'block');
});

test('the TOML subset reads Codex\'s provider tables and refuses what it cannot read', () => {
  const t = parseTomlSubset('model_provider = "gw" # comment\n[model_providers.gw]\nbase_url = \'https://llm.acme.internal/v1\'\nretries = 3\nlist = [1, 2]\n[projects."/home/a b"]\ntrust_level = "trusted"\n');
  assert.equal(t.model_provider, 'gw');
  assert.deepEqual((t.model_providers as Record<string, Record<string, unknown>>).gw?.base_url, 'https://llm.acme.internal/v1');
  assert.throws(() => parseTomlSubset('x = """\nmulti\n"""'), /line 1/);
  assert.throws(() => parseTomlSubset('a = [\n1]'), /line 1/);
  assert.throws(() => parseTomlSubset('a = "x"\na = "y"'), /line 2: "a" is defined twice/);
});
