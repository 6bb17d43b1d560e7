// The newest server policy this device has accepted, kept on disk so it is enforced across restarts and outages.
// A bundle is checked in this order and refused at the first failure: signature against the pinned keys (before
// anything it says is looked at), then canonical form and schema, then that it is for this device, then that
// its serial is not older than the one in force. Only then is it written (atomically) and put in force.
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

export class LastGoodPolicy {
  private accepted: AcceptedPolicy | undefined;
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
    try {
      const stored = JSON.parse(text) as { bundle: PolicyBundle; etag?: string; receivedAt: string };
      const content = verifyBundle(stored.bundle, pinnedKeys);
      store.accepted = { content, bundle: stored.bundle, etag: stored.etag, receivedAt: stored.receivedAt };
    } catch (err) {
      store.problem = `the stored policy ${file} is no longer trusted (${(err as Error).message}); the built-in policy applies until the server sends one`;
    }
    return store;
  }

  current(): AcceptedPolicy | undefined {
    return this.accepted;
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
    const now = this.accepted;
    // Serials count per device: after re-enrolment (a new device id) the new device's series starts afresh.
    const sameSeries = now && (now.content.device ?? deviceId) === deviceId;
    if (now && sameSeries) {
      if (content.serial < now.content.serial)
        throw new PolicyRejected('rollback', `the bundle has serial ${content.serial}, older than serial ${now.content.serial} in force: refusing to go back`);
      if (content.serial === now.content.serial) {
        // Re-signed (a new issuedAt, a rotated key) but the same policy: no change. A different policy under a
        // serial already used would let a replay pick either: refuse it.
        if (policyDigest(content.policy) !== policyDigest(now.content.policy))
          throw new PolicyRejected('serial-reused', `the bundle reuses serial ${content.serial} for a different policy`);
        if (etag !== now.etag) this.persist({ ...now, etag });
        return { changed: false, accepted: this.accepted! };
      }
    }
    const accepted: AcceptedPolicy = { content, bundle: JSON.parse(bundleText) as PolicyBundle, etag, receivedAt: new Date().toISOString() };
    this.persist(accepted);
    return { changed: true, accepted };
  }

  /** Verified is what counts: a bundle that cannot be saved (a full disk) is still put in force, and that is said. */
  private persist(accepted: AcceptedPolicy): void {
    this.accepted = accepted;
    try {
      writeFileAtomic(this.file, `${JSON.stringify({ bundle: accepted.bundle, etag: accepted.etag, receivedAt: accepted.receivedAt })}\n`, 0o600);
    } catch (err) {
      this.problem = `policy serial ${accepted.content.serial} is in force but could not be saved to ${this.file} (${(err as Error).message}); after a restart the previous one applies until the next sync`;
      return;
    }
    this.problem = undefined;
  }
}
