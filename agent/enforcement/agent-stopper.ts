// The stopper the agent enforces with: it never signals the agent itself or any of its ancestors (the service
// manager, the shell or tool that started it), whatever the policy says about them. One place, so the agent's
// wiring and its test are the same code.
import type { ProcessSource } from '../process/process-source.ts';
import { ancestorsOf } from '../process/ancestry.ts';
import { ProcessStopper } from './process-stopper.ts';

export function agentStopper(source: ProcessSource): ProcessStopper {
  return new ProcessStopper(source, new Set([process.pid, ...ancestorsOf(process.pid)]));
}
