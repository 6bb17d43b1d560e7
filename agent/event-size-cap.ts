// An event's size is bounded before it is journaled or shown: a user who launches a banned tool with 32
// arguments of 512 characters each, in a loop, must not grow the agent's memory or its journal by that much
// per launch. Long fields are cut (and the cut is said in detail), never the fact that the event happened.
import type { AgentEvent } from './status-types.ts';

/** The most an event may take as JSON, in bytes. */
export const MAX_EVENT_BYTES = 8 * 1024;
const MAX_ARGV_CHARS = 3 * 1024;
const MAX_ARG_CHARS = 512;
const MAX_ARGS = 32;
const MAX_TEXT = 1024;
const MAX_DETAIL_KEYS = 32;
const MAX_DETAIL_TEXT = 512;

function cut(text: string | undefined, max: number): string | undefined {
  return text === undefined || text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The event itself when it is within bounds; else a copy with its long fields cut. */
export function capEventSize(e: AgentEvent): AgentEvent {
  if (Buffer.byteLength(JSON.stringify(e)) <= MAX_EVENT_BYTES) return e;
  // A fresh copy: V8 keeps the whole original string alive behind a slice of it.
  return JSON.parse(JSON.stringify(cutFields(e))) as AgentEvent;
}

function cutFields(e: AgentEvent): AgentEvent {
  const out: AgentEvent = { ...e, exe: cut(e.exe, MAX_TEXT), message: cut(e.message, MAX_TEXT), evidence: cut(e.evidence, MAX_TEXT), tty: cut(e.tty, 64), user: cut(e.user, 256) };
  let argvCut = 0;
  if (e.argv) {
    const argv: string[] = [];
    let chars = 0;
    for (const arg of e.argv.slice(0, MAX_ARGS)) {
      if (chars >= MAX_ARGV_CHARS) break;
      const a = cut(String(arg), Math.min(MAX_ARG_CHARS, MAX_ARGV_CHARS - chars))!;
      argv.push(a);
      chars += a.length;
    }
    argvCut = e.argv.length - argv.length;
    out.argv = argv;
  }
  if (e.detail) {
    const entries = Object.entries(e.detail).slice(0, MAX_DETAIL_KEYS);
    out.detail = Object.fromEntries(entries.map(([k, v]) => [k.slice(0, 64), typeof v === 'string' ? cut(v, MAX_DETAIL_TEXT)! : v]));
  }
  out.detail = { ...out.detail, truncated: true, ...(argvCut ? { argvOmitted: argvCut } : {}) };
  // Still too large (many long non-ASCII fields): keep only what identifies the event.
  if (Buffer.byteLength(JSON.stringify(out)) > MAX_EVENT_BYTES) {
    const { id, type, at, toolId, toolName, pid, ppid, processStartTime, ruleId } = e;
    return { id, type, at, toolId, toolName, pid, ppid, processStartTime, ruleId, user: cut(e.user, 256), message: cut(e.message, 256), detail: { truncated: true } };
  }
  return out;
}
