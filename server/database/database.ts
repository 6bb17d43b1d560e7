// The one database interface the server uses, over embedded PGlite or a PostgreSQL pool.
// Every statement is parameterised ($1, $2 …): no SQL is ever built from request values.

export interface Queryable {
  /** One parameterised statement; rows come back with timestamptz as Date and jsonb parsed. */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs fn in a transaction on one connection; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs fn on one dedicated connection (session-level advisory locks need the same session). */
  session<T>(fn: (conn: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
