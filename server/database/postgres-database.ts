// A real PostgreSQL through a pg connection pool: what several server instances share behind a load balancer.
import pg from 'pg';
import type { Database, Queryable } from './database.ts';

function wrap(conn: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R>(sql: string, params: unknown[] = []) {
      return (await conn.query(sql, params)).rows as R[];
    },
    async exec(sql: string) {
      await conn.query(sql);
    },
  };
}

export async function openPostgresDatabase(url: string, poolSize = 10): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client that loses its connection must not crash the server; the next query reconnects.
  pool.on('error', () => {});
  // Fail at start, with the reason, rather than on the first request. The password never goes into the message.
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {});
    const where = url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
    throw new Error(`cannot connect to PostgreSQL at ${where}: ${(err as Error).message || (err as { code?: string }).code}`, { cause: err });
  }
  const session = async <T>(fn: (conn: Queryable) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      return await fn(wrap(client));
    } finally {
      client.release();
    }
  };
  return {
    kind: 'postgres',
    ...wrap(pool),
    session,
    transaction: (fn) =>
      session(async (conn) => {
        await conn.exec('BEGIN');
        try {
          const result = await fn(conn);
          await conn.exec('COMMIT');
          return result;
        } catch (err) {
          await conn.exec('ROLLBACK').catch(() => {});
          throw err;
        }
      }),
    close: () => pool.end(),
  };
}
