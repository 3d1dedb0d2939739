import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, type Database } from '../../../db/connection.js';
import { signInitData } from '../../../webapp/server/auth.js';
import { AppProcess, waitUntil } from '../../support/procs.js';

/**
 * Fixtures for the multi-process scenarios: the app's environment for `scripts/start.ts` with a
 * chosen ROLES, fresh databases on the shared PostgreSQL (never stopped), and requests against a
 * started process. The processes themselves (the app, a private redis-server we may kill, a
 * private PostgreSQL we may restart) come from the one process helper, test/support/procs.ts.
 */
export { ROOT, PostgresServer as PostgresProc, RedisServer as RedisProc } from '../../support/procs.js';
export const SHARED_PG = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
export const BOT_TOKEN = '777000111:reliability-test-token-abcdef';
export const OTHER_BOT_TOKEN = '777000222:another-bots-token-abcdefgh';
export const INGEST_TOKEN = 'reliability-ingest-token';
export const ADMIN_ID = 9001;

/** A fresh database on the shared PostgreSQL (never stopped), dropped on dispose. */
export async function freshSharedDatabase(): Promise<{ url: string; dispose(): Promise<void> }> {
  const name = `gh_rel_${randomBytes(5).toString('hex')}`;
  const admin = postgres(SHARED_PG, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const u = new URL(SHARED_PG);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async dispose() {
      const a = postgres(SHARED_PG, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
      await a.end();
    },
  };
}

/** Opens the app's database from the test side (migrated and seeded by the first process). */
export async function openTestDatabase(url: string): Promise<Database> {
  return openDatabase({ databaseUrl: url, dataDir: 'memory://', poolSize: 4 });
}

export interface AppProcOptions {
  roles: 'api' | 'worker' | 'api,worker';
  databaseUrl: string;
  redisUrl?: string;
  env?: Record<string, string>;
}

/** `scripts/start.ts` with the scenarios' environment (test mode, bot off, one admin, the flag on). */
export class AppProc extends AppProcess {
  constructor(readonly o: AppProcOptions) {
    super(
      {
        NODE_ENV: 'test',
        DATABASE_URL: o.databaseUrl,
        BOT_TOKEN,
        BOT_MODE: 'off',
        INGEST_TOKEN,
        ADMIN_IDS: String(ADMIN_ID),
        GOLDEN_HOUR_ENABLED: 'on',
        ROLES: o.roles,
        PG_POOL_SIZE: '8',
        ...(o.redisUrl ? { REDIS_URL: o.redisUrl } : {}),
        ...o.env,
      },
      { startTimeoutMs: 60_000 },
    );
  }
  static async start(o: AppProcOptions): Promise<AppProc> {
    const p = new AppProc(o);
    await p.start();
    return p;
  }
}

export const tma = (userId: number, opts: { token?: string; authDate?: Date } = {}) =>
  `tma ${signInitData(opts.token ?? BOT_TOKEN, { id: userId, languageCode: 'ko' }, opts.authDate ?? new Date())}`;

/** POST /api/events with the ingest token. */
export async function ingest(base: string, events: Array<{ userId: number; type: string; actionId: string }>): Promise<Response> {
  return fetch(`${base}/api/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });
}

export async function claim(base: string, userId: number, missionId: number, key: string, timeoutMs = 15_000): Promise<Response> {
  return fetch(`${base}/api/mission/${missionId}/claim`, {
    method: 'POST',
    headers: { authorization: tma(userId), 'x-idempotency-key': key },
    signal: AbortSignal.timeout(timeoutMs),
  });
}

/** Polls every 200 ms (test/support/procs.ts `waitUntil`). */
export const until = <T>(what: string, probe: () => Promise<T | false | null | undefined>, timeoutMs = 60_000): Promise<T> => waitUntil(what, probe, timeoutMs, 200);
