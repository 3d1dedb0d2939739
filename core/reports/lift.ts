/**
 * Difference of two proportions with a 95% interval, and the plain verdict the report shows
 * (docs/operations.md, "Reading the experiment").
 *
 * Interval: Newcombe's hybrid score interval ("method 10") — the Wilson score interval of each
 * proportion, combined by the square-and-add rule. R. G. Newcombe, "Interval estimation for the
 * difference between independent proportions: comparison of eleven methods", Statistics in
 * Medicine 17 (1998) 873–890; E. B. Wilson, "Probable inference, the law of succession, and
 * statistical inference", JASA 22 (1927) 209–212. Chosen over Wald because it stays inside
 * [-1, 1] and keeps its coverage with small arms and rates near 0 or 1. The npm statistics
 * packages (simple-statistics, jstat) give quantiles but not this interval, and 95% needs only
 * one constant, so it is written here with tests beside it.
 */

/** The 0.975 quantile of the standard normal distribution (95% two-sided). */
export const Z95 = 1.959963984540054;

export interface Interval {
  lower: number;
  upper: number;
}

/** Wilson score interval for x successes out of n. n = 0 gives the uninformative [0, 1]. */
export function wilsonInterval(x: number, n: number, z = Z95): Interval {
  if (n <= 0) return { lower: 0, upper: 1 };
  const p = x / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const half = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  const denom = 1 + z2 / n;
  return { lower: Math.max(0, (centre - half) / denom), upper: Math.min(1, (centre + half) / denom) };
}

export interface ProportionDiff extends Interval {
  /** p_variant − p_holdout */
  difference: number;
  variantRate: number;
  holdoutRate: number;
}

/** Newcombe (1998) method 10 interval for p1 − p2, where p1 = x1/n1 (variant), p2 = x2/n2 (holdout). */
export function proportionDifference(x1: number, n1: number, x2: number, n2: number, z = Z95): ProportionDiff {
  const p1 = n1 > 0 ? x1 / n1 : 0;
  const p2 = n2 > 0 ? x2 / n2 : 0;
  const a = wilsonInterval(x1, n1, z);
  const b = wilsonInterval(x2, n2, z);
  const d = p1 - p2;
  return {
    difference: d,
    variantRate: p1,
    holdoutRate: p2,
    lower: d - Math.sqrt((p1 - a.lower) ** 2 + (b.upper - p2) ** 2),
    upper: d + Math.sqrt((a.upper - p1) ** 2 + (p2 - b.lower) ** 2),
  };
}

/**
 * not_enough_data: an arm is smaller than MIN_ARM_PLAYERS, or the interval is wider than
 * ±MAX_HALF_WIDTH (5 percentage points) — too wide to act on either way.
 * lift / drop: the whole interval is above / below zero. no_clear_difference: narrow, but spans zero.
 */
export type LiftVerdict = 'not_enough_data' | 'lift' | 'drop' | 'no_clear_difference';
export const MIN_ARM_PLAYERS = 100;
export const MAX_HALF_WIDTH = 0.05;

export function liftVerdict(diff: Interval, n1: number, n2: number): LiftVerdict {
  if (n1 < MIN_ARM_PLAYERS || n2 < MIN_ARM_PLAYERS) return 'not_enough_data';
  if ((diff.upper - diff.lower) / 2 > MAX_HALF_WIDTH) return 'not_enough_data';
  if (diff.lower > 0) return 'lift';
  if (diff.upper < 0) return 'drop';
  return 'no_clear_difference';
}

export interface ArmComparison extends ProportionDiff {
  verdict: LiftVerdict;
}

/** One comparison as the report carries it: the difference, its interval and the verdict. */
export function compareArms(x1: number, n1: number, x2: number, n2: number): ArmComparison {
  const d = proportionDifference(x1, n1, x2, n2);
  return { ...d, verdict: liftVerdict(d, n1, n2) };
}
