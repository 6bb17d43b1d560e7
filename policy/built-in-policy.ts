// The default policy compiled against the built-in catalog, for agents with no server policy yet.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { builtInCatalog } from './catalog.ts';
import { compilePolicy, type CompiledPolicy } from './compiled-policy.ts';
import { parsePolicy } from './policy-document.ts';

export const DEFAULT_POLICY_FILE = fileURLToPath(new URL('./default-policy.yaml', import.meta.url));

let cached: CompiledPolicy | undefined;
export function builtInPolicy(): CompiledPolicy {
  cached ??= compilePolicy(parsePolicy(readFileSync(DEFAULT_POLICY_FILE, 'utf8'), DEFAULT_POLICY_FILE, builtInCatalog()), builtInCatalog());
  return cached;
}
