// Ed25519 detached signatures over the canonical JSON of a compiled policy.
// The bundle carries the exact signed bytes as a string, so nothing between signer and agent can re-serialise them.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { canonicalJson } from './canonical-json.ts';
import { CompiledPolicySchema } from './compiled-policy.ts';
import { schemaProblems } from './problems.ts';

export const BUNDLE_FORMAT = 'cordon.signed-policy/1';
export const MAX_BUNDLE_BYTES = 4 * 1024 * 1024;

export const PolicyBundleSchema = Type.Object(
  {
    format: Type.Literal(BUNDLE_FORMAT),
    keyId: Type.String({ pattern: '^[0-9a-f]{32}$' }),
    payload: Type.String({ minLength: 2, maxLength: MAX_BUNDLE_BYTES }),
    signature: Type.String({ pattern: '^[A-Za-z0-9+/]{86}==$' }),
  },
  { additionalProperties: false },
);
export type PolicyBundle = Static<typeof PolicyBundleSchema>;

export const BundleContentSchema = Type.Object(
  {
    serial: Type.Integer({ minimum: 1, description: 'monotonic; an agent refuses a serial lower than the one it runs' }),
    issuedAt: Type.String({ format: 'date-time' }),
    device: Type.Optional(Type.String({ minLength: 1, description: 'when set, only this device may apply the bundle' })),
    groups: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 64, description: "the device's groups as IT assigned them on the server (appliesTo.groups)" }),
    ),
    policy: CompiledPolicySchema,
  },
  { additionalProperties: false },
);
export type BundleContent = Static<typeof BundleContentSchema>;

const checkBundle = Compile(PolicyBundleSchema);
const checkContent = Compile(BundleContentSchema);

export type BundleRejection = 'malformed' | 'unknown-key' | 'bad-signature' | 'not-canonical' | 'invalid-policy';

export class BundleError extends Error {
  constructor(
    readonly reason: BundleRejection,
    message: string,
  ) {
    super(message);
    this.name = 'BundleError';
  }
}

export interface SigningKeyPair {
  keyId: string;
  privateKeyPem: string;
  publicKeyPem: string;
}

export function generateSigningKey(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    keyId: keyIdOf(publicKey),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** A stable fingerprint of a public key: the first 128 bits of SHA-256 over its SPKI DER. */
export function keyIdOf(key: KeyObject | string): string {
  const pub = typeof key === 'string' ? createPublicKey(key) : key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 32);
}

export function loadPublicKey(pem: string, source = 'public key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new Error(`${source}: not a PEM public key (${(err as Error).message})`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${source}: expected an Ed25519 key, got ${key.asymmetricKeyType}`);
  return key;
}

export function loadPrivateKey(pem: string, source = 'private key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new Error(`${source}: not a PEM private key (${(err as Error).message})`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${source}: expected an Ed25519 key, got ${key.asymmetricKeyType}`);
  return key;
}

export function signBundle(content: BundleContent, privateKey: KeyObject): PolicyBundle {
  const payload = canonicalJson(content);
  return {
    format: BUNDLE_FORMAT,
    keyId: keyIdOf(privateKey),
    payload,
    signature: sign(null, Buffer.from(payload, 'utf8'), privateKey).toString('base64'),
  };
}

/**
 * Verifies a bundle against pinned keys *before* looking at what it says, then checks the content.
 * Accepts the raw text or a parsed value. Throws BundleError with a reason code and a plain message.
 */
export function verifyBundle(input: string | unknown, trustedKeys: readonly KeyObject[]): BundleContent {
  let value: unknown = input;
  if (typeof input === 'string') {
    if (input.length > MAX_BUNDLE_BYTES + 1024) throw new BundleError('malformed', `bundle is larger than ${MAX_BUNDLE_BYTES} bytes`);
    try {
      value = JSON.parse(input);
    } catch (err) {
      throw new BundleError('malformed', `bundle is not valid JSON (truncated?): ${(err as Error).message}`);
    }
  }
  if (!checkBundle.Check(value)) {
    const first = schemaProblems(PolicyBundleSchema, checkBundle.Errors(value))[0];
    throw new BundleError('malformed', `not a signed policy bundle: ${first ? `${first.path || 'bundle'} ${first.message}` : 'wrong shape'}`);
  }
  const bundle = value;
  const key = trustedKeys.find((k) => keyIdOf(k) === bundle.keyId);
  if (!key) throw new BundleError('unknown-key', `signed by key ${bundle.keyId}, which is not one of the ${trustedKeys.length} pinned key(s)`);
  if (!verify(null, Buffer.from(bundle.payload, 'utf8'), key, Buffer.from(bundle.signature, 'base64')))
    throw new BundleError('bad-signature', 'signature does not match the payload: the bundle was altered after signing');
  let content: unknown;
  try {
    content = JSON.parse(bundle.payload);
  } catch {
    throw new BundleError('malformed', 'signed payload is not JSON');
  }
  // A validly signed but non-canonical payload means a signer bug or a re-ordered document: refuse both.
  if (canonicalJson(content) !== bundle.payload) throw new BundleError('not-canonical', 'signed payload is not in canonical form (re-ordered or re-formatted)');
  if (!checkContent.Check(content)) {
    const problems = schemaProblems(BundleContentSchema, checkContent.Errors(content)).slice(0, 5);
    throw new BundleError('invalid-policy', `signed policy is invalid: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`);
  }
  return content;
}

export { policyDigest } from './policy-digest.ts';
