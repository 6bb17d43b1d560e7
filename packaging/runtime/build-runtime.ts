// The self-contained runtime a package installs under /usr/lib/cordon (agent) or /usr/lib/cordon-server:
//   node          the pinned official Node binary
//   app/          the bundle (cordon.mjs + chunks), its data files and the keyring addon
//   app/native/   (agent only) the exec guard helper and the peer-credentials addon (agent-native-parts.ts)
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { buildAgentNativeParts } from './agent-native-parts.ts';
import { bundleApp, type AppFlavour } from './bundle-app.ts';
import { placeKeyringAddon } from './native-addons.ts';
import { nodeBinary } from './node-runtime.ts';
import type { TargetArch } from './target-arch.ts';

export interface BuiltRuntime {
  dir: string;
  /** Repo-relative input files `cordon agent` loads (its static import closure). */
  agentInputs: string[];
  metafile: Metafile;
}

export async function buildRuntime(repoRoot: string, flavour: AppFlavour, arch: TargetArch, outDir: string, version?: string): Promise<BuiltRuntime> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const app = join(outDir, 'app');
  const { agentInputs, metafile } = await bundleApp({ repoRoot, outDir: app, flavour, version });
  placeKeyringAddon(repoRoot, arch, app);
  // The server package runs no agent: only the agent's runtime carries the agent's native parts.
  const agentParts = flavour === 'agent' ? buildAgentNativeParts(repoRoot, arch, app, `${outDir}.native-work`) : [];
  copyFileSync(nodeBinary(repoRoot, arch), join(outDir, 'node'));
  stripSymbols(join(outDir, 'node'));
  for (const f of readdirSync(app)) if (f.endsWith('.node')) stripSymbols(join(app, f));
  for (const f of agentParts) stripSymbols(f);
  return { dir: outDir, agentInputs, metafile };
}

/**
 * Official Node builds carry their symbol tables (125 MB for x64); shipping them costs every machine ~18 MB and
 * lintian flags them. strip reads only its host's ELF flavour: another arch's binary ships as the registry has it.
 */
function stripSymbols(file: string): void {
  spawnSync('strip', ['--strip-unneeded', '--remove-section=.comment', '--remove-section=.note', file], { stdio: 'ignore' });
}
