import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, kst, type Harness } from '../support/harness.js';
import { VERDICTS } from '../../db/schema.js';
import { decodeVerdicts, verdictEntry, partitionsOf } from '../../core/missions/evidence.js';
import { keepEvidence } from '../../core/worker/retention.js';
import { dailyReport } from '../../core/reports/report.js';
import { explainUser } from '../../core/missions/why.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const DAY_MS = 86_400_000;
const count = async (q: string, params: unknown[] = []) => Number((await h!.s.database.raw<{ n: number | string }>(q, params))[0]!.n);
const partitions = async (parent: string) =>
  (await h!.s.database.raw<{ name: string }>(`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = $1::regclass order by 1`, [parent])).map((r) => r.name);

describe('verdict codes: every verdict is one letter, and the views decode what ingest encodes', () => {
  it('verdictEntry and decodeVerdicts round-trip every verdict, with and without a period suffix', () => {
    for (const v of VERDICTS) {
      const text = verdictEntry(7, v, '2026-11-27', '2026-11-27') + verdictEntry(12, v, '2026-W48', '2026-11-27') + verdictEntry(3, v, '2026-11-28', '2026-11-27') + verdictEntry(4, v, '2026-11-26', '2026-11-27');
      expect(decodeVerdicts(text, '2026-11-27')).toEqual([
        { missionId: 7, verdict: v, periodKey: '2026-11-27' },
        { missionId: 12, verdict: v, periodKey: '2026-W48' },
        { missionId: 3, verdict: v, periodKey: '2026-11-28' },
        { missionId: 4, verdict: v, periodKey: '2026-11-26' },
      ]);
      // a date period is stored as a day offset, not the date again
      expect(verdictEntry(3, v, '2026-11-28', '2026-11-27')).toMatch(/@\+1$/);
    }
    expect(new Set(VERDICTS.map((v) => verdictEntry(1, v, 'p', 'p'))).size).toBe(VERDICTS.length);
  });
});

describe('one evidence row per play carries the verdict of each mission and its vault points', () => {
  it('a golden-hour play is one play_evidence row; mission_actions and vault_earn_events read it back', async () => {
    h = await createHarness({ at: kst('21:45:00') });
    await h.play(5, 1, 'one');
    expect(await count(`select count(*) as n from play_evidence`)).toBe(1);
    const [row] = await h.s.database.raw<{ verdicts: string; vault_points: number; vault_mission: number | null }>(`select verdicts, vault_points, vault_mission from play_evidence`, []);
    const golden = await h.missionId('golden_hour_play_3');
    const daily = await h.missionId('daily_play_10');
    expect(decodeVerdicts(row!.verdicts, '2026-11-27').map((d) => [d.missionId, d.verdict]).sort()).toEqual([[golden, 'counted'], [daily, 'counted']].sort());
    expect(row!.vault_points).toBe(20);
    expect(row!.vault_mission).toBe(golden);
    const ma = await h.s.database.raw<{ mission_id: number; verdict: string; period_key: string }>(`select mission_id, verdict, period_key from mission_actions order by mission_id`, []);
    expect(ma.map((r) => [r.mission_id, r.verdict, r.period_key])).toEqual([[golden, 'counted', '2026-11-27'], [daily, 'counted', '2026-11-27']].sort((a, b) => Number(a[0]) - Number(b[0])));
    const [v] = await h.s.database.raw<{ points: number; multiplier: string | number; golden_hour: boolean }>(`select points, multiplier, golden_hour from vault_earn_events`, []);
    expect([v!.points, Number(v!.multiplier), v!.golden_hour]).toEqual([20, 2, true]);
  });

  it('a play outside the window is evidence too: outside_window for the golden mission, counted for the daily one', async () => {
    h = await createHarness({ at: kst('20:00:00') });
    await h.play(5, 1, 'early');
    const golden = await h.missionId('golden_hour_play_3');
    const ma = await h.s.database.raw<{ verdict: string }>(`select verdict from mission_actions where mission_id = $1`, [golden]);
    expect(ma.map((r) => r.verdict)).toEqual(['outside_window']);
  });
});

describe('the mission_actions view decodes a day-offset period like the code does', () => {
  it('a play at 08:00 KST (23:00 UTC the day before) is in the KST date period, in the view too', async () => {
    h = await createHarness({ at: kst('08:00:00') });
    await h.play(5, 1, 'morning');
    const [row] = await h.s.database.raw<{ verdicts: string; day: string }>(`select verdicts, day::text as day from play_evidence`, []);
    expect(row!.day).toBe('2026-11-26');
    expect(row!.verdicts).toContain('@+1');
    const ma = await h.s.database.raw<{ period_key: string }>(`select distinct period_key from mission_actions`, []);
    expect(ma.map((r) => r.period_key)).toEqual(['2026-11-27']);
    const [a] = await h.s.database.raw<{ type: string }>(`select type from actions`, []);
    expect(a!.type).toBe('PLAY_GAME');
  });
});

describe('a replay received the next UTC day is still a duplicate (the previous day is probed)', () => {
  it('the same action id one day later counts nothing and adds no row', async () => {
    // 23:55 UTC, then 00:05 UTC: two partitions
    h = await createHarness({ at: new Date('2026-11-27T23:55:00Z') });
    await h.ingest([{ userId: 5, type: 'PLAY_GAME', actionId: 'late-1' }]);
    await h.s.queue.drain();
    const before = await count(`select coalesce(sum(progress), 0) as n from user_mission_progress where user_id = 5`);
    h.clock.freeze(new Date('2026-11-28T00:05:00Z'));
    await h.ingest([{ userId: 5, type: 'PLAY_GAME', actionId: 'late-1' }]);
    await h.s.queue.drain();
    expect(await count(`select count(*) as n from play_evidence where user_id = 5`)).toBe(1);
    expect(await count(`select coalesce(sum(progress), 0) as n from user_mission_progress where user_id = 5`)).toBe(before);
    expect(await count(`select vault_points as n from users where id = 5`)).toBe(10);
  });
});

describe('evidence partitions: one per UTC day, and rows of the default partition move in', () => {
  it('a play creates its day partition; rows that reached the default partition first are moved into it', async () => {
    h = await createHarness({ at: kst('21:45:00') });
    await h.play(5, 1, 'p');
    expect(await partitions('play_evidence')).toContain('play_evidence_20261127');
    expect(await partitions('activity_minutes')).toContain('activity_minutes_20261127');
    // a row for a day without a partition (as if creating it had failed) lands in the default one
    await h.s.database.raw(`insert into play_evidence (user_id, received_at, day, type_code, action_id) values (6, '2026-12-20T10:00:00Z', '2026-12-20', 1, 'x')`, []);
    expect(await count(`select count(*) as n from play_evidence_default`)).toBe(1);
    await partitionsOf(h.s.database).ensure(['2026-12-20']);
    expect(await count(`select count(*) as n from play_evidence_default`)).toBe(0);
    expect(await count(`select count(*) as n from play_evidence_20261220`)).toBe(1);
  });
});

describe('EVIDENCE_RETENTION_DAYS: old evidence is dropped whole; progress, ledger, balances and the report stay', () => {
  it('40 days later the day partition is gone, /why shows nothing, and the stored report still has the day figures', async () => {
    h = await createHarness({ at: kst('21:45:00'), env: { EVIDENCE_RETENTION_DAYS: '35' } });
    await h.play(5, 3, 'g');
    await h.play(6, 1, 'g');
    const golden = await h.missionId('golden_hour_play_3');
    expect((await h.claim(5, golden)).status).toBe(200);
    const live = await dailyReport(h.s, '2026-11-27');
    expect(live.golden.participants).toBe(2);
    expect(live.vault.issued).toBe(80);

    h.clock.freeze(new Date(kst('21:45:00').getTime() + 40 * DAY_MS));
    const kept = await keepEvidence(h.s);
    expect(kept.dropped).toContain('2026-11-27');
    expect(kept.stored).toContain('2026-11-27');
    // dates without evidence (the two weeks before the pass) are not stored: nothing to outlive
    expect(kept.stored.every((d) => d <= '2026-11-28')).toBe(true);
    expect(await partitions('play_evidence')).not.toContain('play_evidence_20261127');
    expect(await partitions('activity_minutes')).not.toContain('activity_minutes_20261127');
    expect(await count(`select count(*) as n from play_evidence`)).toBe(0);

    // what stays
    expect(await count(`select progress as n from user_mission_progress where user_id = 5 and mission_id = $1`, [golden])).toBe(3);
    expect(await count(`select count(*) as n from reward_ledger where user_id = 5`)).toBe(3);
    expect(await count(`select diamonds as n from balances where user_id = 5`)).toBeGreaterThan(0);
    const after = await dailyReport(h.s, '2026-11-27');
    expect(after).toEqual(live);
    const why = await explainUser(h.s.database, (await h.s.catalog.goldenMission())!, 5, { date: '2026-11-27', nowMs: h.clock.nowMs(), tz: h.s.config.tz });
    expect(why.actions).toEqual([]);
    expect(why.progress?.progress).toBe(3);

    // a second pass (or a second worker) finds nothing more to do
    expect(await keepEvidence(h.s)).toEqual({ dropped: [], stored: [] });
  });

  it('a report becomes final after payouts for its date close, is stored once, and is then read back', async () => {
    h = await createHarness({ at: kst('21:45:00') });
    await h.play(5, 1, 'g');
    h.clock.freeze(new Date(kst('21:45:00').getTime() + 2 * DAY_MS));
    await dailyReport(h.s, '2026-11-27');
    expect(await count(`select count(*) as n from daily_reports`)).toBe(0); // payouts still accepted (PAYOUT_MAX_AGE_DAYS 7)
    h.clock.freeze(new Date(kst('21:45:00').getTime() + 9 * DAY_MS));
    const r = await dailyReport(h.s, '2026-11-27');
    expect(await count(`select count(*) as n from daily_reports where date = '2026-11-27'`)).toBe(1);
    expect(r.golden.participants).toBe(1);
    // figures now come from the stored row, not from the evidence
    await h.s.database.raw(`update daily_reports set report = jsonb_set(report, '{golden,participants}', '41') where date = '2026-11-27'`, []);
    expect((await dailyReport(h.s, '2026-11-27')).golden.participants).toBe(41);
  });
});
