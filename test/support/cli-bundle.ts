// An esbuild bundle of the `cordon` command, as `npm run bench:package` measures it and the footprint test runs
// it: cli/cordon-entry.ts as ES modules split at its dynamic imports (so `cordon agent` loads the agent's chunks,
// not the server's), with the policy's data files and the precompiled built-in policy beside the chunks, where
// the code looks for them. The release bundle comes from the packaging build; this one needs nothing but esbuild.
import { cpSync, rmSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { writePrecompiledBuiltInPolicy } from '../../build/precompile-built-in-policy.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliBundle {
  dir: string;
  entry: string;
  /** Bytes of the JavaScript and data files, without the Node runtime and the native keychain addon. */
  bytes: number;
}

export interface CliBundleOptions {
  /** Leave npm packages as imports (resolved from node_modules), so a test can see which ones a command loads. */
  packagesExternal?: boolean;
}

/** Builds into `dir`, which must lie inside the repository so that node_modules (the keychain addon) resolves. */
export async function bundleCli(dir: string = join(ROOT, 'out/bench-bundle'), options: CliBundleOptions = {}): Promise<CliBundle> {
  rmSync(dir, { recursive: true, force: true });
  await build({
    entryPoints: { cordon: join(ROOT, 'cli/cordon-entry.ts') },
    outdir: dir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    // The keychain is a native addon; pg-native is pg's optional driver, never installed.
    external: ['@napi-rs/keyring', 'pg-native'],
    ...(options.packagesExternal ? { packages: 'external' as const } : {}),
    // Bundled CommonJS dependencies call require() for Node's own modules.
    banner: { js: "import { createRequire as __cordonRequire } from 'node:module'; const require = __cordonRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  cpSync(join(ROOT, 'policy/catalog'), join(dir, 'catalog'), { recursive: true, filter: (src) => !src.endsWith('.md') });
  cpSync(join(ROOT, 'policy/default-policy.yaml'), join(dir, 'default-policy.yaml'));
  writePrecompiledBuiltInPolicy(dir);
  return { dir, entry: join(dir, 'cordon.mjs'), bytes: treeBytes(dir) };
}

export function treeBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) total += e.isDirectory() ? treeBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return total;
}
