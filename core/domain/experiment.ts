import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DomainError } from './errors.js';

/**
 * The golden-hour experiment (docs/operations.md, "Experiments"): a holdout share that never sees
 * the golden mission, and 1–4 reward variants sharing the rest by weight. A variant without
 * rewards pays the mission's own. `{ holdoutPct: 0, variants: [] }` is "off".
 */
export interface VariantRewards {
  diamonds: number;
  xp: number;
  tickets: number;
}

export interface Variant {
  name: string;
  weight: number;
  rewards?: VariantRewards;
}

export interface ExperimentSplit {
  holdoutPct: number;
  variants: Variant[];
}

export const HOLDOUT_ARM = 'holdout';
export const EXPERIMENT_OFF: ExperimentSplit = { holdoutPct: 0, variants: [] };

const rewardAmount = z.number().int().min(0).max(1_000_000);
const variantSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9_]{1,32}$/, 'name must match ^[a-z0-9_]{1,32}$').refine((n) => n !== HOLDOUT_ARM, 'name "holdout" is reserved'),
    weight: z.number().int().min(1).max(1000),
    rewards: z.object({ diamonds: rewardAmount, xp: rewardAmount, tickets: rewardAmount }).strict().optional(),
  })
  .strict();

export const experimentSplitSchema = z
  .object({
    holdoutPct: z.number().int().min(0).max(50),
    variants: z.array(variantSchema).max(4),
  })
  .strict()
  .superRefine((v, ctx) => {
    const off = v.holdoutPct === 0 && v.variants.length === 0;
    if (!off && v.variants.length === 0) ctx.addIssue({ code: 'custom', path: ['variants'], message: '1–4 variants, or { "holdoutPct": 0, "variants": [] } to turn it off' });
    const names = new Set<string>();
    v.variants.forEach((x, i) => {
      if (names.has(x.name)) ctx.addIssue({ code: 'custom', path: ['variants', i, 'name'], message: `duplicate variant name "${x.name}"` });
      names.add(x.name);
    });
  });

/** Parses admin input into a split, or VALIDATION_FAILED naming the first bad field. */
export function parseExperimentSplit(input: unknown): ExperimentSplit {
  const r = experimentSplitSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = issue.path.join('.') || 'body';
    throw new DomainError('VALIDATION_FAILED', `${field}: ${issue.message}`, { field });
  }
  return r.data;
}

export const isExperimentOff = (s: ExperimentSplit) => s.variants.length === 0;

/**
 * The player's position in [0, 1) for an experiment: the first 32 bits of
 * sha256("<experimentId>:<userId>"). A pure function, so every process, restart and day agrees
 * without storing a row per player; a new experiment id re-randomises everyone.
 */
export function assignmentBucket(userId: number, experimentId: string): number {
  const h = createHash('sha256').update(`${experimentId}:${userId}`).digest();
  return h.readUInt32BE(0) / 2 ** 32;
}

/**
 * The arm of a player: `holdout` for the first holdoutPct % of the bucket line, then the variants
 * in order, each a share of the rest proportional to its weight. null when the experiment is off.
 */
export function assignArm(userId: number, experimentId: string, split: ExperimentSplit): string | null {
  if (isExperimentOff(split)) return null;
  const b = assignmentBucket(userId, experimentId);
  const holdout = split.holdoutPct / 100;
  if (b < holdout) return HOLDOUT_ARM;
  const total = split.variants.reduce((s, v) => s + v.weight, 0);
  const pos = ((b - holdout) / (1 - holdout)) * total;
  let acc = 0;
  for (const v of split.variants) {
    acc += v.weight;
    if (pos < acc) return v.name;
  }
  return split.variants[split.variants.length - 1]!.name;
}

/** All arm names of a split, holdout first when there is one. */
export function armNames(split: ExperimentSplit): string[] {
  if (isExperimentOff(split)) return [];
  return [...(split.holdoutPct > 0 ? [HOLDOUT_ARM] : []), ...split.variants.map((v) => v.name)];
}

/** One stored version of a split: in force from the period key `effectiveFrom` on. */
export interface ExperimentVersion extends ExperimentSplit {
  experimentId: string;
  effectiveFrom: string;
}

/**
 * The version in force for a period: the one with the latest effectiveFrom <= periodKey
 * (period keys of a daily mission are local dates, so they sort as strings). null: never set.
 */
export function versionFor(versions: readonly ExperimentVersion[], periodKey: string): ExperimentVersion | null {
  let best: ExperimentVersion | null = null;
  for (const v of versions) if (v.effectiveFrom <= periodKey && (!best || v.effectiveFrom > best.effectiveFrom)) best = v;
  return best;
}

/** The arm of a player in a period, or null when no experiment runs in that period. */
export function armInPeriod(versions: readonly ExperimentVersion[], userId: number, periodKey: string): string | null {
  const v = versionFor(versions, periodKey);
  return v ? assignArm(userId, v.experimentId, v) : null;
}

/** The rewards a variant pays, or null for "the mission's own" (and for holdout, which is paid nothing). */
export function variantRewards(split: ExperimentSplit, arm: string | null): VariantRewards | null {
  if (!arm || arm === HOLDOUT_ARM) return null;
  return split.variants.find((v) => v.name === arm)?.rewards ?? null;
}
