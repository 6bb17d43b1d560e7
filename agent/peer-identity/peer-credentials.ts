// Who is on the other end of a status-socket connection, from the kernel (native/peer_credentials.c: Linux
// SO_PEERCRED, macOS LOCAL_PEERCRED), never from what the caller says. Node has no API for it, so a tiny N-API
// addon does the one getsockopt; it is built from source by `npm run build:native` (run before `npm test` and by
// the packaging build) against the installed Node's own headers. Without it no caller's identity can be
// established: callers then get no per-user data and cannot file requests (see status-server.ts).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface PeerCredentials {
  uid: number;
  gid: number;
  /** 0 when the platform does not say. */
  pid: number;
}

interface Addon {
  peerCredentials(fd: number): PeerCredentials;
}

/**
 * Where the build step puts the addon, beside its source. The packaging build (packaging/runtime/agent-native-parts.ts)
 * puts the one it builds against the packaged Node at the same path relative to the bundle's chunks
 * (<app>/native/build/Release/), which is where this resolves from a chunk in <app>/.
 */
export const PEER_CREDENTIALS_ADDON = fileURLToPath(new URL('./native/build/Release/peer_credentials.node', import.meta.url));

let addon: Addon | undefined;
let loadProblem: string | undefined;

function load(): Addon | undefined {
  if (addon || loadProblem) return addon;
  if (process.platform !== 'linux' && process.platform !== 'darwin') {
    loadProblem = `callers of the status API cannot be identified on ${process.platform} yet`;
    return undefined;
  }
  if (!existsSync(PEER_CREDENTIALS_ADDON)) {
    loadProblem = `the peer-credentials addon is not built (${PEER_CREDENTIALS_ADDON}); run \`npm run build:native\``;
    return undefined;
  }
  try {
    addon = createRequire(import.meta.url)(PEER_CREDENTIALS_ADDON) as Addon;
  } catch (err) {
    loadProblem = `cannot load the peer-credentials addon ${PEER_CREDENTIALS_ADDON}: ${(err as Error).message}`;
  }
  return addon;
}

/** Why callers cannot be identified, or undefined when they can. */
export function peerIdentityProblem(): string | undefined {
  load();
  return loadProblem;
}

/** The kernel's record of the connecting process; undefined when it cannot be established. */
export function peerCredentialsOf(socket: Socket): PeerCredentials | undefined {
  const native = load();
  // net.Socket keeps its libuv pipe handle here; on Unix it carries the descriptor.
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (!native || typeof fd !== 'number' || fd < 0) return undefined;
  try {
    const c = native.peerCredentials(fd);
    return Number.isInteger(c.uid) && c.uid >= 0 ? c : undefined;
  } catch {
    return undefined;
  }
}
