// The built-in policy as the build compiled it, so that an installed agent starts without the YAML parser, the
// TypeBox compilers and 25 catalog validations. The file carries the digest of the sources it was compiled from
// (default-policy.yaml and the catalog beside it); when they differ (a source checkout, a hand-edited catalog) the
// agent compiles the sources as before. Only the build writes the file, beside the code, where only root can.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompiledPolicy } from './compiled-policy.ts';

export const PRECOMPILED_POLICY_NAME = 'built-in-policy.compiled.json';
const HERE = fileURLToPath(new URL('./', import.meta.url));

export interface PrecompiledPolicyFile {
  /** SHA-256 over default-policy.yaml and catalog/*.yaml, as builtInSourcesDigest computes it. */
  sourcesDigest: string;
  policy: CompiledPolicy;
}

/** Digest of what the built-in policy is compiled from, in `dir` (this module's directory by default). */
export function builtInSourcesDigest(dir: string = HERE): string {
  const hash = createHash('sha256');
  const add = (name: string, path: string) => hash.update(name).update('\0').update(readFileSync(path)).update('\0');
  add('default-policy.yaml', join(dir, 'default-policy.yaml'));
  const catalog = join(dir, 'catalog');
  for (const f of readdirSync(catalog).filter((f) => f.endsWith('.yaml')).sort()) add(`catalog/${f}`, join(catalog, f));
  return hash.digest('hex');
}

/** The precompiled built-in policy when it matches its sources here; undefined otherwise. */
export function readPrecompiledBuiltInPolicy(dir: string = HERE): CompiledPolicy | undefined {
  let file: PrecompiledPolicyFile;
  try {
    file = JSON.parse(readFileSync(join(dir, PRECOMPILED_POLICY_NAME), 'utf8')) as PrecompiledPolicyFile;
  } catch {
    return undefined; // not built (a source checkout)
  }
  return file.sourcesDigest === builtInSourcesDigest(dir) ? file.policy : undefined;
}

/** The built-in policy, compiled from the sources only when no matching precompiled file is present. */
export async function loadBuiltInPolicy(): Promise<CompiledPolicy> {
  return readPrecompiledBuiltInPolicy() ?? (await import('./built-in-policy.ts')).builtInPolicy();
}
