// The shape of a `cordon` subcommand. Each lives in its own file and registers in cli/main.ts.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface Command {
  name: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

/** Thrown for a wrong invocation; main prints the message and the command's usage, exit 2. */
export class UsageError extends Error {}

export type Options = NonNullable<ParseArgsConfig['options']>;

export function parseFlags<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, failed: 1, usage: 2, found: 3 } as const;

/** A `--scope-pid`-style flag: undefined when absent, a UsageError when not a process id. */
export function pidFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const pid = Number(value);
  if (!Number.isInteger(pid) || pid < 1) throw new UsageError(`${flag} must be a process id`);
  return pid;
}

/** Resolves with the signal when a service manager (or Ctrl+C) asks a foreground command to stop. */
export function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}
