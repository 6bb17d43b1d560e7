// `cordon start`'s embedded default: a Cordon server on loopback with its embedded database (PGlite) in this
// user's state dir, and the managed config that connects the local agent to it — the whole system on one
// machine, with nothing to set up. A real fleet replaces both with IT's server and IT's managed config.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../policy/index.ts';
import { loadManagedConfig, type ManagedConfig } from '../agent/sync/managed-config.ts';
import { DATA_FILES } from '../server/data-dir.ts';
import { startServer, type RunningServer } from '../server/start-server.ts';

export const LOCAL_SERVER_PORT = 7443;

export interface LocalDeployment {
  server: RunningServer;
  config: ManagedConfig;
  adminTokenFile: string;
}

export async function startLocalDeployment(stateDir: string, port = LOCAL_SERVER_PORT): Promise<LocalDeployment> {
  const dataDir = join(stateDir, 'local-server');
  let server: RunningServer;
  try {
    server = await startServer({ dataDir, port, host: '127.0.0.1', logger: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    throw new Error(`port ${port} on 127.0.0.1 is taken (another "cordon start"?); pass --server-port N, or --no-server to run the agent unconnected`, { cause: err });
  }
  const read = (f: string) => readFileSync(join(dataDir, f), 'utf8');
  const pem = read(DATA_FILES.signingPublicKey).trim().split('\n').map((l) => `    ${l}`).join('\n');
  const file = join(dataDir, 'agent.yaml');
  // Same port every start, so the agent's stored device token (bound to the server URL) stays valid.
  writeFileAtomic(file, `# Written by "cordon start": connects this machine's agent to the local server.\nserverUrl: ${server.url}\nenrolSecretFile: ${join(dataDir, DATA_FILES.enrolSecret)}\npinnedKeys:\n  - |\n${pem}\ngroups: [local]\n`, 0o600);
  const config = loadManagedConfig(file);
  if (!config) throw new Error(`${file} vanished while starting`);
  return { server, config, adminTokenFile: join(dataDir, DATA_FILES.adminToken) };
}
