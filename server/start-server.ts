// Starts a server: data directory, database (migrated under a lock), keys, secrets, the first admin token, listen.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { buildApp } from './app.ts';
import { DEFAULT_SETTINGS, type ServerSettings } from './app-context.ts';
import { ensureFirstAdminToken } from './admin-tokens.ts';
import { DATA_FILES, ensureDataDir, randomSecret, readOrCreate } from './data-dir.ts';
import type { Database } from './database/database.ts';
import { migrate } from './database/migrate.ts';
import { openDatabase } from './database/open-database.ts';
import { PolicyBundles } from './policy-bundles.ts';
import { ServerCatalog } from './server-catalog.ts';
import { loadSigningKeys } from './signing-keys.ts';
import { scheduleEventRetention } from './event-retention.ts';

export interface StartOptions {
  dataDir: string;
  databaseUrl?: string;
  port?: number;
  host?: string;
  tlsCert?: string;
  tlsKey?: string;
  enrolSecretFile?: string;
  /** An Ed25519 private key (PEM) shared by several instances, instead of the data dir's own. */
  signingKeyFile?: string;
  settings?: Partial<ServerSettings>;
  logger?: FastifyServerOptions['logger'];
  /** The built admin console to serve at / (default: found beside the code, see console-routes.ts). */
  consoleDir?: string;
}

export interface RunningServer {
  app: FastifyInstance;
  db: Database;
  url: string;
  dataDir: string;
  /** Set on the start that created it; also in DATA_FILES.adminToken. */
  firstAdminToken?: string;
  close(): Promise<void>;
}

function readSecretFile(path: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new Error(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  if (text.length < 16) throw new Error(`${what} ${path}: must hold at least 16 characters, has ${text.length}`);
  return text;
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  if (Boolean(options.tlsCert) !== Boolean(options.tlsKey)) throw new Error('--tls-cert and --tls-key go together');
  ensureDataDir(options.dataDir);
  const keys = loadSigningKeys(options.dataDir, options.signingKeyFile);
  const enrolSecret = options.enrolSecretFile
    ? readSecretFile(options.enrolSecretFile, 'enrolment secret file')
    : readOrCreate(join(options.dataDir, DATA_FILES.enrolSecret), () => `${randomSecret()}\n`).value.trim();
  const https = options.tlsCert && options.tlsKey ? { cert: readFileSync(options.tlsCert, 'utf8'), key: readFileSync(options.tlsKey, 'utf8') } : undefined;
  const db = await openDatabase(options);
  try {
    await migrate(db);
    const firstAdminToken = await ensureFirstAdminToken(db, options.dataDir);
    const settings = { ...DEFAULT_SETTINGS, ...options.settings };
    const catalog = new ServerCatalog(db);
    const app = await buildApp({ db, keys, bundles: new PolicyBundles(db, keys, catalog), catalog, enrolSecret, settings }, { logger: options.logger, https, consoleDir: options.consoleDir });
    const stopRetention = scheduleEventRetention(db, settings.eventRetentionDays, (err) => app.log.error({ err }, 'event retention failed'));
    const address = await app.listen({ port: options.port ?? 8443, host: options.host ?? '127.0.0.1' });
    return {
      app,
      db,
      url: address.replace('[::1]', 'localhost'),
      dataDir: options.dataDir,
      firstAdminToken,
      async close() {
        stopRetention();
        await app.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
}
