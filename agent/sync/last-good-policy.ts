// The newest server policy this device has accepted, kept on disk so it is enforced across restarts and outages.
// A bundle is checked in this order and refused at the first failure: signature against the pinned keys (before
// anything it says is looked at), then canonical form and schema, then that it is for this device, then that
// its serial is not below the floor for the key that signed it. Only then is it written (atomically) and put in
// force. The floor is one per signing key and outlives device ids: re-enrolment must not reopen old serials, or
// a proxy that forces one could replay an older (or another device's) bundle.
import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { BundleError, policyDigest, verifyBundle, writeFileAtomic, type BundleContent, type BundleRejection, type PolicyBundle } from '../../policy/index.ts';

export type PolicyRejectionReason = BundleRejection | 'other-device' | 'rollback' | 'serial-reused';

export class PolicyRejected extends Error {
  constructor(
    readonly reason: PolicyRejectionReason,
    message: string,
  ) {
    super(message);
    this.name = 'PolicyRejected';
  }
}

export interface AcceptedPolicy {
  content: BundleContent;
  /** The bundle exactly as received: re-verified on every start. */
  bundle: PolicyBundle;
  etag?: string;
  receivedAt: string;
}

export type OfferResult = { changed: true; accepted: AcceptedPolicy } | { changed: false; accepted: AcceptedPolicy };

/** The newest serial accepted from a signing key, and what it carried (a serial is never reused for other content). */
interface SerialFloor {
  serial: number;
  digest: string;
}

interface StoredPolicy {
  bundle?: PolicyBundle;
  etag?: string;
  receivedAt?: string;
  floors?: Record<string, SerialFloor>;
}

/** What a serial stands for: the policy, and the device and groups it was signed for. */
function contentDigest(content: BundleContent): string {
  return `${policyDigest(content.policy)}:${content.device ?? ''}:${(content.groups ?? []).join(',')}`;
}

export class LastGoodPolicy {
  private accepted: AcceptedPolicy | undefined;
  private floors: Record<string, SerialFloor> = {};
  /** Set when the stored policy could not be trusted at start; shown in status. */
  problem: string | undefined;

  private constructor(
    private readonly file: string,
    private readonly pinnedKeys: readonly KeyObject[],
  ) {}

  /** Loads the stored policy, verifying it again: a key IT has since un-pinned no longer counts. */
  static load(file: string, pinnedKeys: readonly KeyObject[]): LastGoodPolicy {
    const store = new LastGoodPolicy(file, pinnedKeys);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') store.problem = `cannot read the stored policy ${file}: ${(err as Error).message}`;
      return store;
    }
    let stored: StoredPolicy;
    try {
      stored = JSON.parse(text) as StoredPolicy;
    } catch (err) {
      store.problem = `the stored policy ${file} is no longer trusted (${(err as Error).message}); the built-in policy applies until the server sends one`;
      return store;
    }
    // The floors count even when the bundle no longer does (a key un-pinned since): they only ever refuse.
    for (const [keyId, floor] of Object.entries(stored.floors ?? {}))
      if (floor && Number.isSafeInteger(floor.serial) && typeof floor.digest === 'string') store.floors[keyId] = { serial: floor.serial, digest: floor.digest };
    try {
      const content = verifyBundle(stored.bundle, pinnedKeys);
      const bundle = stored.bundle!;
      store.accepted = { content, bundle, etag: stored.etag, receivedAt: stored.receivedAt ?? new Date(0).toISOString() };
      // A file from before floors were kept: its bundle is the floor of its key.
      const floor = store.floors[bundle.keyId];
      if (!floor || floor.serial < content.serial) store.floors[bundle.keyId] = { serial: content.serial, digest: contentDigest(content) };
    } catch (err) {
      store.problem = `the stored policy ${file} is no longer trusted (${(err as Error).message}); the built-in policy applies until the server sends one`;
    }
    return store;
  }

  current(): AcceptedPolicy | undefined {
    return this.accepted;
  }

  /** The highest serial accepted from any of the given keys (told to the server at enrolment, so its series continues above it). */
  serialFloor(keyIds: readonly string[]): number {
    return Math.max(0, ...keyIds.map((k) => this.floors[k]?.serial ?? 0));
  }

  /** Checks a bundle from the server; throws PolicyRejected saying which check failed. Persists before returning. */
  offer(bundleText: string, deviceId: string, etag?: string): OfferResult {
    let content: BundleContent;
    try {
      content = verifyBundle(bundleText, this.pinnedKeys);
    } catch (err) {
      if (err instanceof BundleError) throw new PolicyRejected(err.reason, err.message);
      throw err;
    }
    if (content.device !== undefined && content.device !== deviceId)
      throw new PolicyRejected('other-device', `the bundle is for device ${content.device}, and this device is ${deviceId}`);
    const keyId = (JSON.parse(bundleText) as PolicyBundle).keyId;
    const floor = this.floors[keyId];
    const now = this.accepted;
    if (floor) {
      const inForce = now?.bundle.keyId === keyId && now.content.serial === floor.serial;
      if (content.serial < floor.serial)
        throw new PolicyRejected(
          'rollback',
          `the bundle has serial ${content.serial}, older than serial ${floor.serial} ${inForce ? 'in force' : 'already accepted from this signing key'}: refusing to go back`,
        );
      if (content.serial === floor.serial) {
        // Re-signed (a new issuedAt) but the same content: no change. Different content under a serial already
        // used would let a replay pick either: refuse it.
        if (contentDigest(content) !== floor.digest) throw new PolicyRejected('serial-reused', `the bundle reuses serial ${content.serial} for a different policy`);
        if (!inForce) throw new PolicyRejected('rollback', `the bundle repeats serial ${content.serial}, which a newer policy has since replaced: refusing to go back`);
        if (etag !== now.etag) this.persist({ ...now, etag });
        return { changed: false, accepted: this.accepted! };
      }
    }
    const accepted: AcceptedPolicy = { content, bundle: JSON.parse(bundleText) as PolicyBundle, etag, receivedAt: new Date().toISOString() };
    this.floors[keyId] = { serial: content.serial, digest: contentDigest(content) };
    this.persist(accepted);
    return { changed: true, accepted };
  }

  /** Verified is what counts: a bundle that cannot be saved (a full disk) is still put in force, and that is said. */
  private persist(accepted: AcceptedPolicy): void {
    this.accepted = accepted;
    try {
      const stored: StoredPolicy = { bundle: accepted.bundle, etag: accepted.etag, receivedAt: accepted.receivedAt, floors: this.floors };
      writeFileAtomic(this.file, `${JSON.stringify(stored)}\n`, 0o600);
    } catch (err) {
      this.problem = `policy serial ${accepted.content.serial} is in force but could not be saved to ${this.file} (${(err as Error).message}); after a restart the previous one applies until the next sync`;
      return;
    }
    this.problem = undefined;
  }
}
