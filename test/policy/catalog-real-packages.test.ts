// The tools added to the catalog in issue 18, judged on their real npm packages: each one laid out as
// `npm install -g` leaves it is identified; its bundle copied away from the package is still identified where the
// catalog has content markers; the Claude Agent SDK's embedded binary is Claude Code (reached via the SDK) while
// a project that merely depends on the SDK is not; folders named after a tool are not tools.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { builtInCatalog, builtInPolicy, compilePolicy, Matcher, parsePolicy, type ProcessObservation } from '../../policy/index.ts';
import { cachedPackage } from '../../scripts/catalog-verify/package-cache.ts';

/** Pinned releases, read off the registry (`npm pack`, no install scripts). */
const PACKAGES = [
  { pkg: '@moonshot-ai/kimi-code', version: '2.1.0', bin: 'kimi', expect: 'kimi-code', copyable: 'dist/main.mjs' },
  { pkg: 'openclaw', version: '2026.9.6', bin: 'openclaw', expect: 'openclaw', copyable: 'openclaw.mjs' },
  { pkg: 'openclaw-cn', version: '2026.1.31', bin: 'openclaw-cn', expect: 'openclaw' },
  { pkg: '@letta-ai/letta-code', version: '0.32.18', bin: 'letta', expect: 'letta-code', copyable: 'letta.js' },
  { pkg: 'codebuff', version: '1.0.685', bin: 'codebuff', expect: 'codebuff' },
  { pkg: '@zed-industries/claude-code-acp', version: '0.16.2', bin: 'claude-code-acp', expect: 'claude-code', via: 'claude-code-acp' },
  { pkg: '@zed-industries/codex-acp', version: '0.16.0', bin: 'codex-acp', expect: 'codex', via: 'codex-acp', copyable: 'bin/codex-acp.js' },
  { pkg: '@google/jules', version: '0.1.42', bin: 'jules', expect: 'jules', copyable: 'run.cjs' },
  { pkg: '@jetbrains/junie', version: '3110.7.0', bin: 'junie', expect: 'junie' },
] as const;

/** The CodeBuddy Agent SDK: no bin; it runs the CodeBuddy CLI it ships under cli/ as `node cli/dist/codebuddy-headless.js`. */
const TENCENT_SDK = { pkg: '@tencent-ai/agent-sdk', version: '0.3.201' };

const SDK = { pkg: '@anthropic-ai/claude-agent-sdk', version: '0.3.333' };

const scratch = mkdtempSync(join(tmpdir(), 'cordon-catalog-real-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const matcher = new Matcher(builtInPolicy());
let pid = 40_000;

function run(argv: string[], exe = process.execPath, cwd = scratch): ReturnType<Matcher['matchProcess']> {
  const obs: ProcessObservation = { pid: pid++, ppid: 1, uid: 1000, startTime: 1, exe, argv, cwd: () => cwd };
  return matcher.matchProcess(obs);
}

/** The real package unpacked into PREFIX/lib/node_modules with npm's bin symlinks beside it. */
const layouts = new Map<string, { prefix: string; packageDir: string; bins: Record<string, string> }>();
function globalLayout(pkg: string, version: string): { prefix: string; packageDir: string; bins: Record<string, string> } {
  const known = layouts.get(`${pkg}@${version}`);
  if (known) return known;
  const unpacked = cachedPackage(pkg, version);
  const prefix = join(scratch, `prefix-${pkg.replace('/', '+')}`);
  const packageDir = join(prefix, 'lib', 'node_modules', ...pkg.split('/'));
  mkdirSync(dirname(packageDir), { recursive: true });
  execFileSync('cp', ['-al', unpacked, packageDir]);
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
  const bins: Record<string, string> = {};
  mkdirSync(join(prefix, 'bin'), { recursive: true });
  for (const [name, target] of Object.entries(manifest.bin ?? {})) {
    bins[name] = join(prefix, 'bin', name);
    symlinkSync(join('..', 'lib', 'node_modules', ...pkg.split('/'), target), bins[name]);
  }
  layouts.set(`${pkg}@${version}`, { prefix, packageDir, bins });
  return { prefix, packageDir, bins };
}

describe('new catalog tools from their real npm packages', () => {
  for (const p of PACKAGES) {
    it(`${p.pkg}@${p.version}: \`${p.bin}\` from a global install is ${p.expect}${'via' in p ? ` via ${p.via}` : ''}`, () => {
      const { bins } = globalLayout(p.pkg, p.version);
      const bin = bins[p.bin];
      assert.ok(bin, `${p.pkg} has no bin ${p.bin}`);
      const d = run(['node', bin]);
      assert.equal(d?.identification.toolId, p.expect, d ? `${d.identification.evidence}: ${d.identification.detail}` : 'no match');
      assert.equal(d?.identification.via, 'via' in p ? p.via : undefined);
      assert.equal(d?.action, 'block');
    });
    if ('copyable' in p) {
      it(`${p.pkg}@${p.version}: its ${p.copyable} copied out of the package and renamed is still ${p.expect} (content markers)`, () => {
        const dir = join(scratch, `loose-${p.bin}`);
        mkdirSync(dir, { recursive: true });
        copyFileSync(join(cachedPackage(p.pkg, p.version), p.copyable), join(dir, 'helper.mjs'));
        const d = run(['node', join(dir, 'helper.mjs')]);
        assert.equal(d?.identification.toolId, p.expect, d ? `${d.identification.evidence}: ${d.identification.detail}` : 'no match');
        assert.equal(d?.identification.evidence, 'binary-marker');
      });
    }
  }

  it('codebuff: the binary its launcher downloads to ~/.config/manicode is codebuff; the launcher names that folder', () => {
    const launcher = readFileSync(join(cachedPackage('codebuff', '1.0.685'), 'launcher.js'), 'utf8');
    assert.match(launcher, /path\.join\(homeDir, '\.config', 'manicode'\)/);
    assert.equal(run(['codebuff'], '/home/erin/.config/manicode/codebuff')?.toolId, 'codebuff');
    assert.equal(run(['cat'], '/home/erin/.config/manicode/codebuff-metadata.json'), null);
  });

  it("folders named after the new tools, `npm init -y`'d, with the user's own code in them, are not tools", () => {
    // npm init -y names the project after its folder: for the unscoped tool names that is the tool's own name.
    for (const name of ['kimi-code', 'openclaw', 'openclaw-cn', 'letta-code', 'codebuff', 'claude-agent-sdk', 'codex-acp', 'jules', 'junie', 'agent']) {
      const dir = join(scratch, 'projects', name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: 'index.js' }));
      writeFileSync(join(dir, 'server.js'), `// ${name}: my notes; OPENCLAW_HOME LETTA_API_KEY KIMI_API_KEY jules_tmp EJ_RUNNER_PWD\n`);
      assert.equal(run(['node', join(dir, 'server.js')]), null, name);
      assert.equal(run(['node', 'server.js'], process.execPath, dir), null, name);
    }
  });
});

describe('Junie and Jules: what their installers leave outside the package', () => {
  it("Junie's shim (what its postinstall writes to ~/.local/bin/junie) copied and renamed is still Junie (content markers)", () => {
    const copy = join(scratch, 'shims', 'jn');
    mkdirSync(dirname(copy), { recursive: true });
    copyFileSync(join(cachedPackage('@jetbrains/junie', '3110.7.0'), 'shim', 'junie'), copy);
    const d = matcher.matchFile(copy);
    assert.equal(d?.identification.toolId, 'junie', d ? `${d.identification.evidence}: ${d.identification.detail}` : 'no match');
    assert.equal(d?.identification.evidence, 'binary-marker');
  });

  it("the postinstall's own paths are the ones the catalog lists (Junie's versions folder, Jules' temp folder and npm bin directory)", () => {
    const postinstall = readFileSync(join(cachedPackage('@jetbrains/junie', '3110.7.0'), 'postinstall.js'), 'utf8');
    assert.match(postinstall, /path\.join\(os\.homedir\(\), '\.local', 'share', 'junie'\)/);
    assert.match(postinstall, /path\.join\(JUNIE_DATA, 'versions'\)/);
    assert.equal(run(['junie'], '/home/erin/.local/share/junie/versions/3110.7/junie/bin/junie')?.toolId, 'junie');
    const jules = cachedPackage('@google/jules', '0.1.42');
    assert.match(readFileSync(join(jules, 'run.cjs'), 'utf8'), /path\.join\(os\.tmpdir\(\), "jules_tmp"\)/);
    assert.match(readFileSync(join(jules, 'index.cjs'), 'utf8'), /const cmd = isGlobal \? "npm root -g" : "npm root";/);
    assert.equal(run(['jules'], '/tmp/jules_tmp/jules')?.toolId, 'jules');
    // npm's global bin/jules counts only for a Go binary there (test/policy/content-evidence.test.ts places real
    // ones); a path alone, with no file to read, is nothing.
    assert.equal(run(['jules', 'new', 'x'], '/home/erin/.nvm/versions/node/v22.11.0/bin/jules'), null);
    // The same name anywhere a user writes their own programs is not Jules.
    assert.equal(run(['jules'], '/home/erin/bin/jules'), null);
  });
});

describe('the CodeBuddy Agent SDK (@tencent-ai/agent-sdk, real npm package)', () => {
  it("the CodeBuddy CLI the SDK spawns from a global install is CodeBuddy Code, reached via the SDK", () => {
    const { packageDir } = globalLayout(TENCENT_SDK.pkg, TENCENT_SDK.version);
    for (const file of ['cli/dist/codebuddy-headless.js', 'cli/bin/codebuddy']) {
      const d = run(['node', join(packageDir, file), '--print', 'hi']);
      assert.equal(d?.identification.toolId, 'codebuddy-code', `${file}: ${d ? `${d.identification.evidence}: ${d.identification.detail}` : 'no match'}`);
      assert.equal(d?.identification.via, 'codebuddy-agent-sdk', file);
      assert.equal(d?.action, 'block');
    }
  });

  it('its launcher copied out of the SDK and renamed is still CodeBuddy Code (content markers)', () => {
    const dir = join(scratch, 'loose-codebuddy');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(cachedPackage(TENCENT_SDK.pkg, TENCENT_SDK.version), 'cli', 'bin', 'codebuddy'), join(dir, 'dev-helper'));
    const d = run(['node', join(dir, 'dev-helper')]);
    assert.equal(d?.identification.toolId, 'codebuddy-code', d ? `${d.identification.evidence}: ${d.identification.detail}` : 'no match');
    assert.equal(d?.identification.evidence, 'binary-marker');
    assert.equal(d?.identification.via, undefined);
  });

  it('policy can name the SDK on its own: allowed on build servers while CodeBuddy Code stays banned', () => {
    const catalog = builtInCatalog();
    const policy = compilePolicy(
      parsePolicy(
        'schemaVersion: 1\nid: p\nname: p\nmode: enforce\nrules:\n  - id: sdk-on-build-servers\n    tools: [codebuddy-agent-sdk]\n    action: allow\n  - id: no-codebuddy\n    tools: [codebuddy-code]\n    action: block\n',
        'p.yaml',
        catalog,
      ),
      catalog,
    );
    const m = new Matcher(policy);
    const obs = (script: string): ProcessObservation => ({ pid: pid++, ppid: 1, uid: 1000, startTime: 1, exe: process.execPath, argv: ['node', script], cwd: () => scratch });
    const { packageDir } = globalLayout(TENCENT_SDK.pkg, TENCENT_SDK.version);
    const viaSdk = m.matchProcess(obs(join(packageDir, 'cli', 'dist', 'codebuddy-headless.js')));
    assert.equal(viaSdk?.toolId, 'codebuddy-agent-sdk');
    assert.equal(viaSdk?.action, 'allow');
    const copy = join(scratch, 'loose-codebuddy-2', 'helper');
    mkdirSync(dirname(copy), { recursive: true });
    copyFileSync(join(packageDir, 'cli', 'bin', 'codebuddy'), copy);
    const loose = m.matchProcess(obs(copy));
    assert.equal(loose?.toolId, 'codebuddy-code');
    assert.equal(loose?.action, 'block');
  });

  it('a project that depends on the SDK and loads it, without running the CLI, is not identified', () => {
    const project = join(scratch, 'tencent-sdk-project');
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'support-bot', version: '1.0.0' }));
    writeFileSync(join(project, 'app.js'), "const sdk = require('@tencent-ai/agent-sdk');\nconsole.log(typeof sdk.query);\n");
    execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', `${TENCENT_SDK.pkg}@${TENCENT_SDK.version}`, 'zod@4'], { cwd: project, stdio: ['ignore', 'ignore', 'pipe'], timeout: 10 * 60_000 });
    // The app really loads the SDK: it prints "function".
    assert.equal(execFileSync(process.execPath, ['app.js'], { cwd: project, encoding: 'utf8' }).trim(), 'function');
    assert.equal(run(['node', 'app.js'], process.execPath, project), null);
    assert.equal(run(['node', join(project, 'app.js')]), null);
  });
});

describe('the Claude Agent SDK (real npm install into a project)', () => {
  const project = join(scratch, 'sdk-project');
  const install = () => {
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'support-bot', version: '1.0.0', type: 'module' }));
    writeFileSync(join(project, 'app.js'), "import { query } from '@anthropic-ai/claude-agent-sdk';\nconsole.log(typeof query);\n");
    execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', `${SDK.pkg}@${SDK.version}`], { cwd: project, stdio: ['ignore', 'ignore', 'pipe'], timeout: 10 * 60_000 });
    return join(project, 'node_modules', '@anthropic-ai', 'claude-agent-sdk-linux-x64', 'claude');
  };
  let binary = '';

  it('a project that depends on the SDK but does not run it is not identified', () => {
    binary = install();
    // The app really loads the SDK: it prints "function".
    assert.equal(execFileSync(process.execPath, ['app.js'], { cwd: project, encoding: 'utf8' }).trim(), 'function');
    assert.equal(run(['node', 'app.js'], process.execPath, project), null);
    assert.equal(run(['node', join(project, 'app.js')]), null);
  });

  it("the SDK's embedded binary run directly is Claude Code, reached via the SDK", () => {
    const d = run([binary, '-p', 'hi'], binary);
    assert.equal(d?.identification.toolId, 'claude-code');
    assert.equal(d?.identification.via, 'claude-agent-sdk');
    // Under a policy whose one rule covers everything, what runs is reported as the tool it is.
    assert.equal(d?.toolId, 'claude-code');
    assert.equal(d?.action, 'block');
  });

  it('a copy of the embedded binary taken out of the SDK is still Claude Code (by its own markers)', () => {
    const copy = join(scratch, 'bin-copy', 'formatter');
    mkdirSync(dirname(copy), { recursive: true });
    execFileSync('ln', [binary, copy]);
    const d = run(['formatter'], copy);
    assert.equal(d?.identification.toolId, 'claude-code');
    assert.equal(d?.identification.evidence, 'binary-marker');
  });

  it('policy can name the SDK on its own: allowed on build servers while Claude Code stays banned', () => {
    const catalog = builtInCatalog();
    const policy = compilePolicy(
      parsePolicy(
        'schemaVersion: 1\nid: p\nname: p\nmode: enforce\nrules:\n  - id: sdk-on-build-servers\n    tools: [claude-agent-sdk]\n    action: allow\n  - id: no-claude\n    tools: [claude-code]\n    action: block\n',
        'p.yaml',
        catalog,
      ),
      catalog,
    );
    const m = new Matcher(policy);
    const obs = (exe: string): ProcessObservation => ({ pid: pid++, ppid: 1, uid: 1000, startTime: 1, exe, argv: [exe], cwd: () => scratch });
    const viaSdk = m.matchProcess(obs(binary));
    assert.equal(viaSdk?.toolId, 'claude-agent-sdk');
    assert.equal(viaSdk?.action, 'allow');
    const loose = m.matchProcess(obs(join(scratch, 'bin-copy', 'formatter')));
    assert.equal(loose?.toolId, 'claude-code');
    assert.equal(loose?.action, 'block');
  });
});
