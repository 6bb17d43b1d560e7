// The Cordon CLI (agent, status, sync, server, …) as one esbuild bundle run by the packaged Node: no tsx, no
// node_modules. Code splitting keeps cli/main.ts's dynamic imports as chunk boundaries, so `cordon agent` loads
// the agent's chunks and never the server's (checked here against esbuild's metafile). The data files the code
// finds relative to itself (new URL('./…', import.meta.url)) are copied beside the chunks.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';
import { bundleConsole } from '../../build/bundle-console.ts';

export type AppFlavour = 'agent' | 'server';

export interface BundleOptions {
  repoRoot: string;
  outDir: string;
  /** agent: every command but `server` and `start` (stubs that point at cordon-server); server: all of them. */
  flavour: AppFlavour;
  /** Overrides package.json's version (the packaging test builds an upgrade). */
  version?: string;
}

export const ENTRY_FILE = 'cordon.mjs';

/** Inputs the agent's chunks must never contain: the server, its database drivers and web framework. */
export const SERVER_ONLY_INPUTS = [/^server\/(?!admin-client\.ts$)/, /node_modules\/(fastify|@fastify|@electric-sql\/pglite|pg|pg-[a-z]+)\//];

function overrideVersion(repoRoot: string, version: string | undefined): Plugin {
  const pkg = join(repoRoot, 'package.json');
  return {
    name: 'cordon-version',
    setup(b) {
      b.onLoad({ filter: /package\.json$/ }, (args) => {
        if (args.path !== pkg || !version) return undefined;
        return { contents: JSON.stringify({ ...(JSON.parse(readFileSync(pkg, 'utf8')) as object), version }), loader: 'json' };
      });
    },
  };
}

function serverCommandsElsewhere(repoRoot: string): Plugin {
  const stub = join(repoRoot, 'packaging', 'runtime', 'server-not-installed.ts');
  return {
    name: 'cordon-agent-flavour',
    setup(b) {
      b.onResolve({ filter: /^\.\/(server|start)-command\.ts$/ }, (args) => (args.importer === join(repoRoot, 'cli', 'main.ts') ? { path: stub } : undefined));
    },
  };
}

/** Native addons stay files: napi-rs's loader requires ./<name>.node relative to the chunk, which we place there. */
const nativeAddonsExternal: Plugin = {
  name: 'cordon-native-addons',
  setup(b) {
    b.onResolve({ filter: /(\.node$|^@napi-rs\/keyring-)/ }, (args) => ({ path: args.path, external: true }));
  },
};

function copyDataFiles(repoRoot: string, outDir: string, flavour: AppFlavour): void {
  cpSync(join(repoRoot, 'policy/catalog'), join(outDir, 'catalog'), { recursive: true, filter: (src) => !src.endsWith('.md') && !src.endsWith('.ts') });
  cpSync(join(repoRoot, 'policy/default-policy.yaml'), join(outDir, 'default-policy.yaml'));
  cpSync(join(repoRoot, 'policy/policy.schema.json'), join(outDir, 'policy.schema.json'));
  if (flavour === 'server') {
    for (const f of ['pglite.wasm', 'pglite.data', 'initdb.wasm']) cpSync(join(repoRoot, 'node_modules/@electric-sql/pglite/dist', f), join(outDir, f));
  }
}

/** The input files (repo-relative) statically reachable from one output chunk. */
function staticClosure(meta: Metafile, start: string): Set<string> {
  const seen = new Set<string>();
  const inputs = new Set<string>();
  const visit = (out: string): void => {
    if (seen.has(out)) return;
    seen.add(out);
    const o = meta.outputs[out]!;
    for (const i of Object.keys(o.inputs)) inputs.add(i);
    for (const imp of o.imports) if (imp.kind === 'import-statement' && !imp.external) visit(imp.path);
  };
  visit(start);
  return inputs;
}

/** What `cordon agent` loads: the entry chunk plus the agent command's chunk, each with its static imports. */
export function agentLoadedInputs(meta: Metafile): string[] {
  // esbuild makes each dynamically imported file an entry point of its own.
  const agentChunk = Object.keys(meta.outputs).find((k) => meta.outputs[k]!.entryPoint === 'cli/agent-command.ts');
  const entry = Object.keys(meta.outputs).find((k) => k.endsWith(`/${ENTRY_FILE}`))!;
  if (!agentChunk) throw new Error('no chunk holds cli/agent-command.ts');
  return [...new Set([...staticClosure(meta, entry), ...staticClosure(meta, agentChunk)])].sort();
}

export async function bundleApp(o: BundleOptions): Promise<{ metafile: Metafile; agentInputs: string[] }> {
  rmSync(o.outDir, { recursive: true, force: true });
  mkdirSync(o.outDir, { recursive: true });
  const result = await build({
    absWorkingDir: o.repoRoot,
    // The exec guard's judge, its scan lane and the identification pool run in worker threads, each loading its own entry
    // (agent/worker-entry.ts finds it beside the chunks).
    entryPoints: {
      cordon: join(o.repoRoot, 'cli/cordon-entry.ts'),
      'exec-judge-worker': join(o.repoRoot, 'agent/exec-guard/exec-judge-worker.ts'),
      'exec-scan-worker': join(o.repoRoot, 'agent/exec-guard/exec-scan-worker.ts'),
      'identification-worker': join(o.repoRoot, 'agent/identification/identification-worker.ts'),
    },
    outdir: o.outDir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    minify: true,
    keepNames: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    // CommonJS dependencies call require(); ESM output has none, so give it one rooted at the chunk.
    banner: { js: "import { createRequire as __cordonCreateRequire } from 'node:module'; const require = __cordonCreateRequire(import.meta.url);" },
    plugins: [overrideVersion(o.repoRoot, o.version), nativeAddonsExternal, ...(o.flavour === 'agent' ? [serverCommandsElsewhere(o.repoRoot)] : [])],
  });
  copyDataFiles(o.repoRoot, o.outDir, o.flavour);
  // The admin console the server serves at /: console-routes.ts finds it beside the chunks.
  if (o.flavour === 'server') await bundleConsole(join(o.outDir, 'console'));
  const agentInputs = agentLoadedInputs(result.metafile);
  const leaked = agentInputs.filter((i) => SERVER_ONLY_INPUTS.some((re) => re.test(i)));
  if (leaked.length) throw new Error(`cordon agent would load server code: ${leaked.join(', ')}`);
  writeFileSync(join(o.outDir, 'package.json'), '{"type":"module"}\n');
  return { metafile: result.metafile, agentInputs };
}
