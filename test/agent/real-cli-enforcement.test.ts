// The agent's main job, end to end: the real AI CLIs from the npm registry, launched the ways developers launch
// them, are stopped before they send a single request to their (loopback stand-in) vendor API. The monitor-mode
// control runs the same launches and proves each CLI does send when nothing stops it, so an empty recorder in
// enforce mode means something.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { prepareCliSession } from '../support/ai-cli-session.ts';
import { installRealCli, REAL_CLIS, type InstalledCli, type RealCliId } from '../support/real-clis.ts';
import { RequestRecorder } from '../support/request-recorder.ts';
import { exitOf } from '../support/child-exit.ts';

const CLIS = ['claude-code', 'codex', 'gemini-cli', 'qwen-code'] as const satisfies readonly RealCliId[];

/** The file a launch way runs: the native binary, or the interpreter script behind the npm bin symlink. */
const ENTRY: Record<(typeof CLIS)[number], { file: string[]; native: boolean }> = {
  'claude-code': { file: ['bin', 'claude.exe'], native: true },
  codex: { file: ['node_modules', '@openai', 'codex-linux-x64', 'vendor', 'x86_64-unknown-linux-musl', 'bin', 'codex'], native: true },
  'gemini-cli': { file: ['bundle', 'gemini.js'], native: false },
  'qwen-code': { file: ['cli.js'], native: false },
};

interface Launch {
  way: string;
  command: string;
  args: string[];
}

/** Every way a developer (or a script) starts the tool that the agent must catch. */
function launches(id: (typeof CLIS)[number], cli: InstalledCli, scratch: string, args: string[]): Launch[] {
  const entry = join(cli.packageDir, ...ENTRY[id].file);
  const direct: Launch = ENTRY[id].native ? { way: 'native binary by path', command: entry, args } : { way: 'node <entry script>', command: process.execPath, args: [entry, ...args] };
  // A renamed copy: the binary (or the whole package, with its entry script renamed) under an innocent name.
  // Hard links, so the test does not copy hundreds of megabytes; to the matcher they are a copy like any other.
  const renamedDir = join(scratch, `renamed-${id}`);
  let renamed: Launch;
  if (ENTRY[id].native) {
    mkdirSync(renamedDir, { recursive: true });
    linkSync(entry, join(renamedDir, 'formatter'));
    renamed = { way: 'renamed copy of the binary', command: join(renamedDir, 'formatter'), args };
  } else {
    execFileSync('cp', ['-al', cli.packageDir, join(renamedDir)]);
    const script = join(renamedDir, ...ENTRY[id].file.slice(0, -1), 'helper.js');
    linkSync(join(renamedDir, ...ENTRY[id].file), script);
    renamed = { way: 'renamed copy of the package, entry renamed', command: process.execPath, args: [script, ...args] };
  }
  return [
    { way: 'npm global bin', command: cli.bin, args },
    direct,
    renamed,
    // The shell stays as the parent (the trailing command), as in a script or an IDE task.
    { way: 'sh -c from a script', command: '/bin/sh', args: ['-c', '"$0" "$@"; exit $?', cli.bin, ...args] },
  ];
}

const scratch = mkdtempSync(join(tmpdir(), 'cordon-real-cli-'));
let recorder: RequestRecorder;
const installed = new Map<string, InstalledCli>();

before(async () => {
  for (const id of CLIS) installed.set(id, installRealCli(id));
  recorder = await RequestRecorder.start();
});
after(async () => {
  await recorder.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('monitor mode (control): the same CLIs do reach the API when nothing stops them', () => {
  let agent: AgentProcess;
  before(async () => {
    agent = await startAgent({ args: ['--mode', 'monitor'] });
  });
  after(async () => {
    assert.equal(await agent.stop(), 0);
  });

  for (const id of CLIS) {
    it(`${REAL_CLIS[id].pkg} sends a request, and the agent records "would-block" without stopping it`, async () => {
      const cli = installed.get(id)!;
      const session = prepareCliSession(id, join(scratch, `monitor-home-${id}`), recorder.url);
      const since = Date.now();
      // Its own process group, so that the whole tree (launcher, native child, relaunched node) goes at the end.
      const child = spawn(cli.bin, session.args, { env: session.env, cwd: scratch, stdio: 'ignore', detached: true });
      const exit = exitOf(child, 60_000);
      const first = await recorder.firstSince(since, 45_000);
      const event = await agent.waitForEvent((e) => e.type === 'would-block' && e.pid === child.pid);
      process.kill(-child.pid!, 'SIGKILL');
      await exit;
      assert.ok(first, `${id} never reached the recorder: the control is broken, so the enforce tests would prove nothing`);
      assert.equal(event.toolId, id);
      assert.ok(!(await agent.events()).some((e) => e.type === 'block'), 'monitor mode must never stop anything');
    });
  }
});

describe('enforce mode: every launch is stopped before its first request', () => {
  let agent: AgentProcess;
  before(async () => {
    agent = await startAgent();
  });
  after(async () => {
    assert.equal(await agent.stop(), 0);
  });

  for (const id of CLIS) {
    describe(REAL_CLIS[id].pkg, () => {
      let prepared: Launch[] = [];
      before(() => {
        const dir = join(scratch, `launch-${id}`);
        mkdirSync(dir, { recursive: true });
        prepared = launches(id, installed.get(id)!, dir, prepareCliSession(id, join(scratch, 'args-only'), recorder.url).args);
      });
      const ways = ['npm global bin', ENTRY[id].native ? 'native binary by path' : 'node <entry script>', ENTRY[id].native ? 'renamed copy of the binary' : 'renamed copy of the package, entry renamed', 'sh -c from a script'];
      for (const [i, way] of ways.entries()) {
        it(way, async () => {
          // A recorder of its own: nothing left over from another test can land in it.
          const own = await RequestRecorder.start();
          const session = prepareCliSession(id, join(scratch, `enforce-home-${id}-${i}`), own.url);
          const launch = prepared[i]!;
          assert.equal(launch.way, way);
          const since = Date.now();
          const child = spawn(launch.command, launch.args, { env: session.env, cwd: scratch, stdio: 'ignore' });
          const exit = await exitOf(child, 20_000);
          assert.ok(!exit.timedOut, `${way}: still running after 20 s: the agent did not stop it`);
          // The tool itself was SIGKILLed; a parent shell reports that as 128 + 9.
          if (way.startsWith('sh -c')) assert.equal(exit.code, 137, `sh reported ${exit.code}`);
          else assert.equal(exit.signal, 'SIGKILL', `exited by itself (code ${exit.code}) instead of being stopped`);
          const event = await agent.waitForEvent((e) => e.type === 'block' && (e.pid === child.pid || e.ppid === child.pid));
          assert.equal(event.toolId, id);
          assert.ok(event.processStartTime && event.processStartTime > 0);
          assert.ok(event.exe, 'the event names the executable');
          await new Promise((r) => setTimeout(r, 300)); // anything in flight would have landed by now
          await own.close();
          assert.deepEqual(own.since(since), [], `${id} reached the API before it was stopped`);
        });
      }
    });
  }
});
