import { execFile } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { ROOT, sqlClient } from './support.js';

/**
 * The machine's minimal work for each hot path (issue: "the goal is the machine, not ourselves"),
 * measured in the same run as the service: what Postgres does for the same writes with nothing
 * of ours in between, and what Node does serving the same bytes with nothing of ours in between.
 */

const run = promisify(execFile);

/**
 * Minimal batched ingest: dedupe per (user, mission, action) and progress += n, two missions per
 * event, one statement per 500 events (unnest of typed arrays, prepared), `clients` connections.
 * Own tables in its own database, so nothing of the app's schema is charged to it.
 */
export async function minimalIngest(databaseUrl: string, o: { events: number; batch: number; clients: number; missions: number[]; period: string }) {
  const q = postgres(databaseUrl, { max: o.clients, onnotice: () => {}, prepare: true });
  try {
    await q.unsafe(`create table min_seen (user_id bigint not null, mission_id int not null, action_id text not null, primary key (user_id, mission_id, action_id));
                    create table min_progress (user_id bigint not null, mission_id int not null, period_key text not null, progress int not null, primary key (user_id, mission_id, period_key))`);
    const statements: { u: number[]; m: number[]; a: string[] }[] = [];
    for (let start = 0; start < o.events; start += o.batch) {
      const s = { u: [] as number[], m: [] as number[], a: [] as string[] };
      for (let i = start; i < Math.min(o.events, start + o.batch); i++) {
        for (const m of o.missions) {
          s.u.push(100_000_001 + i);
          s.m.push(m);
          s.a.push(`m-${i}`);
        }
      }
      statements.push(s);
    }
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: o.clients }, async () => {
        for (;;) {
          const k = next++;
          if (k >= statements.length) return;
          const s = statements[k]!;
          await q`with fresh as (
                    insert into min_seen (user_id, mission_id, action_id)
                    select * from unnest(${s.u}::bigint[], ${s.m}::int[], ${s.a}::text[])
                    on conflict do nothing returning user_id, mission_id)
                  insert into min_progress as p (user_id, mission_id, period_key, progress)
                  select user_id, mission_id, ${o.period}, count(*) from fresh group by 1, 2
                  on conflict (user_id, mission_id, period_key) do update set progress = p.progress + excluded.progress`;
        }
      }),
    );
    const ms = performance.now() - t0;
    const [c] = await q`select coalesce(sum(progress), 0)::int as total, count(*)::int as rows from min_progress`;
    return { ms, rate: o.events / (ms / 1000), progressTotal: c!.total as number, ok: c!.total === o.events * o.missions.length };
  } finally {
    await q.end();
  }
}

/**
 * The minimal claim, issued by a C client: pgbench with one statement per claim (the conditional
 * update, one ledger row per reward kind, the balance upsert, as one CTE) on `clients` connections.
 * Distinct players come from a sequence (a claim per player, like the HTTP side).
 */
export async function pgbenchClaim(databaseUrl: string, o: { players: number; firstUser: number; clients: number; missionId: number; period: string; rewards: { diamonds: number; xp: number; tickets: number } }) {
  const q = sqlClient(databaseUrl, 1);
  await q.unsafe(`create sequence min_claim_seq start 0 minvalue 0`);
  await q.end();
  const kinds = (['diamonds', 'xp', 'tickets'] as const).filter((k) => o.rewards[k] > 0);
  const values = kinds.map((k) => `('${k}', ${o.rewards[k]}::bigint)`).join(', ');
  const col = (k: string) => `coalesce(sum(amount) filter (where kind = '${k}'), 0)`;
  const script = `with u as (select ${o.firstUser}::bigint + nextval('min_claim_seq') as id),
moved as (update user_mission_progress p set status = 'claimed', claimed_at = now(), claim_mode = 'manual', updated_at = now()
  from u where p.user_id = u.id and p.mission_id = ${o.missionId} and p.period_key = '${o.period}' and p.status = 'completed' returning p.user_id),
led as (insert into reward_ledger (user_id, mission_id, period_key, kind, amount, source, created_at)
  select moved.user_id, ${o.missionId}, '${o.period}', k.kind, k.amount, 'claim', now() from moved, (values ${values}) as k(kind, amount)
  on conflict do nothing returning user_id, kind, amount)
insert into balances as b (user_id, diamonds, xp, tickets, updated_at)
  select user_id, ${col('diamonds')}, ${col('xp')}, ${col('tickets')}, now() from led group by user_id
  on conflict (user_id) do update set diamonds = b.diamonds + excluded.diamonds, xp = b.xp + excluded.xp, tickets = b.tickets + excluded.tickets, updated_at = excluded.updated_at;
`.replace(/\n(?!$)/g, ' ');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gh-pgbench-'));
  try {
    const file = path.join(dir, 'claim.sql');
    writeFileSync(file, script);
    const u = new URL(databaseUrl);
    const perClient = Math.ceil(o.players / o.clients);
    const args = ['-n', '-M', 'prepared', '-c', String(o.clients), '-j', String(Math.min(o.clients, os.cpus().length)), '-t', String(perClient), '-r', '-f', file,
      '-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username || 'postgres'), u.pathname.slice(1)];
    const env = { ...process.env, ...(u.password ? { PGPASSWORD: decodeURIComponent(u.password) } : {}) };
    const { stdout } = await run('pgbench', args, { env, maxBuffer: 16 << 20 });
    const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1]);
    const lat = Number(/latency average = ([\d.]+) ms/.exec(stdout)?.[1]);
    return { rate: tps, latencyAvgMs: lat, transactions: perClient * o.clients, stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function hasPgbench(): Promise<boolean> {
  try {
    await run('pgbench', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** A bare Hono route in its own process (bench/bare.ts) answering `body` at /bench/bare. */
export async function startBare(body: string): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/bare.ts')], {
    cwd: ROOT,
    stdio: ['pipe', 'ignore', 'pipe', 'ipc'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production' },
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-5000)));
  child.send({ body });
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`bench/bare.ts did not start\n${err}`)), 30_000);
    child.on('message', (m: { port?: number }) => {
      if (m?.port) {
        clearTimeout(t);
        resolve(m.port);
      }
    });
    child.on('exit', (code) => reject(new Error(`bench/bare.ts exited ${code}\n${err}`)));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
