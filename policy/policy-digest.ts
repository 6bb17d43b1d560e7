// The identity of a compiled policy: SHA-256 over its canonical JSON. Its own module so that the agent can name
// the policy in force without loading the bundle schemas and their compiled validators (signing.ts).
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import type { CompiledPolicy } from './compiled-policy.ts';

export function policyDigest(policy: CompiledPolicy): string {
  return createHash('sha256').update(canonicalJson(policy)).digest('hex');
}
