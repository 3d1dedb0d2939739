import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type Executor = Db | Tx;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Runs raw SQL and returns rows, whichever driver is underneath. */
  query<T = Record<string, unknown>>(q: SQL, exec?: Executor): Promise<T[]>;
  /**
   * The hot paths' statements: query text with $n parameters, run straight on the driver as a
   * prepared statement (arrays go as typed array parameters, e.g. `unnest($1::bigint[])`), on the
   * database or inside a drizzle transaction. Skips building drizzle's `sql` template per call.
   */
  raw<T = Record<string, unknown>>(text: string, params: unknown[], exec?: Executor): Promise<T[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../migrations');

function rowsOf<T>(res: unknown): T[] {
  if (Array.isArray(res)) return res as T[];
  return ((res as { rows?: T[] }).rows ?? []) as T[];
}

interface DrizzleInternals {
  dialect: { sqlToQuery(q: SQL): { sql: string; params: unknown[] } };
  session: { prepareQuery(query: { sql: string; params: unknown[] }, fields: undefined, name: string, arrayMode: boolean): { execute(): Promise<unknown> } };
}

/**
 * Raw SQL as a prepared statement. drizzle's `execute()` prepares only named queries, so every hot
 * statement (ingest, claim, mission list) was parsed and planned by Postgres on each call; with a
 * name, postgres-js keeps one prepared statement per connection and query text (docs/performance.md).
 * Works for the database and for a transaction (both carry the dialect and their session).
 */
function executePrepared(exec: Executor, q: SQL): Promise<unknown> {
  const e = exec as unknown as DrizzleInternals;
  return e.session.prepareQuery(e.dialect.sqlToQuery(q), undefined, 'raw', false).execute();
}

interface DriverSession {
  session: { client: { unsafe?(text: string, params: unknown[], o: { prepare: boolean }): Promise<unknown>; query?(text: string, params: unknown[]): Promise<{ rows: unknown[] }> } };
}

/**
 * An array parameter for `raw()` as Postgres' array text, for numbers, dates and ISO timestamps
 * (nothing to quote). drizzle makes postgres-js pass timestamptz[] and numeric[] through untouched,
 * so a JS array of those would not be serialized at all; for the other types postgres-js quotes
 * and escapes every element with two regular expressions, a tenth of the ingest's Node time
 * (docs/performance.md § 17), where a join is all numbers need.
 */
export function pgArray(values: readonly (string | number | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out += (i ? ',' : '') + (v === null ? 'NULL' : v);
  }
  return out + '}';
}

const NEEDS_ESCAPE = /["\\]/;
const ESCAPE = /["\\]/g;

/** A text[] parameter for `raw()`: every element quoted, `"` and `\` escaped only where present. */
export function pgTextArray(values: readonly (string | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out += (i ? ',' : '') + (v === null || v === undefined ? 'NULL' : `"${NEEDS_ESCAPE.test(v) ? v.replace(ESCAPE, '\\$&') : v}"`);
  }
  return out + '}';
}

export interface OpenOptions {
  databaseUrl?: string;
  /** directory for PGlite; 'memory://' for an in-memory database */
  dataDir: string;
  poolSize?: number;
  migrate?: boolean;
  /** the migrations to apply (default MIGRATIONS_DIR; the migration tests apply an older set first) */
  migrationsFolder?: string;
}

/**
 * Opens Postgres (DATABASE_URL) or the embedded PGlite (DATA_DIR), and applies the committed
 * migrations. On Postgres the migration runs under an advisory lock so N processes can start at once.
 */
export async function openDatabase(opts: OpenOptions): Promise<Database> {
  const migrate = opts.migrate ?? true;
  if (opts.databaseUrl) {
    const { default: postgres } = await import('postgres');
    const { drizzle } = await import('drizzle-orm/postgres-js');
    if (migrate) {
      const { migrate: run } = await import('drizzle-orm/postgres-js/migrator');
      const one = postgres(opts.databaseUrl, { max: 1, onnotice: () => {} });
      try {
        await one`select pg_advisory_lock(727401)`;
        await run(drizzle(one), { migrationsFolder: opts.migrationsFolder ?? MIGRATIONS_DIR });
      } finally {
        await one`select pg_advisory_unlock(727401)`.catch(() => {});
        await one.end();
      }
    }
    const client = postgres(opts.databaseUrl, {
      max: opts.poolSize ?? 16,
      onnotice: () => {},
      idle_timeout: 30,
      connect_timeout: 5,
      prepare: true,
    });
    const db = drizzle(client, { schema }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      query: async (q, exec) => rowsOf(await executePrepared(exec ?? db, q)),
      // the transaction's session holds its reserved connection; the database's holds the pool
      raw: async (text, params, exec) => rowsOf(await ((exec ?? db) as unknown as DriverSession).session.client.unsafe!(text, params, { prepare: true })),
      ping: async () => {
        await client`select 1`;
      },
      close: () => client.end({ timeout: 5 }),
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  if (!opts.dataDir.startsWith('memory://')) mkdirSync(opts.dataDir, { recursive: true });
  const client = await PGlite.create(opts.dataDir);
  const db = drizzle(client, { schema }) as unknown as Db;
  if (migrate) {
    const { migrate: run } = await import('drizzle-orm/pglite/migrator');
    await run(drizzle(client), { migrationsFolder: opts.migrationsFolder ?? MIGRATIONS_DIR });
  }
  return {
    db,
    kind: 'pglite',
    query: async (q, exec) => rowsOf(await (exec ?? db).execute(q)),
    raw: async (text, params, exec) => rowsOf(await ((exec ?? db) as unknown as DriverSession).session.client.query!(text, params)),
    ping: async () => {
      await client.query('select 1');
    },
    close: () => client.close(),
  };
}

export { sql };
