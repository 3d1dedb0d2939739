import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { openDatabase, type Database } from '../../../db/connection.js';
import { signInitData } from '../../../webapp/server/auth.js';

/**
 * Real processes for the multi-process scenarios: `scripts/start.ts` with a chosen
 * ROLES, a private redis-server we may kill, a private PostgreSQL we may restart, and fresh
 * databases on the shared PostgreSQL. The shared Postgres/Redis are never stopped.
 */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SHARED_PG = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
export const BOT_TOKEN = '777000111:reliability-test-token-abcdef';
export const OTHER_BOT_TOKEN = '777000222:another-bots-token-abcdefgh';
export const INGEST_TOKEN = 'reliability-ingest-token';
export const ADMIN_ID = 9001;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// every child we start dies with us, even when a test run is cut short (afterAll also kills them)
const children = new Set<ChildProcess>();
function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
process.once('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

/** A redis-server child on a free port, without persistence, that a test may stop and start. */
export class RedisProc {
  private child: ChildProcess | null = null;
  private constructor(readonly port: number) {}
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }
  static async start(): Promise<RedisProc> {
    const r = new RedisProc(await freePort());
    await r.start();
    return r;
  }
  async start() {
    this.child = track(spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }));
    await waitFor(`redis on ${this.port}`, () => portOpen(this.port), 10_000);
  }
  /** SIGKILL: the harshest stop, nothing flushed */
  async stop() {
    const c = this.child;
    if (!c) return;
    c.kill('SIGKILL');
    await exited(c);
    this.child = null;
  }
}

/**
 * A private PostgreSQL 15 (initdb in a temp dir, run as the `postgres` OS user when we are root,
 * since postgres refuses root). Used for "Postgres restarted mid-run".
 */
export class PostgresProc {
  private child: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}
  static bin(name: string) {
    return `/usr/lib/postgresql/15/bin/${name}`;
  }
  private static run(cmd: string, args: string[]) {
    const asRoot = process.getuid?.() === 0;
    return asRoot ? spawn('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'ignore' }) : spawn(cmd, args, { stdio: 'ignore' });
  }
  url(db = 'postgres') {
    return `postgres://postgres@127.0.0.1:${this.port}/${db}`;
  }
  static async start(): Promise<PostgresProc> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gh-pg-'));
    if (process.getuid?.() === 0) chownSync(dir, Number(readFileSync('/etc/passwd', 'utf8').match(/^postgres:[^:]*:(\d+):/m)?.[1] ?? 0), 0);
    const init = PostgresProc.run(PostgresProc.bin('initdb'), ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
    await exited(init);
    if (init.exitCode !== 0) throw new Error(`initdb failed (${init.exitCode})`);
    const pg = new PostgresProc(await freePort(), dir);
    // runuser does not pass a SIGKILL on: stop the postmaster itself if the test run dies
    process.once('exit', () => {
      try {
        process.kill(Number(readFileSync(path.join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]), 'SIGQUIT');
      } catch {
        /* not running */
      }
    });
    await pg.start();
    return pg;
  }
  async start() {
    this.child = track(PostgresProc.run(PostgresProc.bin('postgres'), [
      '-D', path.join(this.dir, 'data'), '-p', String(this.port), '-k', this.dir,
      '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200',
    ]));
    await waitFor(`postgres on ${this.port}`, async () => {
      const c = postgres(this.url(), { max: 1, connect_timeout: 2, onnotice: () => {} });
      try {
        await c`select 1`;
        return true;
      } finally {
        await c.end({ timeout: 1 });
      }
    }, 30_000);
  }
  /** 'fast' = a clean shutdown (SIGINT), 'immediate' = crash-like (SIGQUIT) */
  async stop(mode: 'fast' | 'immediate' = 'fast') {
    const c = this.child;
    if (!c) return;
    const pid = Number(readFileSync(path.join(this.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    await exited(c);
    this.child = null;
  }
  async dispose() {
    await this.stop('immediate').catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}

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

/** `tsx scripts/start.ts` as a child process; the api role listens on a free 127.0.0.1 port. */
export class AppProc {
  readonly logs: string[] = [];
  private child!: ChildProcess;
  port = 0;
  constructor(readonly o: AppProcOptions) {}
  get base() {
    return `http://127.0.0.1:${this.port}`;
  }
  get pid() {
    return this.child.pid;
  }
  get alive() {
    return this.child && this.child.exitCode === null && this.child.signalCode === null;
  }
  static async start(o: AppProcOptions): Promise<AppProc> {
    const p = new AppProc(o);
    await p.start();
    return p;
  }
  async start() {
    this.port = this.o.roles.includes('api') ? await freePort() : 0;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(this.port),
      DATABASE_URL: this.o.databaseUrl,
      BOT_TOKEN,
      BOT_MODE: 'off',
      INGEST_TOKEN,
      ADMIN_IDS: String(ADMIN_ID),
      GOLDEN_HOUR_ENABLED: 'on',
      ROLES: this.o.roles,
      LOG_LEVEL: 'info',
      PG_POOL_SIZE: '8',
      ...(this.o.redisUrl ? { REDIS_URL: this.o.redisUrl } : {}),
      ...this.o.env,
    };
    this.logs.length = 0;
    // node with tsx's loader, not the tsx CLI: the CLI runs the app in a grandchild that a
    // SIGKILL of its parent would orphan, and these tests need the kill to land on the app itself
    this.child = track(spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line) this.logs.push(line);
      if (this.logs.length > 2000) this.logs.splice(0, this.logs.length - 2000);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    const started = () => this.logs.some((l) => l.includes('golden hour starting'));
    await waitFor(`${this.o.roles} process to start`, async () => {
      if (!this.alive) throw new Error(`${this.o.roles} exited:\n${this.logs.slice(-20).join('\n')}`);
      if (!started()) return false;
      if (!this.o.roles.includes('api')) return true;
      return (await fetch(`${this.base}/healthz`)).ok;
    }, 60_000).catch((err) => {
      throw new Error(`${String(err)}\n${this.logs.slice(-20).join('\n')}`);
    });
  }
  async kill(signal: NodeJS.Signals = 'SIGKILL') {
    if (!this.alive) return;
    this.child.kill(signal);
    await exited(this.child);
  }
  async stop() {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 8000);
    await exited(this.child);
    clearTimeout(t);
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

export async function until<T>(what: string, probe: () => Promise<T | false | null | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => false as const);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
