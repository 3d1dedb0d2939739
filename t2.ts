import postgres from 'postgres';
import { loadConfig } from './core/platform/config.js';
import { createServices } from './core/services.js';
import { AdjustableClock } from './core/platform/clock.js';
import { applyEvents } from './core/missions/progress.js';
const admin = postgres('postgres://postgres@127.0.0.1:5432/postgres', { max: 1, onnotice: () => {} });
await admin.unsafe('drop database if exists gh_size with (force)'); await admin.unsafe('create database gh_size');
const url = 'postgres://postgres@127.0.0.1:5432/gh_size';
const clock = new AdjustableClock(); const dayStart = Date.parse('2026-12-01T15:00:00Z'); clock.set(new Date(dayStart + 86_399_000));
const config = loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent', ROLES: 'api', GOLDEN_HOUR_ENABLED: 'on' } as any);
const s = await createServices({ config, clock, consume: false } as any);
const ctx = await s.decideContext();
const P = 20000, K = 5; const FIRST = 500_000_001;
for (let k = 0; k < K; k++) for (let b = 0; b < P; b += 500) {
  const batch = [] as any[];
  for (let u = b; u < b + 500; u++) { const i = k * P + u; const sec = Math.floor(((k + (u % 997) / 997) / K) * 86_399); batch.push({ userId: FIRST + u, type: 'PLAY_GAME', actionId: `s${k}-${u}`, receivedAt: dayStart + sec * 1000 + (i % 1000) }); }
  await applyEvents({ database: s.database, vaultPointsPerPlay: 10, now: () => clock.now() }, batch, ctx);
}
await s.close();
const q = postgres(url, { max: 1, onnotice: () => {} });
await q.unsafe('vacuum analyze');
for (const r of await q.unsafe(`select c.relname, c.relkind, pg_relation_size(c.oid) as heap, pg_indexes_size(c.oid) as idx, c.reltuples from pg_class c join pg_namespace n on n.oid=c.relnamespace where n.nspname='public' and c.relkind in ('r') and pg_relation_size(c.oid) > 16384 order by 3 desc`)) console.log(r.relname, 'heap/play', Math.round(Number(r.heap)/(P*K)), 'idx/play', Math.round(Number(r.idx)/(P*K)), 'tuples', r.reltuples);
console.log(await q.unsafe(`select avg(pg_column_size(e.*))::int as row, avg(pg_column_size(verdicts))::int v, avg(pg_column_size(action_id))::int a, avg(pg_column_size(type))::int t from play_evidence e`));
console.log(await q.unsafe(`select avg(pg_column_size(p.*))::int as row from user_mission_progress p`));
console.log(await q.unsafe(`select n_tup_upd, n_tup_hot_upd, relname from pg_stat_user_tables where relname in ('users','balances','user_mission_progress')`));
await q.end(); await admin.end();
