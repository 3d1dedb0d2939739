import { describe, expect, it } from 'vitest';
import { planReach } from './estimate.js';

const S = Date.UTC(2026, 10, 27, 12, 30); // 21:30 KST
const before = (s: number) => S - s * 1000;

describe('the reach plan: everyone hears by start + ANNOUNCE_REACH_S', () => {
  it('an audience reachable after the start gets no pre-announcement: send starts at the start, ends at start + N / rate', () => {
    const p = planReach({ recipients: 100, ratePerS: 25, reachS: 600, opensAtMs: S, nowMs: before(3600) });
    expect(p).toMatchObject({ pre: 0, live: 100, paid: 0, late: 0, sendStartMs: S, expectedFinishMs: S + 4000, stars: 0 });
  });

  it('1,500 at 25/s with 30 s of reach: 750 pre-announced from 30 s before the start, the last one by start + 30 s', () => {
    const p = planReach({ recipients: 1500, ratePerS: 25, reachS: 30, opensAtMs: S, nowMs: before(3600) });
    expect(p).toMatchObject({ pre: 750, live: 750, late: 0, sendStartMs: before(30), reachByMs: S + 30_000, expectedFinishMs: S + 30_000 });
  });

  it('100,000 at 25/s with the default 600 s: 85,000 pre-announced, sending starts 3,400 s (57 min) before the start', () => {
    const p = planReach({ recipients: 100_000, ratePerS: 25, reachS: 600, opensAtMs: S, nowMs: before(4 * 3600) });
    expect(p.pre).toBe(85_000);
    expect(p.live).toBe(15_000);
    expect(S - p.sendStartMs).toBe(3_400_000);
    expect(p.expectedFinishMs).toBe(S + 600_000);
  });

  it('paid sending takes the part that would be pre-announced, within the Stars budget (0.1 Star per message)', () => {
    // 1,000 Stars buy 10,000 paid messages; the other 75,000 are still pre-announced
    const p = planReach({ recipients: 100_000, ratePerS: 25, reachS: 600, opensAtMs: S, nowMs: before(4 * 3600), paid: { ratePerS: 1000, starsBudget: 1000 } });
    expect(p).toMatchObject({ paid: 10_000, stars: 1000, pre: 75_000, live: 15_000, late: 0 });
    // a budget large enough: nobody is pre-announced, and the paid rate finishes in time
    const q = planReach({ recipients: 100_000, ratePerS: 25, reachS: 600, opensAtMs: S, nowMs: before(4 * 3600), paid: { ratePerS: 1000, starsBudget: 1_000_000 } });
    expect(q).toMatchObject({ paid: 85_000, stars: 8500, pre: 0, late: 0, sendStartMs: S });
    expect(q.expectedFinishMs).toBeLessThanOrEqual(S + 600_000);
  });

  it('planned too late to pre-announce everyone: the pre-announcement starts now and the rest is counted late', () => {
    const p = planReach({ recipients: 1500, ratePerS: 25, reachS: 30, opensAtMs: S, nowMs: before(10) });
    expect(p).toMatchObject({ sendStartMs: before(10), pre: 250, late: 500 });
  });

  it('after the start there is no pre-announcement at all', () => {
    const p = planReach({ recipients: 1500, ratePerS: 25, reachS: 30, opensAtMs: S, nowMs: S + 5000 });
    expect(p.pre).toBe(0);
    expect(p.live).toBe(1500);
    expect(p.late).toBe(1500 - 25 * 25);
  });
});
