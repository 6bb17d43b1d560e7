// What every route needs: the store, the signing keys, the bundle issuer and the server's settings.
import type { Database } from './database/database.ts';
import type { PolicyBundles } from './policy-bundles.ts';
import type { ServerCatalog } from './server-catalog.ts';
import type { SigningKeys } from './signing-keys.ts';

export interface ServerSettings {
  /** A device with no heartbeat for this long is reported as silent. */
  silentAfterSeconds: number;
  /** Requests per minute per token (or per IP without one); 0 turns rate limiting off. */
  rateLimitPerMinute: number;
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  /** Events are deleted this many days after they arrived; 0 keeps them forever. */
  eventRetentionDays: number;
  /**
   * Whether the installer-wide enrolment secret enrols devices. Turn it off once devices enrol with IT's per-device
   * secrets (`cordon admin enrolment-secret create`): a device IT revoked can then not enrol again as a new one.
   */
  sharedEnrolSecret: boolean;
  /** A request's headers and body must arrive within this many milliseconds, else 408 and the connection closes. */
  requestTimeoutMs: number;
  /** Believe X-Forwarded-For (client IP for rate limits and logs): only behind a reverse proxy you run. */
  trustProxy: boolean;
}

export const DEFAULT_SETTINGS: ServerSettings = { silentAfterSeconds: 3 * 600, rateLimitPerMinute: 600, bodyLimit: 1024 * 1024, eventRetentionDays: 90, sharedEnrolSecret: true, requestTimeoutMs: 120_000, trustProxy: false };

export interface AppContext {
  db: Database;
  keys: SigningKeys;
  bundles: PolicyBundles;
  catalog: ServerCatalog;
  enrolSecret: string;
  settings: ServerSettings;
}
