// Talks to the agent's status socket as another local user: a plain Node client (no files of this repository,
// which the user may not be allowed to read) run with that user's uid and gid, so the agent's kernel-backed
// identification sees that user.
import { spawn } from 'node:child_process';
import type { LocalUser } from './local-users.ts';

export interface SocketRequest {
  method: string;
  path: string;
  body?: unknown;
}

export interface SocketAnswer {
  status: number;
  text: string;
}

// argv[1]: {socket, requests, durationMs, concurrency}. With durationMs, each of `concurrency` workers cycles
// through the requests until the time is up and only counts statuses; without it, the answers are printed in order.
const CLIENT = `
const http = require('node:http');
const spec = JSON.parse(process.argv[1]);
function one(r) {
  return new Promise((resolve) => {
    const payload = r.body === undefined ? undefined : JSON.stringify(r.body);
    const req = http.request({ socketPath: spec.socket, method: r.method, path: r.path, timeout: 30000, agent: false,
      headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, text }));
      res.on('error', () => resolve({ status: -1, text: '' }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: -1, text: String(e.code || e.message) }));
    if (payload) req.write(payload);
    req.end();
  });
}
(async () => {
  if (!spec.durationMs) {
    const out = [];
    for (const r of spec.requests) out.push(await one(r));
    process.stdout.write(JSON.stringify(out));
    return;
  }
  const counts = {};
  const until = Date.now() + spec.durationMs;
  await Promise.all(Array.from({ length: spec.concurrency }, async (_, w) => {
    for (let i = w; Date.now() < until; i++) {
      const a = await one(spec.requests[i % spec.requests.length]);
      counts[a.status] = (counts[a.status] || 0) + 1;
    }
  }));
  process.stdout.write(JSON.stringify(counts));
})();
`;

function runAs(user: LocalUser, spec: object): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CLIENT, JSON.stringify(spec)], { uid: user.uid, gid: user.gid, cwd: '/', env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`client as ${user.name} exited ${code}: ${err}`))));
  });
}

/** Sends the requests one after another as `user`; the answers in order. */
export async function requestsAs(user: LocalUser, socket: string, requests: SocketRequest[]): Promise<SocketAnswer[]> {
  return JSON.parse(await runAs(user, { socket, requests })) as SocketAnswer[];
}

/** `concurrency` connections cycling through the requests as `user` for durationMs; how many answers had each status (-1: no answer). */
export async function floodAs(user: LocalUser, socket: string, requests: SocketRequest[], durationMs: number, concurrency: number): Promise<Record<string, number>> {
  return JSON.parse(await runAs(user, { socket, requests, durationMs, concurrency })) as Record<string, number>;
}
