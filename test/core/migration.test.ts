import { afterEach, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MIGRATIONS_DIR, openDatabase, type Database } from '../../db/connection.js';
import { freshBackend, type Backend } from '../support/backend.js';
import { getBalance } from '../../core/missions/ledger.js';

/**
 * The evidence migration (0004/0005) keeps existing data: a database filled by the previous
 * schema (migrations up to 0003, the separate actions / mission_actions / vault_earn_events
 * tables) is migrated, and the same evidence reads back through the views, in day partitions.
 */
const BEFORE_EVIDENCE = '0003_mission_actions_arm';

function migrationsUpTo(tag: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gh-mig-'));
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  const journalPath = path.join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  const last = journal.entries.findIndex((e) => e.tag === tag);
  expect(last).toBeGreaterThanOrEqual(0);
  journal.entries = journal.entries.slice(0, last + 1);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** A fresh backend, a copy of the migrations up to `tag`, and a data directory; all removed after the test. */
async function backendWithMigrationsUpTo(tag: string) {
  const b = await freshBackend();
  const old = migrationsUpTo(tag);
  const dataDir = b.databaseUrl ? 'memory://' : mkdtempSync(path.join(tmpdir(), 'gh-pglite-'));
  cleanup.push(async () => {
    await b.dispose();
    rmSync(old, { recursive: true, force: true });
    if (dataDir !== 'memory://') rmSync(dataDir, { recursive: true, force: true });
  });
  return { b, old, dataDir };
}

async function open(b: Backend, dataDir: string, migrationsFolder?: string): Promise<Database> {
  return openDatabase({ databaseUrl: b.databaseUrl, dataDir, migrationsFolder, poolSize: 2 });
}

const OLD_DATA = `
insert into missions (id, logic_key, title, action_type, target_value, reward_diamonds, start_time, end_time, period, is_golden_hour, vault_accrual_multiplier)
  values (1, 'golden_hour_play_3', 'Golden', 'PLAY_GAME', 3, 100, '21:30', '22:30', 'daily', true, 2),
         (2, 'weekly_play_20', 'Weekly', 'PLAY_GAME', 20, 50, null, null, 'weekly', false, 1),
         (3, 'deposit_once', 'Deposit', 'DEPOSIT', 1, 10, null, null, 'daily', false, 1);
insert into actions (user_id, type, action_id, amount, received_at, replays) values
  (5, 'PLAY_GAME', 'a1', null, '2026-11-27T12:45:00Z', 2),
  (5, 'PLAY_GAME', 'a2', null, '2026-11-27T11:00:00Z', 0),
  (6, 'PLAY_GAME', 'a1', null, '2026-11-28T15:10:00Z', 0),
  (6, 'DEPOSIT', 'd1', 5000, '2026-11-28T15:20:00Z', 0);
insert into mission_actions (user_id, mission_id, action_id, period_key, verdict, received_at, arm) values
  (5, 1, 'a1', '2026-11-27', 'counted', '2026-11-27T12:45:00Z', 'base'),
  (5, 2, 'a1', '2026-W48', 'counted', '2026-11-27T12:45:00Z', null),
  (5, 1, 'a2', '2026-11-27', 'outside_window', '2026-11-27T11:00:00Z', 'base'),
  (5, 2, 'a2', '2026-W48', 'counted', '2026-11-27T11:00:00Z', null),
  (6, 1, 'a1', '2026-11-28', 'holdout', '2026-11-28T15:10:00Z', 'holdout'),
  (6, 2, 'a1', '2026-W48', 'counted', '2026-11-28T15:10:00Z', null),
  (6, 3, 'd1', '2026-11-29', 'counted', '2026-11-28T15:20:00Z', null);
insert into vault_earn_events (user_id, action_id, base_points, multiplier, points, golden_hour, mission_id, received_at) values
  (5, 'a1', 10, 2, 20, true, 1, '2026-11-27T12:45:00Z'),
  (5, 'a2', 10, 1, 10, false, null, '2026-11-27T11:00:00Z'),
  (6, 'a1', 10, 1, 10, false, null, '2026-11-28T15:10:00Z');
insert into activity_minutes (minute, user_id) values ('2026-11-27T12:45:00Z', 5), ('2026-11-27T11:00:00Z', 5), ('2026-11-28T15:10:00Z', 6);
insert into user_mission_progress (user_id, mission_id, period_key, progress, status) values (5, 1, '2026-11-27', 1, 'active');
`;

const SNAPSHOT = {
  actions: `select user_id::int, type, action_id, amount::int, received_at, replays::int from actions order by user_id, type, action_id`,
  mission_actions: `select user_id::int, mission_id, action_id, period_key, verdict, received_at, arm from mission_actions order by user_id, mission_id, action_id`,
  vault: `select user_id::int, action_id, base_points::int, multiplier::float8 as multiplier, points::int, golden_hour, mission_id, received_at from vault_earn_events order by user_id, action_id`,
  minutes: `select minute, user_id::int from activity_minutes order by minute, user_id`,
  progress: `select user_id::int, mission_id, period_key, progress, status from user_mission_progress order by 1, 2, 3`,
};

async function snapshot(d: Database) {
  const out: Record<string, unknown[]> = {};
  for (const [k, q] of Object.entries(SNAPSHOT)) {
    out[k] = (await d.raw<Record<string, unknown>>(q, [])).map((r) => Object.fromEntries(Object.entries(r).map(([c, v]) => [c, v instanceof Date ? v.toISOString() : v])));
  }
  return out;
}

describe('the evidence migration keeps the data of the previous schema', () => {
  it('actions, mission_actions, vault_earn_events and activity_minutes read back the same after 0004/0005, in day partitions', async () => {
    const { b, old, dataDir } = await backendWithMigrationsUpTo(BEFORE_EVIDENCE);

    const before = await open(b, dataDir, old);
    for (const stmt of OLD_DATA.split(';').map((x) => x.trim()).filter(Boolean)) await before.raw(stmt, []);
    const expected = await snapshot(before);
    expect(expected.mission_actions).toHaveLength(7);
    await before.close();

    const after = await open(b, dataDir);
    cleanup.unshift(() => after.close());
    expect(await snapshot(after)).toEqual(expected);
    expect(Number((await after.raw<{ n: number }>(`select count(*)::int as n from play_evidence`, []))[0]!.n)).toBe(4);
    // the old days got their own partitions: nothing was left in the default ones
    const parts = (await after.raw<{ name: string }>(`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid order by 1`, [])).map((r) => r.name);
    expect(parts).toEqual(expect.arrayContaining(['play_evidence_20261127', 'play_evidence_20261128', 'activity_minutes_20261127', 'activity_minutes_20261128']));
    expect(Number((await after.raw<{ n: number }>(`select (select count(*) from play_evidence_default) + (select count(*) from activity_minutes_default) as n`, []))[0]!.n)).toBe(0);
    // and new plays keep working on the migrated tables: a replay of an old action is a duplicate
    await after.raw(`select evidence_day_partition('play_evidence', '2026-11-29')`, []);
    const ins = await after.raw(`insert into play_evidence (user_id, received_at, day, type_code, action_id) values (6, '2026-11-29T01:00:00Z', '2026-11-29', 1, 'b1') returning 1`, []);
    expect(ins).toHaveLength(1);
  });
});

/**
 * 0010 drops the progress → missions foreign key (the ingest checked it for every progress row)
 * and puts a guard on missions instead, and turns the (mission, period, status) b-tree into a BRIN
 * bloom index: progress rows written under 0009 stay, a mission that has progress still cannot be
 * deleted or renumbered, and the (mission, period) lookup still has an index.
 */
describe('a mission with progress cannot be deleted', () => {
  it('progress kept across 0010; deleting or renumbering a mission with progress is refused, one without is deleted', async () => {
    const { b, old, dataDir } = await backendWithMigrationsUpTo('0009_enum_checks');
    const before = await open(b, dataDir, old);
    await before.raw(
      `insert into missions (id, logic_key, title, action_type, target_value, period) values (41, 'played', 'Played', 'PLAY_GAME', 3, 'daily'), (42, 'unplayed', 'Unplayed', 'PLAY_GAME', 3, 'daily')`,
      [],
    );
    await before.raw(`insert into user_mission_progress (user_id, mission_id, period_key, progress, status) values (7, 41, '2026-12-01', 2, 'active')`, []);
    await before.close();

    const after = await open(b, dataDir);
    cleanup.unshift(() => after.close());
    expect(await after.raw(`select user_id::int, mission_id, period_key, progress, status from user_mission_progress`, [])).toEqual([
      { user_id: 7, mission_id: 41, period_key: '2026-12-01', progress: 2, status: 'active' },
    ]);
    const fks = await after.raw(`select conname from pg_constraint where conrelid = 'user_mission_progress'::regclass and contype = 'f'`, []);
    expect(fks).toEqual([]);
    // the (mission, period) lookup is a BRIN bloom index now, and it answers that lookup
    const idx = await after.raw<{ name: string; am: string }>(
      `select c.relname as name, a.amname as am from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am a on a.oid = c.relam where i.indrelid = 'user_mission_progress'::regclass order by 1`,
      [],
    );
    expect(idx).toEqual([
      { name: 'ump_mission_period_bloom', am: 'brin' },
      { name: 'user_mission_progress_user_id_mission_id_period_key_pk', am: 'btree' },
    ]);
    await after.raw(`insert into user_mission_progress (user_id, mission_id, period_key, progress, status) select g, 42, '2026-12-02', 1, 'active' from generate_series(100, 2099) g`, []);
    await after.raw(`analyze user_mission_progress`, []);
    const plan = await after.db.transaction(async (tx) => {
      await after.raw(`set local enable_seqscan = off`, [], tx);
      return after.raw<{ 'QUERY PLAN': string }>(`explain select count(*) from user_mission_progress where mission_id = 41 and period_key = '2026-12-01' and progress > 0`, [], tx);
    });
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain('ump_mission_period_bloom');
    expect((await after.raw<{ n: number }>(`select count(*)::int as n from user_mission_progress where mission_id = 41 and period_key = '2026-12-01' and progress > 0`, []))[0]!.n).toBe(1);
    await after.raw(`delete from user_mission_progress where mission_id = 42`, []);

    const refused = (q: string) => after.raw(q, []).then(() => null, (err: unknown) => err as { code?: string; message?: string; cause?: { code?: string } });
    const del = await refused(`delete from missions where id = 41`);
    expect(del).not.toBeNull();
    expect(del!.code ?? del!.cause?.code).toBe('23503');
    expect(String(del!.message ?? del)).toMatch(/mission 41 has player progress/);
    const renumber = await refused(`update missions set id = 43 where id = 41`);
    expect(renumber?.code ?? renumber?.cause?.code).toBe('23503');
    // other updates of a played mission are fine, and a mission nobody played deletes
    expect(await refused(`update missions set title = 'Played twice' where id = 41`)).toBeNull();
    expect(await refused(`delete from missions where id = 42`)).toBeNull();
    expect((await after.raw<{ id: number }>(`select id from missions order by id`, [])).map((r) => r.id)).toEqual([41]);
  });
});

/**
 * 0011 moves the vault points from balances to the player's row (the ingest writes one row per
 * new player instead of two): the points written under 0010 stay the player's, the wallet keeps
 * its diamonds, xp and tickets, and what a player sees is the same.
 */
describe('the vault points move to the player row', () => {
  it('vault points kept across 0011, on users; balances keep the wallet; the player balance reads the same', async () => {
    const { b, old, dataDir } = await backendWithMigrationsUpTo('0010_progress_ingest_cost');
    const before = await open(b, dataDir, old);
    await before.raw(`insert into users (id, last_active_at) values (8, '2026-12-01T12:00:00Z'), (9, null)`, []);
    // 8: a player with both; 9: wallet only; 10: vault points with no users row (hand-made)
    await before.raw(
      `insert into balances (user_id, diamonds, xp, tickets, vault_points) values (8, 100, 500, 1, 60), (9, 5, 0, 0, 0), (10, 0, 0, 0, 30)`,
      [],
    );
    await before.close();

    const after = await open(b, dataDir);
    cleanup.unshift(() => after.close());
    expect(await after.raw(`select id::int, vault_points::int from users order by id`, [])).toEqual([
      { id: 8, vault_points: 60 },
      { id: 9, vault_points: 0 },
      { id: 10, vault_points: 30 },
    ]);
    expect(await after.raw(`select user_id::int, diamonds::int, xp::int, tickets::int from balances order by user_id`, [])).toEqual([
      { user_id: 8, diamonds: 100, xp: 500, tickets: 1 },
      { user_id: 9, diamonds: 5, xp: 0, tickets: 0 },
      { user_id: 10, diamonds: 0, xp: 0, tickets: 0 },
    ]);
    const cols = await after.raw<{ c: string }>(`select column_name as c from information_schema.columns where table_name = 'balances' order by 1`, []);
    expect(cols.map((r) => r.c)).not.toContain('vault_points');
    expect(await getBalance(after, 8)).toEqual({ userId: 8, diamonds: 100, xp: 500, tickets: 1, vaultPoints: 60 });
    expect(await getBalance(after, 10)).toEqual({ userId: 10, diamonds: 0, xp: 0, tickets: 0, vaultPoints: 30 });
    expect(await getBalance(after, 11)).toEqual({ userId: 11, diamonds: 0, xp: 0, tickets: 0, vaultPoints: 0 });
  });
});
