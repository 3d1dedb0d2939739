import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, kst, BOT_TOKEN, INGEST_TOKEN, type Harness } from '../support/harness.js';
import { applyEvents, type GameEvent } from '../../core/missions/progress.js';

/** Structured logs of progress decisions and claims (docs/operations.md). */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) (raw.push(l), lines.push(JSON.parse(l)));
      cb();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines, raw };
}

describe('progress decision and claim logs', () => {
  let h: Harness;
  const cap = capture();
  beforeAll(async () => {
    h = await createHarness({ at: kst('22:29:59'), services: { log: cap.log } });
  });
  afterAll(async () => h?.close());

  const apply = (events: Omit<GameEvent, 'receivedAt'>[], at: number, o: { random?: () => number; logSample?: number } = {}) => {
    const c = capture();
    return h.s
      .decideContext()
      .then((ctx) => applyEvents({ database: h.s.database, log: c.log, vaultPointsPerPlay: 10, now: () => new Date(at), ...o }, events.map((e) => ({ ...e, receivedAt: at })), ctx))
      .then((r) => ({ r, lines: c.lines }));
  };

  it('one summary line per batch: counts per verdict and the receive-time span and decision time it used', async () => {
    const at = kst('22:30:01').getTime();
    const { lines } = await apply([{ userId: 71, type: 'PLAY_GAME', actionId: 'a1' }, { userId: 72, type: 'PLAY_GAME', actionId: 'a1' }], at, { random: () => 1 });
    const batch = lines.filter((l) => l.msg === 'progress batch');
    expect(batch).toHaveLength(1);
    expect(batch[0]).toMatchObject({
      events: 2,
      verdicts: { counted: 2, outside_window: 2 }, // daily_play_10 counts, the golden mission does not at 22:30:01
      receivedFrom: new Date(at).toISOString(),
      receivedTo: new Date(at).toISOString(),
      decidedAt: new Date(at).toISOString(),
    });
    expect(lines.filter((l) => l.msg === 'progress rejected (sampled)')).toHaveLength(0); // the sampler said no
  });

  it('rejections are logged one by one only when sampled (10% by default), with user, mission, period, verdict and receive time', async () => {
    const at = kst('22:31:00').getTime();
    let i = 0;
    const draws = [0.05, 0.5, 0.09, 0.7]; // two under 0.1
    const { lines } = await apply(
      [71, 72, 73, 74].map((u) => ({ userId: u, type: 'PLAY_GAME' as const, actionId: 'late' })),
      at,
      { random: () => draws[i++ % draws.length]! },
    );
    const rej = lines.filter((l) => l.msg === 'progress rejected (sampled)');
    expect(rej).toHaveLength(2);
    const gid = await h.missionId('golden_hour_play_3');
    expect(rej[0]).toMatchObject({ userId: 71, missionId: gid, periodKey: '2026-11-27', verdict: 'outside_window', receivedAt: new Date(at).toISOString(), sampled: true });
  });

  it('rejection logging is capped per batch so a backlog cannot flood the log', async () => {
    const at = kst('23:00:00').getTime();
    const events = Array.from({ length: 300 }, (_, k) => ({ userId: 1000 + k, type: 'PLAY_GAME' as const, actionId: 'x' }));
    const { lines } = await apply(events, at, { random: () => 0 });
    expect(lines.filter((l) => l.msg === 'progress rejected (sampled)').length).toBe(50);
  });

  it('every auto-claim is logged with its period and time; API claims and ingest never log init data or tokens', async () => {
    const create = await h.req('/api/admin/missions', {
      method: 'POST',
      userId: 9001,
      body: JSON.stringify({ logicKey: 'gh_auto_log', title: 'auto', actionType: 'PLAY_GAME', target: 1, rewards: { diamonds: 1 }, startTime: '21:30:00', endTime: '22:30:00', autoClaim: true, isGoldenHour: true }),
    });
    expect(create.status).toBe(201);
    h.clock.freeze(kst('22:00:00'));
    await h.play(81, 3, 'lg');
    const auto = cap.lines.filter((l) => l.msg === 'claim' && l.verdict === 'auto_claimed');
    expect(auto).toHaveLength(1);
    expect(auto[0]).toMatchObject({ userId: 81, periodKey: '2026-11-27', claimedAt: kst('22:00:00').toISOString() });
    const res = await h.claim(81, await h.missionId('golden_hour_play_3'));
    expect(res.status).toBe(200);
    await h.claim(82, await h.missionId('golden_hour_play_3')); // NOT_COMPLETED
    const all = cap.raw.join('\n');
    expect(all).toContain('"verdict":"claimed"');
    for (const secret of [BOT_TOKEN, INGEST_TOKEN, 'tma ', 'auth_date', 'query_id', 'hash=']) expect(all).not.toContain(secret);
  });
});
