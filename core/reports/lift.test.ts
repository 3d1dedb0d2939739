import { describe, expect, it } from 'vitest';
import { assignArm, type ExperimentSplit } from '../domain/experiment.js';
import { compareArms, proportionDifference, wilsonInterval } from './lift.js';
import { mulberry32 } from '../../test/support/random.js';

describe('two-proportion difference (Newcombe hybrid score)', () => {
  it('Wilson interval matches the published example 81/263 → 0.2553–0.3662', () => {
    const w = wilsonInterval(81, 263);
    expect(w.lower).toBeCloseTo(0.2553, 4);
    expect(w.upper).toBeCloseTo(0.3662, 4);
  });

  it("matches Newcombe (1998) Table II, method 10: 56/70 − 48/80 → 0.0524 to 0.3339", () => {
    const d = proportionDifference(56, 70, 48, 80);
    expect(d.difference).toBeCloseTo(0.2, 10);
    expect(d.lower).toBeCloseTo(0.0524, 4);
    expect(d.upper).toBeCloseTo(0.3339, 4);
  });

  it('matches Newcombe (1998) Table II, method 10: 9/10 − 3/10 → 0.1705 to 0.8090', () => {
    const d = proportionDifference(9, 10, 3, 10);
    expect(d.lower).toBeCloseTo(0.1705, 4);
    expect(d.upper).toBeCloseTo(0.809, 3);
  });

  it('empty arms give an uninformative interval, never NaN', () => {
    const d = proportionDifference(0, 0, 0, 0);
    expect(d.lower).toBe(-1);
    expect(d.upper).toBe(1);
    expect(compareArms(0, 0, 0, 0).verdict).toBe('not_enough_data');
  });

  it('a narrow interval across zero says no clear difference', () => {
    expect(compareArms(1000, 5000, 1010, 5000).verdict).toBe('no_clear_difference');
  });

  it('a narrow interval below zero says drop', () => {
    expect(compareArms(1000, 5000, 1500, 5000).verdict).toBe('drop');
  });
});

/**
 * Done-means simulation (docs/operations.md, "Reading the experiment"): players are assigned by
 * the real assignment function, each participates with the known probability of their arm
 * (holdout 20%, variant 30%), and the report's interval must cover the true +10 points.
 */
function simulate(seed: number, perArm: number) {
  const rnd = mulberry32(seed);
  const split: ExperimentSplit = { holdoutPct: 50, variants: [{ name: 'base', weight: 1 }] };
  const trueRate: Record<string, number> = { holdout: 0.2, base: 0.3 };
  const n: Record<string, number> = { holdout: 0, base: 0 };
  const x: Record<string, number> = { holdout: 0, base: 0 };
  for (let u = seed * 1_000_000 + 1; n.holdout! < perArm || n.base! < perArm; u++) {
    const arm = assignArm(u, `sim-${seed}`, split)!;
    if (n[arm]! >= perArm) continue;
    n[arm]!++;
    if (rnd() < trueRate[arm]!) x[arm]!++;
  }
  return compareArms(x.base!, n.base!, x.holdout!, n.holdout!);
}

describe('experiment simulation with a known effect (holdout 20%, variant 30%)', () => {
  it('over 20 seeds the 95% interval contains the true difference at least 18 times', () => {
    let covered = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const r = simulate(seed, 1000);
      if (r.lower <= 0.1 && 0.1 <= r.upper) covered++;
    }
    console.log(`coverage of the true +0.10: ${covered}/20 seeds`);
    expect(covered).toBeGreaterThanOrEqual(18);
  });

  it('says "not enough data" at 50 players per arm', () => {
    for (let seed = 1; seed <= 20; seed++) expect(simulate(seed, 50).verdict).toBe('not_enough_data');
  });

  it('says a clear lift at 5,000 players per arm', () => {
    for (let seed = 1; seed <= 20; seed++) expect(simulate(seed, 5000).verdict).toBe('lift');
  });
});
