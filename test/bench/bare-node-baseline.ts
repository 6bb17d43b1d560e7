// The floor under an idle agent's CPU and memory: a bare Node process doing the least a 100 ms poller does (a
// timer that reads /proc/loadavg). Measured beside the agent, in the same window, so both see the same load.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

const SCRIPT = "const { readFileSync } = require('node:fs'); setInterval(() => readFileSync('/proc/loadavg'), 100);";

export interface BareNode {
  child: ChildProcess;
  stop(): Promise<void>;
}

export function startBareNode(): BareNode {
  const child = spawn(process.execPath, ['-e', SCRIPT], { stdio: 'ignore' });
  return {
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
