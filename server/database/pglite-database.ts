// Embedded PostgreSQL (PGlite, WebAssembly) stored in the server's data directory: zero set-up.
// PGlite is a single connection, so transactions and sessions are serialised by PGlite itself.
import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Database, Queryable } from './database.ts';
import { lockDataDir } from './data-dir-lock.ts';

function wrap(conn: PGlite | Transaction): Queryable {
  return {
    async query<R>(sql: string, params: unknown[] = []) {
      return (await conn.query<R>(sql, params)).rows;
    },
    async exec(sql: string) {
      await conn.exec(sql);
    },
  };
}

export async function openPgliteDatabase(directory: string): Promise<Database> {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const unlock = lockDataDir(`${directory}.lock`);
  let db: PGlite;
  try {
    db = await PGlite.create(directory);
  } catch (err) {
    unlock();
    throw err;
  }
  const self = wrap(db);
  return {
    kind: 'pglite',
    ...self,
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    session: (fn) => fn(self),
    close: async () => {
      await db.close();
      unlock();
    },
  };
}
