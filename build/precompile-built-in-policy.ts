// Writes the built-in policy, compiled, beside the policy sources of a build (dist/policy/, or the bundle's
// directory), so that the agent there starts without compiling YAML (see policy/precompiled-built-in-policy.ts).
import { join } from 'node:path';
import { builtInPolicy } from '../policy/built-in-policy.ts';
import { writeFileAtomic } from '../policy/atomic-file.ts';
import { builtInSourcesDigest, PRECOMPILED_POLICY_NAME, type PrecompiledPolicyFile } from '../policy/precompiled-built-in-policy.ts';

/** `dir` must already hold default-policy.yaml and catalog/, copied from this source tree. */
export function writePrecompiledBuiltInPolicy(dir: string): void {
  const file: PrecompiledPolicyFile = { sourcesDigest: builtInSourcesDigest(dir), policy: builtInPolicy() };
  writeFileAtomic(join(dir, PRECOMPILED_POLICY_NAME), `${JSON.stringify(file)}\n`);
}
