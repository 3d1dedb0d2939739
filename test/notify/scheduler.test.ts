import { describe, expect, it } from 'vitest';
import { createHarness, kst, ADMIN_ID, type Harness } from '../support/harness.js';
import { startFakeBotApi, type FakeBotApi } from '../support/fakeBotApi.js';
import { Scheduler } from '../../core/worker/scheduler.js';
import { updateMission } from '../../core/missions/adminMissions.js';
import { estimateAnnouncement } from '../../core/delivery/estimate.js';
import { closeAfterEach, fakeApi, seedPlayers } from './support.js';

let h: Harness | undefined;
let fake: FakeBotApi | undefined;
const opened = closeAfterEach();

async function setup(at: string, env: Record<string, string> = {}) {
  h = opened(await createHarness({ at: kst(at), env }));
  fake = opened(await startFakeBotApi());
  const reports: string[] = [];
  const sch = (owner = 'w1') => new Scheduler(h!.s, { guard: null, api: fakeApi(fake!.apiRoot), owner, onDailyReport: (d) => void reports.push(d) });
  return { h, fake, sch, reports };
}

const fired = (runs: { kind: string; status: string }[]) => runs.map((r) => `${r.kind}:${r.status}`);

describe('scheduler on the injected clock', () => {
  it('fires the preflight at 21:25 and the announcement at 21:30 KST, each exactly once', async () => {
    const { h, fake, sch } = await setup('21:20:00');
    await seedPlayers(h.s, 4);
    const a = sch('a');
    const b = sch('b');
    h.clock.freeze(kst('21:24:59'));
    expect(await a.tick()).toEqual([]);
    h.clock.freeze(kst('21:25:00'));
    expect(fired(await a.tick())).toEqual(['preflight:done']);
    expect(await b.tick()).toEqual([]);
    h.clock.freeze(kst('21:29:59'));
    expect(await a.tick()).toEqual([]);
    h.clock.freeze(kst('21:30:00'));
    // two workers at once: one announcement
    const [ra, rb] = await Promise.all([a.tick(), b.tick()]);
    expect(fired([...ra, ...rb])).toEqual(['announce:done']);
    h.clock.freeze(kst('21:30:05'));
    expect(await a.tick()).toEqual([]);
    await fake.sync();
    expect(fake.messages.map((m) => m.chatId).sort()).toEqual([1, 2, 3, 4]);
  });

  it('a window edited by an admin moves the jobs (20:00–21:00: preflight 19:55, announce 20:00, nothing at 21:25)', async () => {
    const { h, fake, sch } = await setup('19:00:00');
    await seedPlayers(h.s, 2);
    await updateMission(h.s, ADMIN_ID, await h.missionId('golden_hour_play_3'), { startTime: '20:00:00', endTime: '21:00:00' });
    const a = sch();
    h.clock.freeze(kst('19:55:00'));
    expect(fired(await a.tick())).toEqual(['preflight:done']);
    h.clock.freeze(kst('20:00:00'));
    expect(fired(await a.tick())).toEqual(['announce:done']);
    h.clock.freeze(kst('21:25:00'));
    expect(await a.tick()).toEqual([]);
    h.clock.freeze(kst('21:30:00'));
    expect(await a.tick()).toEqual([]);
    await fake.sync();
    expect(fake.messages).toHaveLength(2);
    expect(fake.messages[0]!.text).toContain('20:00 ~ 21:00 (KST)');
  });

  it('a worker that starts late, within SCHEDULER_MAX_LATENESS_S, still fires the announcement', async () => {
    const { h, fake, sch } = await setup('21:39:00', { SCHEDULER_MAX_LATENESS_S: '600' });
    await seedPlayers(h.s, 3);
    expect(fired(await sch().tick())).toEqual(['announce:done']);
    await fake.sync();
    expect(fake.messages).toHaveLength(3);
  });

  it('too late (past the lateness) or after the window closed: the announcement never fires', async () => {
    const { h, fake, sch } = await setup('21:41:00', { SCHEDULER_MAX_LATENESS_S: '600' });
    await seedPlayers(h.s, 3);
    expect(await sch().tick()).toEqual([]);
    await h.close();
    // even with a day of lateness allowed, not after the window closed (22:30:00 is the last second inside)
    const late = await setup('22:30:01', { SCHEDULER_MAX_LATENESS_S: '86400' });
    await seedPlayers(late.h.s, 3);
    expect(fired(await late.sch().tick()).filter((k) => k.startsWith('announce'))).toEqual([]);
    await late.fake.sync();
    expect(late.fake.messages).toHaveLength(0);
    await fake.close();
  });

  it('the reminder at 22:00 goes to players who started but did not finish (2/3), then the report hook runs at 22:35', async () => {
    const { h, fake, sch, reports } = await setup('21:31:00');
    await seedPlayers(h.s, 4, { from: 100 });
    await h.play(100, 2);
    await h.play(101, 3);
    const a = sch();
    h.clock.freeze(kst('22:00:00'));
    expect(fired(await a.tick())).toEqual(['reminder:done']);
    await fake.sync();
    expect(fake.messages.map((m) => m.chatId)).toEqual([100]);
    expect(fake.messages[0]!.text).toContain('2/3');
    expect(fake.messages[0]!.text).toContain('30');
    h.clock.freeze(kst('22:35:00'));
    expect(fired(await a.tick())).toEqual(['report:done']);
    expect(reports).toEqual(['2026-11-27']);
  });

  it('a worker stopped mid-announcement hands the job over: the restarted worker resumes, nobody gets it twice', async () => {
    const { h, fake, sch } = await setup('21:30:00', { BROADCAST_RATE: '25' });
    const ids = await seedPlayers(h.s, 60);
    const a = sch('a');
    const running = a.tick();
    while (fake.messages.length < 10) await new Promise((r) => setTimeout(r, 20));
    await a.stop();
    expect(fired(await running)).toEqual(['announce:released']);
    await fake.sync();
    expect(fake.messages.length).toBeLessThan(60);
    h.clock.freeze(kst('21:31:00'));
    expect(fired(await sch('b').tick())).toEqual(['announce:done']);
    await fake.sync();
    for (const id of ids) expect(fake.count(id)).toBe(1);
  }, 120_000);

  it('estimateAnnouncement reports the expected finish: start + ⌈N / rate⌉ s', async () => {
    const { h } = await setup('21:00:00', { BROADCAST_RATE: '25' });
    await seedPlayers(h.s, 100);
    const e = (await estimateAnnouncement(h.s))!;
    expect(e).toMatchObject({ day: '2026-11-27', recipients: 100, ratePerS: 25, expectedSeconds: 4, expectedFinishLocal: '21:30:04', outlastsWindow: false });
  });
});
