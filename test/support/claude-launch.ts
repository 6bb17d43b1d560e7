// Launches the real Claude Code (from the registry, test/support/real-clis.ts) against a loopback recorder that
// stands in for Anthropic's API, and says how it ended: stopped by the agent before it sent anything, or through.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { prepareCliSession } from './ai-cli-session.ts';
import { installRealCli } from './real-clis.ts';
import type { RequestRecorder } from './request-recorder.ts';

export interface ClaudeRun {
  pid: number;
  /** The signal that ended it when it never reached the API (SIGKILL: the agent stopped it). */
  signal: NodeJS.Signals | null;
  /** True when its first API request arrived at the recorder (it then is killed here). */
  reached: boolean;
}

/** One run in a private home under `scratch/name`; a run that gets through is killed once its request arrived. */
export async function launchClaude(recorder: RequestRecorder, scratch: string, name: string): Promise<ClaudeRun> {
  const claude = installRealCli('claude-code');
  const session = prepareCliSession('claude-code', join(scratch, name), recorder.url);
  const since = Date.now();
  const child = spawn(claude.bin, session.args, { env: session.env, stdio: 'ignore', detached: true });
  const first = await recorder.firstSince(since, 8000);
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.signalCode);
    else {
      child.once('exit', (_c, s) => resolve(s));
      if (first) process.kill(-child.pid!, 'SIGKILL');
    }
  });
  return { pid: child.pid!, signal: first ? null : signal, reached: Boolean(first) };
}
