// Starts a real Cordon server on 127.0.0.1 (port 0) over PGlite or PostgreSQL, plus small HTTP helpers for tests.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATA_FILES } from '../../server/data-dir.ts';
import { startServer, type RunningServer, type StartOptions } from '../../server/start-server.ts';

export interface TestServer extends RunningServer {
  enrolSecret: string;
  adminToken: string;
  publicKeyPem: string;
  stop(): Promise<void>;
}

export async function startTestServer(options: { databaseUrl?: string; dataDir?: string } & Partial<StartOptions> = {}): Promise<TestServer> {
  const ownDir = !options.dataDir;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'cordon-server-'));
  let server: RunningServer;
  try {
    server = await startServer({ port: 0, host: '127.0.0.1', ...options, dataDir, settings: { rateLimitPerMinute: 0, ...options.settings } });
  } catch (err) {
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const read = (f: string) => readFileSync(join(dataDir, f), 'utf8').trim();
  return {
    ...server,
    enrolSecret: read(DATA_FILES.enrolSecret),
    adminToken: read(DATA_FILES.adminToken),
    publicKeyPem: readFileSync(join(dataDir, DATA_FILES.signingPublicKey), 'utf8'),
    async stop() {
      await server.close();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function http<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

export function deviceFacts(overrides: Partial<{ hostname: string; user: string; groups: string[]; tags: string[] }> = {}) {
  return { hostname: 'ws-0001', os: 'linux', arch: 'x64', user: 'alice', agentVersion: '0.1.0', groups: [], tags: [], ...overrides };
}
