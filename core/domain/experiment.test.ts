import { describe, expect, it } from 'vitest';
import { DomainError } from './errors.js';
import { assignArm, assignmentBucket, parseExperimentSplit, type ExperimentSplit } from './experiment.js';

const split: ExperimentSplit = {
  holdoutPct: 10,
  variants: [
    { name: 'base', weight: 1 },
    { name: 'double', weight: 1, rewards: { diamonds: 200, xp: 500, tickets: 1 } },
  ],
};

describe('experiment assignment', () => {
  it('assignment is a pure function of (player id, experiment id): same answer every call', () => {
    for (let u = 1; u <= 200; u++) expect(assignArm(u, 'gh-1', split)).toBe(assignArm(u, 'gh-1', structuredClone(split)));
  });

  it('the bucket is sha256("<experimentId>:<userId>") read as a 32-bit fraction (known vector)', () => {
    // sha256("gh-1:1001") starts with c3498586; pinning it keeps every process and release agreeing
    const b = assignmentBucket(1001, 'gh-1');
    expect(b).toBe(0xc3498586 / 2 ** 32);
    expect(assignmentBucket(1001, 'gh-2')).not.toBe(b);
  });

  it('arms get their shares: 10% holdout, the rest split by weight', () => {
    const counts: Record<string, number> = {};
    const n = 40_000;
    for (let u = 1; u <= n; u++) {
      const a = assignArm(u, 'gh-1', split)!;
      counts[a] = (counts[a] ?? 0) + 1;
    }
    expect(counts.holdout! / n).toBeGreaterThan(0.09);
    expect(counts.holdout! / n).toBeLessThan(0.11);
    expect(counts.base! / n).toBeGreaterThan(0.43);
    expect(counts.double! / n).toBeGreaterThan(0.43);
  });

  it('raising the holdout only moves variant players into holdout, never holdout players out', () => {
    const wider = { ...split, holdoutPct: 20 };
    for (let u = 1; u <= 2000; u++) if (assignArm(u, 'gh-1', split) === 'holdout') expect(assignArm(u, 'gh-1', wider)).toBe('holdout');
  });

  it('an experiment that is off assigns nobody', () => {
    expect(assignArm(1, 'gh-1', { holdoutPct: 0, variants: [] })).toBeNull();
  });

  it('holdout 0 puts everyone in a variant', () => {
    for (let u = 1; u <= 500; u++) expect(assignArm(u, 'x', { holdoutPct: 0, variants: [{ name: 'base', weight: 1 }] })).toBe('base');
  });
});

describe('experiment split validation', () => {
  const bad = (v: unknown) => {
    try {
      parseExperimentSplit(v);
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      return (e as DomainError).details?.field;
    }
    throw new Error('accepted');
  };
  it('accepts the documented example and the off body', () => {
    expect(parseExperimentSplit(split)).toEqual(split);
    expect(parseExperimentSplit({ holdoutPct: 0, variants: [] })).toEqual({ holdoutPct: 0, variants: [] });
  });
  it('holdoutPct is 0–50', () => {
    expect(bad({ ...split, holdoutPct: 51 })).toBe('holdoutPct');
    expect(bad({ ...split, holdoutPct: -1 })).toBe('holdoutPct');
    expect(parseExperimentSplit({ ...split, holdoutPct: 50 }).holdoutPct).toBe(50);
  });
  it('1–4 variants (0 only together with holdout 0)', () => {
    expect(bad({ holdoutPct: 10, variants: [] })).toBe('variants');
    expect(bad({ holdoutPct: 10, variants: ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, weight: 1 })) })).toBe('variants');
  });
  it('names match ^[a-z0-9_]{1,32}$, are unique and not "holdout"', () => {
    expect(bad({ holdoutPct: 10, variants: [{ name: 'Base', weight: 1 }] })).toBe('variants.0.name');
    expect(bad({ holdoutPct: 10, variants: [{ name: 'a'.repeat(33), weight: 1 }] })).toBe('variants.0.name');
    expect(bad({ holdoutPct: 10, variants: [{ name: 'a', weight: 1 }, { name: 'a', weight: 1 }] })).toBe('variants.1.name');
    expect(bad({ holdoutPct: 10, variants: [{ name: 'holdout', weight: 1 }] })).toBe('variants.0.name');
  });
  it('weights are positive integers and rewards are non-negative integers', () => {
    expect(bad({ holdoutPct: 10, variants: [{ name: 'a', weight: 0 }] })).toBe('variants.0.weight');
    expect(bad({ holdoutPct: 10, variants: [{ name: 'a', weight: 1, rewards: { diamonds: -1, xp: 0, tickets: 0 } }] })).toBe('variants.0.rewards.diamonds');
  });
});
