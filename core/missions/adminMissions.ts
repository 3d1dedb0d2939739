import { CATEGORIES, PERIODS } from '../../db/schema.js';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Clock } from '../platform/clock.js';
import type { Database } from '../../db/connection.js';
import { missions } from '../../db/schema.js';
import { DomainError } from '../domain/errors.js';
import { missionFields, toMission, type Mission, type MissionCatalog } from './catalog.js';
import { validateWindow } from '../domain/window.js';
import { writeAudit } from './audit.js';
import { ACTION_TYPES } from './progress.js';

/**
 * Admin edits of missions (docs/design.md, The rules in words: Audit): validated, written with an audit row in the same
 * transaction, and the mission cache dropped on every instance.
 */
const MAX_REWARD = 1_000_000_000;
const reward = z.number().int('must be a whole number').min(0, 'must not be negative').max(MAX_REWARD, `must be at most ${MAX_REWARD}`);
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `at most ${max} characters`)
    // control characters break Telegram messages and logs
    .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), 'contains control characters');

const timeOrNull = z.union([z.string(), z.null()]);

export const missionPatchSchema = z
  .object({
    title: text(120),
    description: z.string().max(1000, 'at most 1000 characters'),
    category: z.enum(CATEGORIES),
    actionType: z.enum(ACTION_TYPES),
    target: z.number().int('must be a whole number').min(1, 'must be at least 1').max(1_000_000, 'must be at most 1000000'),
    rewards: z.object({ diamonds: reward, xp: reward, tickets: reward }).partial().strict(),
    startTime: timeOrNull,
    endTime: timeOrNull,
    autoClaim: z.boolean(),
    period: z.enum(PERIODS),
    isGoldenHour: z.boolean(),
    vaultAccrualMultiplier: z.number().min(1, 'must be at least 1').max(10, 'must be at most 10'),
    active: z.boolean(),
    sortOrder: z.number().int().min(0).max(10_000),
  })
  .partial()
  .strict();

export const missionCreateSchema = missionPatchSchema.required({ title: true, actionType: true, target: true }).extend({
  logicKey: z.string().regex(/^[a-z0-9_]{3,64}$/, 'lowercase letters, digits and _ (3–64)'),
});

export type MissionPatch = z.infer<typeof missionPatchSchema>;

function zodToDomain(err: z.ZodError): DomainError {
  const first = err.issues[0]!;
  const field = first.path.join('.') || undefined;
  const msg = first.code === 'unrecognized_keys' ? `unknown field(s): ${(first as { keys: string[] }).keys.join(', ')}` : first.message;
  return new DomainError('VALIDATION_FAILED', field ? `${field}: ${msg}` : msg, {
    field,
    errors: err.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
  });
}

export function parseMissionPatch(body: unknown): MissionPatch {
  const r = missionPatchSchema.safeParse(body);
  if (!r.success) throw zodToDomain(r.error);
  return r.data;
}

/** Public shape of a mission for admins (camelCase, docs/design.md). */
export function adminView(m: Mission) {
  return {
    ...missionFields(m),
    startTime: m.window?.start ?? null,
    endTime: m.window?.end ?? null,
    period: m.period,
    vaultAccrualMultiplier: m.vaultAccrualMultiplier,
    active: m.active,
    sortOrder: m.sortOrder,
  };
}

function toColumns(p: MissionPatch, current: Mission | null) {
  const cols: Partial<typeof missions.$inferInsert> = {};
  if (p.title !== undefined) cols.title = p.title;
  if (p.description !== undefined) cols.description = p.description;
  if (p.category !== undefined) cols.category = p.category;
  if (p.actionType !== undefined) cols.actionType = p.actionType;
  if (p.target !== undefined) cols.targetValue = p.target;
  if (p.rewards?.diamonds !== undefined) cols.rewardDiamonds = p.rewards.diamonds;
  if (p.rewards?.xp !== undefined) cols.rewardXp = p.rewards.xp;
  if (p.rewards?.tickets !== undefined) cols.rewardTickets = p.rewards.tickets;
  if (p.startTime !== undefined || p.endTime !== undefined) {
    const start = p.startTime !== undefined ? p.startTime : (current?.window?.start ?? null);
    const end = p.endTime !== undefined ? p.endTime : (current?.window?.end ?? null);
    const w = validateWindow(start, end);
    cols.startTime = w?.start ?? null;
    cols.endTime = w?.end ?? null;
  }
  if (p.autoClaim !== undefined) cols.autoClaim = p.autoClaim;
  if (p.period !== undefined) cols.period = p.period;
  if (p.isGoldenHour !== undefined) cols.isGoldenHour = p.isGoldenHour;
  if (p.vaultAccrualMultiplier !== undefined) cols.vaultAccrualMultiplier = p.vaultAccrualMultiplier;
  if (p.active !== undefined) cols.active = p.active;
  if (p.sortOrder !== undefined) cols.sortOrder = p.sortOrder;
  return cols;
}

export async function updateMission(
  deps: { database: Database; catalog: MissionCatalog; clock: Clock },
  actorId: number,
  missionId: number,
  body: unknown,
): Promise<Mission> {
  const patch = parseMissionPatch(body);
  const requestedAt = deps.clock.now();
  const updated = await deps.database.db.transaction(async (tx) => {
    const rows = await tx.select().from(missions).where(eq(missions.id, missionId)).for('update');
    if (!rows[0]) throw new DomainError('MISSION_NOT_FOUND', 'no such mission');
    const before = toMission(rows[0]);
    const cols = toColumns(patch, before);
    if (Object.keys(cols).length === 0) throw new DomainError('VALIDATION_FAILED', 'nothing to change');
    const [row] = await tx.update(missions).set({ ...cols, updatedAt: requestedAt }).where(eq(missions.id, missionId)).returning();
    const after = toMission(row!);
    await writeAudit(tx, { actorId, action: 'mission.update', missionId, before: adminView(before), after: adminView(after), requestedAt });
    return after;
  });
  await deps.catalog.invalidate();
  return updated;
}

export async function createMission(deps: { database: Database; catalog: MissionCatalog; clock: Clock }, actorId: number, body: unknown): Promise<Mission> {
  const r = missionCreateSchema.safeParse(body);
  if (!r.success) throw zodToDomain(r.error);
  const p = r.data;
  const requestedAt = deps.clock.now();
  const created = await deps.database.db.transaction(async (tx) => {
    const exists = await tx.select({ id: missions.id }).from(missions).where(eq(missions.logicKey, p.logicKey));
    if (exists.length) throw new DomainError('VALIDATION_FAILED', `logicKey: "${p.logicKey}" already exists`, { field: 'logicKey' });
    const cols = toColumns(p, null);
    const [row] = await tx
      .insert(missions)
      .values({ ...cols, logicKey: p.logicKey, title: p.title, actionType: p.actionType, targetValue: p.target, createdAt: requestedAt, updatedAt: requestedAt })
      .returning();
    const after = toMission(row!);
    await writeAudit(tx, { actorId, action: 'mission.create', missionId: after.id, before: null, after: adminView(after), requestedAt });
    return after;
  });
  await deps.catalog.invalidate();
  return created;
}
