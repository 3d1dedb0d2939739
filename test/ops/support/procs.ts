import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Real `scripts/start.ts` processes for the scale-out test, and a private redis-server
 * (the app's Redis key prefix is fixed per deployment, so processes under test get their own
 * Redis instead of sharing key names with other test files on the shared one).
 */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Binds port 0, reads the port, closes: start.ts has no PORT=0, so pick a free one first. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitUntil<T>(what: string, probe: () => Promise<T | false | null | undefined>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => false as const);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

const exited = (c: ChildProcess) =>
  c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r()));

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

export const hasRedisServer = () => spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

export class PrivateRedis {
  private child: ChildProcess | null = null;
  private constructor(readonly port: number) {}
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }
  static async start(): Promise<PrivateRedis> {
    const r = new PrivateRedis(await freePort());
    r.child = spawn('redis-server', ['--port', String(r.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await waitUntil(`redis on ${r.port}`, () => portOpen(r.port), 15_000);
    return r;
  }
  async stop() {
    if (!this.child) return;
    this.child.kill('SIGKILL');
    await exited(this.child);
    this.child = null;
  }
}

/** `node --import tsx scripts/start.ts` (not the npx wrapper, so a kill lands on the app itself). */
export class StartProc {
  readonly logs: string[] = [];
  private child!: ChildProcess;
  port = 0;
  private constructor(readonly env: Record<string, string>) {}
  get base() {
    return `http://127.0.0.1:${this.port}`;
  }
  get alive() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  static async start(env: Record<string, string>): Promise<StartProc> {
    const p = new StartProc(env);
    const roles = env.ROLES ?? 'api,bot,worker';
    const serves = roles.includes('api');
    p.port = serves ? await freePort() : 0;
    p.child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', PORT: String(p.port), LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b: Buffer) => {
      for (const l of b.toString().split('\n')) if (l) p.logs.push(l);
      if (p.logs.length > 1000) p.logs.splice(0, p.logs.length - 1000);
    };
    p.child.stdout!.on('data', keep);
    p.child.stderr!.on('data', keep);
    await waitUntil(
      `${roles} process`,
      async () => {
        if (!p.alive) throw new Error('exited');
        if (!p.logs.some((l) => l.includes('golden hour starting'))) return false;
        return serves ? (await fetch(`${p.base}/healthz`)).ok : true;
      },
      90_000,
      200,
    ).catch((err) => {
      throw new Error(`${roles} did not start: ${String(err)}\n${p.logs.slice(-15).join('\n')}`);
    });
    return p;
  }
  /** SIGTERM (graceful), SIGKILL after 8 s */
  async stop() {
    if (!this.child || !this.alive) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 8000);
    await exited(this.child);
    clearTimeout(t);
  }
}
