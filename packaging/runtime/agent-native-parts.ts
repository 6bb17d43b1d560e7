// The agent's own native parts, built for the package: the exec guard helper (C, agent/exec-guard/native) and the
// peer-credentials N-API addon (agent/peer-identity/native), built against the headers of the PINNED packaged Node
// (the node-linux-<arch> tarball carries include/node), not the Node running the build. Each goes where the code
// looks for it relative to its chunk (new URL('./native/…', import.meta.url) from <app>/), so the bundle finds
// them under <app>/native/ exactly as the source tree finds them beside their sources.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildExecGuard } from '../../agent/exec-guard/exec-guard-binary.ts';
import { extractMember, verifiedTarball } from './npm-tarball.ts';
import { NODE_RUNTIME } from './node-runtime.ts';
import { hostArch, type TargetArch } from './target-arch.ts';

/** Paths inside <app>/, mirroring agent/exec-guard/native and agent/peer-identity/native relative to their code. */
export const BUNDLED_EXEC_GUARD = 'native/cordon-exec-guard';
export const BUNDLED_PEER_CREDENTIALS = 'native/build/Release/peer_credentials.node';

/** build/node/linux-<arch> with include/node from the pinned tarball: a --nodedir for node-gyp. */
function pinnedNodeDir(repoRoot: string, arch: TargetArch): string {
  const dir = join(repoRoot, 'build', 'node', `linux-${arch}`);
  if (!existsSync(join(dir, 'include', 'node', 'node_api.h'))) {
    mkdirSync(join(dir, 'include'), { recursive: true });
    rmSync(join(dir, 'include', 'node'), { recursive: true, force: true });
    extractMember(verifiedTarball(NODE_RUNTIME[arch], join(repoRoot, 'build', 'node', 'cache')), 'include/node', join(dir, 'include', 'node'));
  }
  return dir;
}

function crossCompilerCheck(arch: TargetArch): void {
  // The system compiler builds for this machine only; another arch needs a cross toolchain named by CC and CXX.
  if (arch !== hostArch() && !process.env.CC) throw new Error(`building the ${arch} packages on ${hostArch()} needs a cross compiler: set CC and CXX (e.g. aarch64-linux-gnu-gcc)`);
}

/** Builds both parts into appDir; returns the files placed (absolute). */
export function buildAgentNativeParts(repoRoot: string, arch: TargetArch, appDir: string, workDir: string): string[] {
  crossCompilerCheck(arch);
  const guard = join(appDir, BUNDLED_EXEC_GUARD);
  mkdirSync(dirname(guard), { recursive: true });
  buildExecGuard({ force: true, out: guard });

  // Built in a copy: node-gyp writes build/ beside binding.gyp, and the source tree's addon is for the dev Node.
  const src = join(workDir, 'peer-identity');
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(src, { recursive: true });
  for (const f of ['binding.gyp', 'peer_credentials.c']) copyFileSync(join(repoRoot, 'agent/peer-identity/native', f), join(src, f));
  const nodeGyp = join(repoRoot, 'node_modules/.bin/node-gyp');
  const run = spawnSync(nodeGyp, ['rebuild', '--directory', src, `--nodedir=${pinnedNodeDir(repoRoot, arch)}`, `--arch=${arch}`, '--loglevel=warn'], { stdio: ['ignore', 'ignore', 'inherit'], shell: false });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`node-gyp could not build the peer-credentials addon for Node ${NODE_RUNTIME[arch].version} (${arch})`);
  const addon = join(appDir, BUNDLED_PEER_CREDENTIALS);
  mkdirSync(dirname(addon), { recursive: true });
  copyFileSync(join(src, 'build/Release/peer_credentials.node'), addon);
  // A shared library is loaded, never run: node-gyp leaves it 0755, Debian policy (lintian) wants 0644.
  chmodSync(addon, 0o644);
  rmSync(workDir, { recursive: true, force: true });
  return [guard, addon];
}
