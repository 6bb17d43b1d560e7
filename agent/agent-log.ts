// Structured logs: JSON lines on stderr, where service managers collect them, in pino's shape (level number, time,
// pid, name, msg) so the tray (which logs with pino) and log shippers read both alike. Written here rather than
// with pino because the agent logs a few lines a day and pino's stream machinery costs a service ~7 MB of memory.
// Idle agents log nothing at info: only actions (a stop, a policy change) and problems are worth a line.
import { writeSync } from 'node:fs';

type LogFn = {
  (fields: object, msg?: string): void;
  (msg: string): void;
};

/** The part of pino's Logger the agent uses; a pino logger fits it (the tray passes one). */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;

/** Errors serialise to {} by default; a log line about a failure must keep what failed. */
function replacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { type: value.name, message: value.message, stack: value.stack } : value;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** A full pipe (EAGAIN) is waited out briefly; a closed or stuck stderr must not stop enforcement. */
function writeLine(fd: number, text: string): void {
  let rest = Buffer.from(text);
  for (let tries = 0; rest.length && tries < 200; ) {
    try {
      rest = rest.subarray(writeSync(fd, rest));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      tries++;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}

export function createAgentLog(level = process.env.CORDON_LOG_LEVEL ?? 'info', fd = 2): Logger {
  const threshold = LEVELS[level as keyof typeof LEVELS] ?? LEVELS.info;
  const at = (n: number): LogFn =>
    ((fieldsOrMsg: object | string, msg?: string) => {
      if (n < threshold) return;
      const fields = typeof fieldsOrMsg === 'string' ? {} : fieldsOrMsg;
      const text = typeof fieldsOrMsg === 'string' ? fieldsOrMsg : msg;
      const line = { level: n, time: Date.now(), pid: process.pid, name: 'cordon-agent', ...fields, ...(text === undefined ? {} : { msg: text }) };
      writeLine(fd, `${JSON.stringify(line, replacer)}\n`);
    }) as LogFn;
  return { debug: at(LEVELS.debug), info: at(LEVELS.info), warn: at(LEVELS.warn), error: at(LEVELS.error) };
}
