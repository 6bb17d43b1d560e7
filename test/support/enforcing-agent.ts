// The usual stage for a test about a real stop: the real Claude Code installed, a loopback recorder standing in
// for the vendor's API, and an enforcing agent scoped to this test process — set up before, torn down after.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { startAgent, type AgentProcess } from './agent-process.ts';
import { installRealCli } from './real-clis.ts';
import { RequestRecorder } from './request-recorder.ts';

export interface EnforcingStage {
  agent: AgentProcess;
  recorder: RequestRecorder;
  /** A temp dir for the test's homes and files, removed afterwards. */
  scratch: string;
}

/** Registers the before/after hooks; the returned stage is filled in when the tests run. */
export function enforcingStage(prefix: string): EnforcingStage {
  const stage = { scratch: mkdtempSync(join(tmpdir(), prefix)) } as EnforcingStage;
  before(async () => {
    installRealCli('claude-code');
    stage.recorder = await RequestRecorder.start();
    stage.agent = await startAgent();
  });
  after(async () => {
    await stage.agent?.stop();
    await stage.recorder?.close();
    rmSync(stage.scratch, { recursive: true, force: true });
  });
  return stage;
}
