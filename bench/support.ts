/// <reference path="./autocannon.d.ts" />
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import postgres from 'postgres';
import autocannon from 'autocannon';
import { instantOf, localParts } from '../core/domain/time.js';
import { deleteRedisPrefix } from '../test/support/backend.js';
import { hasWrk, runWrk, type LoadRequest, type LoadResult } from './wrk.js';
import { ROOT, freePort, killTracked, sleep, spawnTsx, stopChild, waitUntil } from '../test/support/procs.js';

/**
 * Shared plumbing for the benchmark figures: a fresh Postgres database and Redis key prefix per
 * figure, a server child process, RSS sampling and autocannon runs.
 */

export { ROOT, sleep };
export const PG_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
export const TZ = 'Asia/Seoul';
export const BOT_TOKEN = '123456789:BENCH-token-for-golden-hour-bench';
export const INGEST_TOKEN = 'bench-ingest-token';
export const ADMIN_ID = 9001;

export interface Figure {
  name: string;
  /** what was measured, in `unit` */
  value: number | null;
  unit: string;
  baseline: number | null;
  ratio: number | null;
  /** ">= 0.5" (ratio) or "<= 60" (value) */
  goal: string;
  pass: boolean | null;
  details: Record<string, unknown>;
  note?: string;
}


/** Today's golden-hour instant in KST (21:31:00 local), so two PLAY_GAME missions match. */
export function goldenNow(secondOfDay = 21 * 3600 + 31 * 60): Date {
  return instantOf(localParts(Date.now(), TZ).date, secondOfDay, TZ);
}

export interface BenchBackend {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  dbName: string;
  dispose(): Promise<void>;
}

const created: BenchBackend[] = [];

export async function freshBackend(label: string): Promise<BenchBackend> {
  const tag = randomBytes(4).toString('hex');
  const dbName = `gh_bench_${label}_${tag}`;
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  await admin.end();
  const u = new URL(PG_URL);
  u.pathname = `/${dbName}`;
  const redisPrefix = `bench${tag}:`;
  let disposed = false;
  const b: BenchBackend = {
    databaseUrl: u.toString(),
    redisUrl: REDIS_URL,
    redisPrefix,
    dbName,
    async dispose() {
      if (disposed) return;
      disposed = true;
      const a = postgres(PG_URL, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${dbName} with (force)`).catch(() => {});
      await a.end();
      await deleteRedisPrefix(REDIS_URL, redisPrefix);
    },
  };
  created.push(b);
  return b;
}

/** Drops every database/prefix this process created (also on Ctrl-C). */
export async function disposeAll() {
  await Promise.all(created.map((b) => b.dispose()));
}

/**
 * The server's layout: one API process per core (`API_PROCESSES`, docs/operations.md, One machine,
 * several cores), as an operator would run this machine; `BENCH_API_PROCESSES=1` to compare. The
 * Postgres connections are split between them, so the app holds `DB_CONNECTIONS` in all, the
 * count the database baselines get.
 */
export const API_PROCESSES = Math.max(1, Number(process.env.BENCH_API_PROCESSES) || availableParallelism());
export const DB_CONNECTIONS = 16;

/** Environment for the app's config (core/platform/config.ts), for a given backend. */
export function appEnv(b: BenchBackend, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    BOT_TOKEN,
    BOT_MODE: 'off',
    INGEST_TOKEN,
    ADMIN_IDS: String(ADMIN_ID),
    GOLDEN_HOUR_ENABLED: 'on',
    DATABASE_URL: b.databaseUrl,
    REDIS_URL: b.redisUrl,
    ROLES: 'api,worker',
    ...extra,
  };
}

export interface ServerChild {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * The API+worker in its own process (bench/server.ts): the load generator and the server do not
 * share one event loop, which is how it runs in production.
 */
export async function startServer(b: BenchBackend, now: Date, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<ServerChild> {
  const layout = { API_PROCESSES: String(API_PROCESSES), PG_POOL_SIZE: String(Math.max(2, Math.round(DB_CONNECTIONS / API_PROCESSES))) };
  const cfg = { env: appEnv(b, { ...layout, ...env, ...JSON.parse(process.env.BENCH_SERVER_ENV ?? '{}') }), now: now.toISOString(), redisPrefix: b.redisPrefix };
  // BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops (docs/performance.md, Method)
  const prof = process.env.BENCH_CPU_PROF;
  const child = spawnTsx('bench/server.ts', {
    nodeArgs: prof ? [...nodeArgs, '--cpu-prof', `--cpu-prof-dir=${prof}`] : nodeArgs,
    args: [JSON.stringify(cfg)],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
  });
  const stderr = keepStderr(child);
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`bench/server.ts did not start in 60 s\n${stderr()}`)), 60_000);
    child.on('message', (m: { port?: number }) => {
      if (m?.port) {
        clearTimeout(t);
        resolve(m.port);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`bench/server.ts exited with ${code}\n${stderr()}`));
    });
  });
  return childHandle(child, `http://127.0.0.1:${port}`, port, stderr);
}

/** The last ~10–20 kB a child wrote to stderr, for error messages. */
function keepStderr(child: ChildProcess): () => string {
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.length > 20_000) err = err.slice(-10_000);
  });
  return () => err;
}

/** A started child: stop() sends SIGTERM, then SIGKILL after 15 s. */
function childHandle(child: ChildProcess, url: string, port: number, stderr: () => string): ServerChild {
  return { url, port, pid: child.pid!, child, stderr, stop: () => stopChild(child, 15_000) };
}

/** Spawns the real entry point (scripts/start.ts) and waits until /healthz answers. */
export async function startEntryPoint(env: Record<string, string>): Promise<ServerChild> {
  const child = spawnTsx('scripts/start.ts', { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } });
  const stderr = keepStderr(child);
  const url = `http://127.0.0.1:${env.PORT}`;
  await waitUntil(
    'scripts/start.ts to answer /healthz',
    async () => {
      if (child.exitCode !== null) throw new Error(`scripts/start.ts exited with ${child.exitCode}`);
      return (await fetch(`${url}/healthz`)).ok;
    },
    60_000,
    200,
  ).catch((err) => {
    throw new Error(`${String(err)}\n${stderr()}`);
  });
  return childHandle(child, url, Number(env.PORT), stderr);
}

/** SIGKILL to every child the benchmarks started (test/support/procs.ts tracks them). */
export const killChildren = killTracked;

export { freePort };

/**
 * CPU seconds used so far (user + system, from /proc/<pid>/stat) by the processes of a run: the
 * server child, every postgres process, redis-server, and this process. Two snapshots give where
 * a figure's CPU went (docs/performance.md, Where the time goes). Backends that exit between the
 * snapshots are not counted, so take both while the run's connections are open. Linux only:
 * elsewhere every figure is null.
 */
export interface CpuSnapshot {
  server: number | null;
  postgres: number | null;
  redis: number | null;
  bench: number;
}

const TICKS = 100;

function procCpu(pid: string): { name: string; ppid: number; s: number } | null {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = st.lastIndexOf(')');
    const f = st.slice(close + 2).split(' ');
    return { name: st.slice(st.indexOf('(') + 1, close), ppid: Number(f[1]), s: (Number(f[11]) + Number(f[12])) / TICKS };
  } catch {
    return null;
  }
}

/** CPU seconds so far of Postgres, Redis, this process and the server (with its API processes, API_PROCESSES > 1). */
export function cpuSnapshot(serverPid?: number): CpuSnapshot {
  let pg: number | null = null;
  let redis: number | null = null;
  const procs = new Map<number, { ppid: number; s: number }>();
  try {
    for (const d of readdirSync('/proc')) {
      if (d.charCodeAt(0) > 57) continue;
      const c = procCpu(d);
      if (!c) continue;
      procs.set(Number(d), c);
      if (c.name === 'postgres') pg = (pg ?? 0) + c.s;
      else if (c.name === 'redis-server') redis = (redis ?? 0) + c.s;
    }
  } catch {
    // no /proc
  }
  let server: number | null = null;
  if (serverPid && procs.has(serverPid)) {
    server = 0;
    for (const [pid, c] of procs) if (pid === serverPid || c.ppid === serverPid) server += c.s;
  }
  // the load generator: this process, and wrk runs that ended (a reaped child's CPU is added to ours)
  const u = process.cpuUsage();
  let reaped = 0;
  try {
    const st = readFileSync('/proc/self/stat', 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    reaped = (Number(f[13]) + Number(f[14])) / TICKS;
  } catch {
    // no /proc
  }
  return { server, postgres: pg, redis, bench: (u.user + u.system) / 1e6 + reaped };
}

/** µs of CPU per item between two snapshots, per process kind. */
export function cpuPerItem(a: CpuSnapshot, b: CpuSnapshot, items: number): Record<keyof CpuSnapshot, number | null> {
  const d = (k: keyof CpuSnapshot) => (a[k] === null || b[k] === null ? null : round(((b[k]! - a[k]!) * 1e6) / items, 1));
  return { server: d('server'), postgres: d('postgres'), redis: d('redis'), bench: d('bench') };
}

/** Resident set size of a process in kB, from /proc/<pid>/status (VmRSS). */
export function rssKb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export interface CannonOptions {
  url: string;
  connections: number;
  amount?: number;
  duration?: number;
  /** request i (0-based, increasing across all connections) */
  next: () => LoadRequest;
  timeoutS?: number;
}

/**
 * One load run whose requests come from `next()`: wrk when the machine has it (bench/wrk.ts),
 * else autocannon. `amount`: exactly that many requests, `next()` called once for each; `duration`:
 * seconds of load, wrk choosing at random among 4,096 requests made by `next()` beforehand.
 */
export async function cannon(o: CannonOptions): Promise<LoadResult> {
  if (hasWrk()) {
    const make = (n: number) => Array.from({ length: n }, () => o.next());
    return o.amount !== undefined
      ? runWrk({ url: o.url, connections: o.connections, requests: make(o.amount), timeoutS: o.timeoutS })
      : runWrk({ url: o.url, connections: o.connections, duration: o.duration, pool: make(4096), timeoutS: o.timeoutS });
  }
  const r = await autocannon({
    url: o.url,
    connections: o.connections,
    ...(o.amount !== undefined ? { amount: o.amount } : {}),
    ...(o.duration !== undefined ? { duration: o.duration } : {}),
    timeout: o.timeoutS ?? 60,
    requests: [
      {
        setupRequest: (req) => {
          const r = o.next();
          return { ...req, method: r.method ?? 'GET', path: r.path, headers: { ...(req.headers ?? {}), ...(r.headers ?? {}) }, body: r.body };
        },
      },
    ],
  });
  return { tool: 'autocannon', '2xx': r['2xx'], non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, duration: r.duration, latency: { p50: r.latency.p50, p99: r.latency.p99 } };
}

/** 2xx answers per second of a load run */
export const rateOf = (r: LoadResult) => r['2xx'] / r.duration;

/** Runs `n` tasks with at most `concurrency` in flight; returns per-task latencies in ms. */
export async function pool<T>(items: T[], concurrency: number, task: (item: T, i: number) => Promise<void>): Promise<number[]> {
  const lat = new Array<number>(items.length);
  let i = 0;
  const worker = async () => {
    for (;;) {
      const k = i++;
      if (k >= items.length) return;
      const t0 = performance.now();
      await task(items[k]!, k);
      lat[k] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return lat;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[k]!;
}

export const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

/**
 * Rounds per ratio figure (`BENCH_ROUNDS`, default 3): on this shared box one run of a figure
 * moved by ±0.05–0.1 between back-to-back runs, most of it the machine's load drifting between
 * the baseline's turn and ours. Each round measures both, taking turns at going first; the figure
 * reports the round with the median ratio, and every round's ratio beside it.
 */
export const ROUNDS = Math.max(1, Math.round(Number(process.env.BENCH_ROUNDS) || 3));

/** Runs `round(i)` ROUNDS times (`i` odd: ours first); returns the median round by ratio, and all. */
export async function medianRound<T extends { ratio: number }>(round: (i: number) => Promise<T>, rounds = ROUNDS): Promise<{ median: T; all: T[] }> {
  const all: T[] = [];
  for (let i = 0; i < rounds; i++) all.push(await round(i));
  const sorted = [...all].sort((a, b) => a.ratio - b.ratio);
  return { median: sorted[Math.floor((sorted.length - 1) / 2)]!, all };
}

/** Both sides of round `i`, taking turns at going first (odd rounds: ours first). */
export async function inTurn<F, O>(i: number, floor: () => Promise<F>, ours: () => Promise<O>): Promise<[F, O]> {
  if (i % 2) {
    const o = await ours();
    return [await floor(), o];
  }
  const f = await floor();
  return [f, await ours()];
}

/** "0.41 / 0.45 / 0.47" */
export const ratiosText = (all: { ratio: number }[]) => all.map((r) => r.ratio.toFixed(3)).join(' / ');

export function ratioFigure(o: Omit<Figure, 'ratio' | 'pass' | 'goal'> & { goalRatio: number }): Figure {
  const ratio = o.value !== null && o.baseline ? o.value / o.baseline : null;
  const { goalRatio, ...rest } = o;
  return { ...rest, ratio: ratio === null ? null : round(ratio, 3), goal: `>= ${goalRatio}`, pass: ratio === null ? null : ratio >= goalRatio };
}

/** Direct SQL on a bench database (setup and verification, not measured). */
export function sqlClient(databaseUrl: string, max = 4) {
  return postgres(databaseUrl, { max, onnotice: () => {} });
}

export function log(msg: string) {
  process.stderr.write(`  · ${msg}\n`);
}
