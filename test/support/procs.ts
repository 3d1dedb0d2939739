import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';

/**
 * The one process helper of the tests and the benchmarks: free ports, waiting, child processes
 * that die with us, a private redis-server and PostgreSQL a test may stop, and the app's real
 * entry point (`scripts/start.ts`) as a child. Used by test/ops (scale-out), test/reliability
 * (crashes and outages) and bench/ (servers in their own process).
 */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Binds port 0, reads the port, closes: scripts/start.ts has no PORT=0, so pick a free one first. */
export function freePort(): Promise<number> {
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

/** Polls `probe` until it gives a truthy value (a throw counts as not yet); times out with `what`. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | false | null | undefined>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => false as const);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

export const isAlive = (child: ChildProcess | null | undefined): child is ChildProcess => Boolean(child) && child!.exitCode === null && child!.signalCode === null;

export const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

// every child we start dies with us, even when a run is cut short
const children = new Set<ChildProcess>();
/** Remembers a child so that it is killed when this process exits (or on killTracked()). */
export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
/** SIGKILL to every tracked child still running. */
export function killTracked(): void {
  for (const c of children) if (isAlive(c)) c.kill('SIGKILL');
}
process.once('exit', killTracked);

/** SIGTERM (graceful), SIGKILL after `graceMs`; resolves when the child has exited. */
export async function stopChild(child: ChildProcess, graceMs = 8000): Promise<void> {
  if (!isAlive(child)) return;
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(t);
}

/** `node --import tsx <script>`: not the tsx CLI, which runs the script in a grandchild that killing its parent would orphan. */
export function spawnTsx(script: string, o: { args?: string[]; nodeArgs?: string[]; env: Record<string, string>; stdio: StdioOptions }): ChildProcess {
  return track(spawn(process.execPath, [...(o.nodeArgs ?? []), '--import', 'tsx', path.resolve(ROOT, script), ...(o.args ?? [])], { cwd: ROOT, env: o.env, stdio: o.stdio }));
}

/** Collects a child's output lines, the last `max` of them. */
export function collectLines(child: ChildProcess, into: string[], max: number): void {
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line) into.push(line);
    if (into.length > max) into.splice(0, into.length - max);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
}

export const hasRedisServer = () => spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * A redis-server child on a free port, without persistence, that a test may stop (SIGKILL) and
 * start again. The app's Redis key prefix is fixed per deployment, so processes under test get
 * their own Redis instead of sharing key names with other test files on the shared one.
 */
export class RedisServer {
  private child: ChildProcess | null = null;
  private constructor(readonly port: number) {}
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }
  static async start(): Promise<RedisServer> {
    const r = new RedisServer(await freePort());
    await r.start();
    return r;
  }
  async start() {
    this.child = track(spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }));
    await waitUntil(`redis on ${this.port}`, () => portOpen(this.port), 15_000);
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
 * since postgres refuses root), for "Postgres restarted mid-run".
 */
export class PostgresServer {
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
  static async start(): Promise<PostgresServer> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gh-pg-'));
    if (process.getuid?.() === 0) chownSync(dir, Number(readFileSync('/etc/passwd', 'utf8').match(/^postgres:[^:]*:(\d+):/m)?.[1] ?? 0), 0);
    const init = PostgresServer.run(PostgresServer.bin('initdb'), ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
    await exited(init);
    if (init.exitCode !== 0) throw new Error(`initdb failed (${init.exitCode})`);
    const pg = new PostgresServer(await freePort(), dir);
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
    this.child = track(PostgresServer.run(PostgresServer.bin('postgres'), [
      '-D', path.join(this.dir, 'data'), '-p', String(this.port), '-k', this.dir,
      '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200',
    ]));
    await waitUntil(`postgres on ${this.port}`, async () => {
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

export interface AppProcessOptions {
  /** how long start() waits for "golden hour starting" (and /healthz with the api role) */
  startTimeoutMs?: number;
  /** output lines kept in `logs` */
  maxLogs?: number;
}

/** Starts `scripts/start.ts` with `env` and waits until it is up (AppProcess). */
export async function startApp(env: Record<string, string>, o: AppProcessOptions = {}): Promise<AppProcess> {
  const p = new AppProcess(env, o);
  await p.start();
  return p;
}

/**
 * The app's real entry point, `scripts/start.ts`, as a child with the given environment
 * (ROLES default api,bot,worker); with the api role it listens on a free 127.0.0.1 port.
 * start() may be called again after kill() or stop(): a restart, on a new port.
 */
export class AppProcess {
  readonly logs: string[] = [];
  private child: ChildProcess | null = null;
  port = 0;
  constructor(
    readonly env: Record<string, string>,
    private readonly opts: AppProcessOptions = {},
  ) {}
  get base() {
    return `http://127.0.0.1:${this.port}`;
  }
  get pid() {
    return this.child?.pid;
  }
  get alive() {
    return isAlive(this.child);
  }
  async start() {
    const roles = this.env.ROLES ?? 'api,bot,worker';
    const serves = roles.includes('api');
    this.port = serves ? await freePort() : 0;
    this.logs.length = 0;
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', PORT: String(this.port), LOG_LEVEL: 'info', ...this.env };
    const child = spawnTsx('scripts/start.ts', { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    collectLines(child, this.logs, this.opts.maxLogs ?? 2000);
    await waitUntil(
      `${roles} process to start`,
      async () => {
        if (!isAlive(child)) throw new Error('exited');
        if (!this.logs.some((l) => l.includes('golden hour starting'))) return false;
        return serves ? (await fetch(`${this.base}/healthz`)).ok : true;
      },
      this.opts.startTimeoutMs ?? 90_000,
      200,
    ).catch((err) => {
      throw new Error(`${roles} did not start: ${String(err)}\n${this.logs.slice(-20).join('\n')}`);
    });
  }
  async kill(signal: NodeJS.Signals = 'SIGKILL') {
    const c = this.child;
    if (!isAlive(c)) return;
    c.kill(signal);
    await exited(c);
  }
  /** SIGTERM (graceful), SIGKILL after 8 s */
  async stop() {
    if (this.child) await stopChild(this.child, 8000);
  }
}
