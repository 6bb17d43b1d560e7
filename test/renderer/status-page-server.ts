// Serves the real bundled status window from 127.0.0.1 through the app's own cordon-app:// handler
// (main/app-protocol.ts: the files, their types and the CSP header are what the app sends), plus a tiny relay
// that answers the bridge calls through main/agent-connection.ts — the same code the Electron main process
// uses — against a real agent's status API.
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { bundleRenderer, RENDERER_STATIC_FILES } from '../../build/bundle-renderer.ts';
import { AgentConnection } from '../../main/agent-connection.ts';
import type { Protocol } from 'electron';
import { APP_SCHEME, handleAppScheme } from '../../main/app-protocol.ts';
import { createIpcHandlers } from '../../main/ipc-handlers.ts';

let bundled: Promise<string> | undefined;

/** The renderer bundled once per test process, exactly as `npm run build` bundles it. */
export function bundledRenderer(): Promise<string> {
  bundled ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cordon-renderer-'));
    await bundleRenderer(dir);
    return dir;
  })();
  return bundled;
}

export interface StatusPageServer {
  url: string;
  /** URLs the app's handlers opened in the browser (what reached shell.openExternal). */
  opened: string[];
  /** Text the app's handlers put on the clipboard (what reached clipboard.writeText). */
  clipboard: string[];
  close(): Promise<void>;
}

/**
 * With `inProcess`, no agent answering on `socket` makes the relay start the agent itself, as the tray does
 * (confined to this test process's descendants).
 */
export async function startStatusPageServer(socket: string, inProcess?: { stateDir: string; socket: string }): Promise<StatusPageServer> {
  const dir = await bundledRenderer();
  const files = new Set([...RENDERER_STATIC_FILES, 'status.js']);
  // The app's scheme handler, registered on a protocol object that only keeps it.
  let appScheme: ((request: Request) => Promise<Response>) | undefined;
  handleAppScheme({ handle: (_scheme: string, fn: (request: Request) => Promise<Response>) => (appScheme = fn) } as unknown as Protocol, dir);
  const connection = await AgentConnection.open({
    socket,
    startInProcess: inProcess !== undefined,
    inProcessPaths: inProcess,
    inProcessScopePid: process.pid,
    agentVersion: 'test',
    log: pino({ level: 'silent' }),
  });
  const opened: string[] = [];
  const clipboard: string[] = [];
  // The app's IPC handlers (main/ipc-handlers.ts), keyed by IPC channel, with the clipboard and the browser recorded.
  const relay = createIpcHandlers({
    snapshot: () => connection.snapshot,
    refresh: () => connection.refresh(),
    requestException: (input) => connection.requestException(input),
    syncNow: () => connection.syncNow(),
    writeClipboard: (text) => Promise.resolve(void clipboard.push(text)),
    openInBrowser: (url) => Promise.resolve(void opened.push(url)),
    trayVersion: 'test',
  }) as Record<string, (arg: unknown) => Promise<unknown>>;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'POST' && path.startsWith('/relay/')) {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const handler = relay[decodeURIComponent(path.slice('/relay/'.length))];
        if (!handler) return void res.writeHead(404).end();
        handler(body ? JSON.parse(body) : undefined).then(
          (answer) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer ?? null)),
          (err: Error) => res.writeHead(500).end(err.message),
        );
      });
      return;
    }
    const name = path.slice(1);
    if (!files.has(name)) return void res.writeHead(404).end();
    void appScheme!(new Request(`${APP_SCHEME}://status/${name}`)).then(async (answer) => {
      res.writeHead(answer.status, Object.fromEntries(answer.headers)).end(Buffer.from(await answer.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    opened,
    clipboard,
    close: async () => {
      await connection.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
