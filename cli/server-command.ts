// `cordon server`: the central server in the foreground; `public-key` and `rotate-key` manage its signing key.
import { join } from 'node:path';
import { DATA_FILES, defaultDataDir } from '../server/data-dir.ts';
import { loadSigningKeys, rotateSigningKey } from '../server/signing-keys.ts';
import { EXIT, parseFlags, untilStopSignal, UsageError, type Command } from './command.ts';

const USAGE = `cordon server [--port N] [--host H] [--data-dir DIR] [--database-url URL] [--tls-cert F --tls-key F]
              [--enrol-secret-file F] [--signing-key F] [--no-shared-enrol-secret] [--rate-limit N]
              [--retention-days N] [--request-timeout S] [--trust-proxy] [--log-level L]
      runs the server until SIGTERM/SIGINT. Without --database-url (or DATABASE_URL) it stores everything in an
      embedded PostgreSQL (PGlite) under the data dir. Defaults: port 8443, host 127.0.0.1,
      data dir $CORDON_SERVER_DATA or /var/lib/cordon-server (root) or ~/.local/share/cordon-server.
      --enrol-secret-file F, --signing-key F   share these between instances behind one load balancer
      --no-shared-enrol-secret   only IT's per-device secrets enrol (cordon admin enrolment-secret create),
                       so a revoked device cannot enrol again with the installer's secret
      --rate-limit N   requests per minute per token (or IP) before 429; 0 = off (default 600)
      --retention-days N   delete events N days after they arrive; 0 = keep (default 90)
      --request-timeout S   a request's headers and body must arrive within S seconds, else 408 (default 120)
      --trust-proxy    take the client IP from X-Forwarded-For (only behind your own reverse proxy)
cordon server public-key [--data-dir DIR]   print the public key(s) agents pin (current, then next)
cordon server rotate-key [--data-dir DIR]   make a next key; run again to make it current`;

function integer(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got "${value}"`);
  return n;
}

export const serverCommand: Command = {
  name: 'server',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'enrol-secret-file': { type: 'string' },
      'signing-key': { type: 'string' },
      'rate-limit': { type: 'string' },
      'retention-days': { type: 'string' },
      'request-timeout': { type: 'string' },
      'trust-proxy': { type: 'boolean' },
      'no-shared-enrol-secret': { type: 'boolean' },
      'log-level': { type: 'string' },
    });
    const dataDir = values['data-dir'] ?? defaultDataDir();
    const [sub, extra] = positionals;
    if (extra) throw new UsageError(`unexpected "${extra}"`);
    if (sub === 'public-key') {
      process.stdout.write(loadSigningKeys(dataDir, values['signing-key']).publicKeysPem.join(''));
      return EXIT.ok;
    }
    if (sub === 'rotate-key') {
      process.stdout.write(`${rotateSigningKey(dataDir)}\n`);
      return EXIT.ok;
    }
    if (sub) throw new UsageError(`unknown server subcommand "${sub}"`);
    // Loaded on demand: `cordon admin` and the other commands need none of Fastify, PGlite or pg.
    const { startServer } = await import('../server/start-server.ts');
    const server = await startServer({
      dataDir,
      databaseUrl: values['database-url'] ?? process.env.DATABASE_URL,
      port: integer(values.port, '--port', 0, 65535),
      host: values.host,
      tlsCert: values['tls-cert'],
      tlsKey: values['tls-key'],
      enrolSecretFile: values['enrol-secret-file'],
      signingKeyFile: values['signing-key'],
      settings: Object.fromEntries(
        Object.entries({
          rateLimitPerMinute: integer(values['rate-limit'], '--rate-limit', 0, 1_000_000),
          eventRetentionDays: integer(values['retention-days'], '--retention-days', 0, 36_500),
          requestTimeoutMs: values['request-timeout'] === undefined ? undefined : integer(values['request-timeout'], '--request-timeout', 1, 3600)! * 1000,
          trustProxy: values['trust-proxy'],
          sharedEnrolSecret: values['no-shared-enrol-secret'] ? false : undefined,
        }).filter(([, v]) => v !== undefined),
      ),
      logger: { level: values['log-level'] ?? 'info' },
    });
    const lines = [
      `cordon server listening on ${server.url} (${server.db.kind === 'pglite' ? `embedded database in ${join(dataDir, 'pglite')}` : 'PostgreSQL'})`,
      `  enrolment secret: ${values['enrol-secret-file'] ?? join(dataDir, DATA_FILES.enrolSecret)}`,
      `  public key for agents: ${values['signing-key'] ? 'cordon server public-key --signing-key F' : join(dataDir, DATA_FILES.signingPublicKey)}`,
    ];
    if (server.firstAdminToken) lines.push(`  first admin token written to ${join(dataDir, DATA_FILES.adminToken)} (0600)`);
    process.stderr.write(`${lines.join('\n')}\n`);
    await untilStopSignal();
    await server.close();
    return EXIT.ok;
  },
};
