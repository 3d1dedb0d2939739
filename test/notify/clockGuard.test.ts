import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, kst, ADMIN_ID, type Harness } from '../support/harness.js';
import { startFakeNtp, type FakeNtp } from '../support/fakeNtp.js';
import { startFakeBotApi, type FakeBotApi } from '../support/fakeBotApi.js';
import { ClockGuard, createClockGuard } from '../../core/worker/clockGuard.js';
import { Scheduler } from '../../core/worker/scheduler.js';
import { closeAfterEach, fakeApi, seedPlayers } from './support.js';

let h: Harness | undefined;
let fake: FakeBotApi | undefined;
let ntp: FakeNtp[] = [];
const opened = closeAfterEach();
afterEach(async () => {
  await Promise.all(ntp.map((n) => n.close()));
  ntp = [];
});

async function setup(skews: Array<number | 'silent'>, o: { failCloseAfter?: number } = {}) {
  h = opened(await createHarness({ at: kst('21:20:00') }));
  const clock = h.clock;
  // the fake sources tell the time of the same (test) clock, plus their skew
  ntp = await Promise.all(skews.map((sk) => startFakeNtp({ nowMs: () => clock.nowMs(), skewMs: sk === 'silent' ? 0 : sk, silent: sk === 'silent' })));
  const guard = new ClockGuard({
    servers: ntp.map((n) => n.address),
    toleranceMs: 1000,
    failCloseAfter: o.failCloseAfter ?? 3,
    timeoutMs: 500,
    clock,
    metrics: h.s.metrics,
    log: h.s.log,
  });
  return { h, guard };
}

describe('clock guard: SNTP against two loopback sources', () => {
  it('skew 0 ms on both sources passes', async () => {
    const { guard } = await setup([0, 0]);
    const c = await guard.check('preflight');
    expect(c.pass).toBe(true);
    expect(Object.values(c.offsetsMs).every((v) => v !== null && Math.abs(v) <= 50)).toBe(true);
    expect(guard.isHealthy()).toBe(true);
  });

  it('skew 200 ms passes (inside ±1000 ms), and the offset is exported per source', async () => {
    const { h, guard } = await setup([200, 200]);
    const c = await guard.check('preflight');
    expect(c.pass).toBe(true);
    for (const v of Object.values(c.offsetsMs)) expect(Math.abs(v! - 200)).toBeLessThanOrEqual(50);
    const text = await h.s.metrics.registry.metrics();
    expect(text).toMatch(/clock_offset_seconds\{source="127\.0\.0\.1:\d+"\} 0\.2/);
    expect(text).toMatch(/ntp_preflight_total\{result="pass"\} 1/);
  });

  it('skew 1500 ms fails', async () => {
    const { guard } = await setup([1500, 1500]);
    const c = await guard.check('preflight');
    expect(c.pass).toBe(false);
    expect(c.error).toMatch(/exceeds ±1000 ms/);
  });

  it('two sources that disagree with each other fail, though each is within tolerance', async () => {
    const { guard } = await setup([600, -600]);
    const c = await guard.check('preflight');
    expect(c.pass).toBe(false);
    expect(c.error).toMatch(/disagree/);
  });

  it('one silent source fails the check', async () => {
    const { guard } = await setup([0, 'silent']);
    const c = await guard.check('preflight');
    expect(c.pass).toBe(false);
    expect(Object.values(c.offsetsMs)).toContain(null);
    expect(c.error).toMatch(/no answer/);
  });

  it('after CLOCK_FAIL_CLOSE_AFTER consecutive failures windows close (fail closed); one pass reopens them', async () => {
    const { h, guard } = await setup([1500, 1500], { failCloseAfter: 2 });
    h.s.setClockHealth(guard);
    h.clock.freeze(kst('21:40:00'));
    expect(await h.s.goldenWindowOpen()).toBe(true);
    await guard.check();
    expect(guard.isHealthy()).toBe(true);
    await guard.check();
    expect(guard.isHealthy()).toBe(false);
    expect(await h.s.goldenWindowOpen()).toBe(false);
    expect((await (await h.req('/api/time')).json()).clockGuard).toMatchObject({ enabled: true, healthy: false, consecutiveFailures: 2 });
    for (const n of ntp) n.skewMs = 0;
    await guard.check();
    expect(await h.s.goldenWindowOpen()).toBe(true);
  });

  it('no NTP_SERVERS: the guard is off (with a warning) and announcements still go out', async () => {
    h = opened(await createHarness({ at: kst('21:30:00') }));
    const warnings: string[] = [];
    const log = { warn: (m: string) => warnings.push(m) } as unknown as Parameters<typeof createClockGuard>[1]['log'];
    expect(createClockGuard(h.s.config, { clock: h.clock, log })).toBeNull();
    expect(warnings.join()).toMatch(/NTP_SERVERS not set/);
    expect(h.s.clockHealth.state().enabled).toBe(false);
    await seedPlayers(h.s, 3);
    fake = opened(await startFakeBotApi());
    const runs = await new Scheduler(h.s, { guard: null, api: fakeApi(fake.apiRoot) }).tick();
    expect(runs.map((r) => [r.kind, r.status])).toEqual([['announce', 'done']]);
    await fake.sync();
    expect(fake.messages).toHaveLength(3);
  });

  it('a 1500 ms skew at the 21:25 preflight cancels the 21:30 announcement and alerts admins', async () => {
    const { h, guard } = await setup([1500, 1500]);
    await seedPlayers(h.s, 5);
    fake = opened(await startFakeBotApi());
    const sch = new Scheduler(h.s, { guard, api: fakeApi(fake.apiRoot) });
    h.clock.freeze(kst('21:25:00'));
    const pre = await sch.tick();
    expect(pre).toMatchObject([{ kind: 'preflight', status: 'done', detail: { pass: false } }]);
    h.clock.freeze(kst('21:30:00'));
    const ann = await sch.tick();
    expect(ann).toMatchObject([{ kind: 'announce', status: 'skipped', detail: { reason: 'clock_check_failed' } }]);
    await fake.sync();
    // admins heard about it; no player got the announcement
    expect(fake.messages.map((m) => m.chatId)).toEqual([ADMIN_ID]);
    expect(fake.messages[0]!.text).toMatch(/Clock check failed/);
    expect(await h.s.metrics.registry.metrics()).toMatch(/ntp_preflight_total\{result="fail"\} 1/);
  });
});
