import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { Redis } from 'ioredis';

/**
 * Which backend a test run uses (DEVELOPERS.md: CI runs the suite twice): PGlite + in-memory
 * stores by default, real Postgres + Redis when TEST_DATABASE_URL / TEST_REDIS_URL are set.
 * Each test gets its own fresh database and Redis key prefix, so files can run in parallel.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || undefined;
export const usingRealServices = Boolean(TEST_DATABASE_URL);

export interface Backend {
  databaseUrl?: string;
  dataDir: string;
  redisUrl?: string;
  redisPrefix: string;
  dispose(): Promise<void>;
}

export async function freshBackend(): Promise<Backend> {
  const tag = randomBytes(5).toString('hex');
  const redisPrefix = `t${tag}:`;
  let databaseUrl: string | undefined;
  let dropDb: (() => Promise<void>) | undefined;
  if (TEST_DATABASE_URL) {
    const name = `gh_t_${tag}`;
    const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    const u = new URL(TEST_DATABASE_URL);
    u.pathname = `/${name}`;
    databaseUrl = u.toString();
    dropDb = async () => {
      const a = postgres(TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
      await a.end();
    };
  }
  return {
    databaseUrl,
    dataDir: 'memory://',
    redisUrl: TEST_REDIS_URL,
    redisPrefix,
    async dispose() {
      await dropDb?.();
      if (TEST_REDIS_URL) await deleteRedisPrefix(TEST_REDIS_URL, redisPrefix);
    },
  };
}

/** Deletes every key under a prefix (best effort: a fault test may have stopped that Redis). */
export async function deleteRedisPrefix(url: string, prefix: string): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  r.on('error', () => {});
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } catch {
    /* best effort */
  }
  r.disconnect();
}
