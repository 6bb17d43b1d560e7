// A hostile local user against the agent's status socket: random bytes, half-open connections, slowloris
// headers and bodies, malformed and oversized HTTP, pipelined and abandoned requests, for a bounded time.
// Runs as a plain Node child with the given user's uid (so the agent's per-uid limits apply to it as to a real
// user) and reports what it threw.
import { spawn } from 'node:child_process';
import type { LocalUser } from './local-users.ts';

const FUZZER = `
const net = require('node:net');
const crypto = require('node:crypto');
const [socketPath, durationMs, workers] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const until = Date.now() + durationMs;
const counts = {};
const held = new Map();
// The most connections this user kept open for over a second at once (sampled): the agent caps it per uid.
let maxHeld = 0;
const sampler = setInterval(() => {
  let n = 0;
  for (const at of held.values()) if (Date.now() - at > 1000) n++;
  maxHeld = Math.max(maxHeld, n);
}, 100);
const pick = (a) => a[crypto.randomInt(a.length)];
const rnd = (n) => crypto.randomBytes(n);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const paths = ['/v1/status', '/v1/events?limit=1000', '/v1/events?after=' + 'x'.repeat(4000), '/v1/sync', '/v1/exception-requests', '/v1/../../etc/passwd', '/%00', '/v1/status?user=root', '*', '/' + 'a'.repeat(9000)];
const methods = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT', 'G\\x00T', 'PRI'];
function conn() {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    s.on('error', () => {});
    s.once('connect', () => resolve(s));
    s.once('close', () => resolve(s));
    s.on('data', () => {});
    s.setTimeout(30000, () => s.destroy());
  });
}
const actions = {
  async garbage() { const s = await conn(); s.write(rnd(crypto.randomInt(1, 20000))); await sleep(crypto.randomInt(50)); s.destroy(); },
  async halfOpen() {
    const s = await conn();
    if (held.size < 200 && !s.destroyed) { held.set(s, Date.now()); s.once('close', () => held.delete(s)); } else s.destroy();
  },
  async slowloris() {
    const s = await conn();
    s.write('GET /v1/status HTTP/1.1\\r\\nHost: a\\r\\n');
    for (let i = 0; i < 20 && !s.destroyed && Date.now() < until; i++) { s.write('X-' + i + ': ' + 'b'.repeat(10) + '\\r\\n'); await sleep(500); }
    s.destroy();
  },
  async slowBody() {
    const s = await conn();
    s.write('POST /v1/exception-requests HTTP/1.1\\r\\nHost: a\\r\\nContent-Type: application/json\\r\\nContent-Length: 15000\\r\\n\\r\\n{"toolId":"');
    for (let i = 0; i < 20 && !s.destroyed && Date.now() < until; i++) { s.write('a'); await sleep(500); }
    s.destroy();
  },
  async malformed() {
    const s = await conn();
    const body = pick(['', '{', 'null', '[]', '{"toolId":"codex","reason":"' + 'r'.repeat(crypto.randomInt(3000)) + '","days":3}', rnd(500).toString('latin1'), JSON.stringify({ toolId: '../x', reason: 1, days: 1e308, __proto__: { a: 1 } })]);
    const len = pick([Buffer.byteLength(body), 0, 99999999, -1, 'abc']);
    s.write(pick(methods) + ' ' + pick(paths) + ' HTTP/' + pick(['1.1', '1.0', '2.0', '9']) + '\\r\\nHost: a\\r\\n' + pick(['', 'Transfer-Encoding: chunked\\r\\n', 'Expect: 100-continue\\r\\n', 'X-Big: ' + 'h'.repeat(12000) + '\\r\\n']) + 'Content-Length: ' + len + '\\r\\n\\r\\n' + body);
    await sleep(crypto.randomInt(200));
    s.destroy();
  },
  async pipelined() {
    const s = await conn();
    let text = '';
    for (let i = 0; i < 50; i++) text += 'GET ' + pick(paths.slice(0, 3)) + ' HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n';
    s.write(text);
    await sleep(300);
    s.destroy();
  },
  async abandon() { const s = await conn(); s.write('POST /v1/sync HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 0\\r\\n\\r\\n'); s.destroy(); },
};
const names = Object.keys(actions);
(async () => {
  await Promise.all(Array.from({ length: workers }, async () => {
    while (Date.now() < until) {
      const name = pick(names);
      try { await actions[name](); } catch { counts.thrown = (counts.thrown || 0) + 1; }
      counts[name] = (counts[name] || 0) + 1;
    }
  }));
  clearInterval(sampler);
  for (const s of held.keys()) s.destroy();
  process.stdout.write(JSON.stringify({ ...counts, maxHeld }));
  process.exit(0);
})();
`;

/** Fuzzes the socket as `user` for durationMs with `workers` concurrent loops; how many of each action it threw. */
export function fuzzSocketAs(user: LocalUser, socket: string, durationMs: number, workers = 32): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', FUZZER, socket, String(durationMs), String(workers)], { uid: user.uid, gid: user.gid, cwd: '/', env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Record<string, number>) : reject(new Error(`the fuzzer exited ${code}: ${err}`))));
  });
}
