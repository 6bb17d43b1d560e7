// Structured logs (pino, JSON lines on stderr, where service managers collect them). Idle agents log nothing at
// info: only actions (a stop, a policy change) and problems are worth a line.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createAgentLog(level = process.env.CORDON_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: 'cordon-agent', level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}
