import { desc } from 'drizzle-orm';
import type { Database, Executor } from '../../db/connection.js';
import { adminAuditLog } from '../../db/schema.js';

export type AuditAction = 'flag.set' | 'mission.create' | 'mission.update' | 'payout.execute' | 'clock.set' | 'experiment.set';

export interface AuditEntry {
  actorId: number;
  action: AuditAction;
  missionId?: number | null;
  before?: unknown;
  after?: unknown;
  requestedAt: Date;
}

/** Every admin change writes one row (docs/design.md, The rules in words: Audit), inside the change's transaction. */
export async function writeAudit(exec: Executor, e: AuditEntry): Promise<void> {
  await exec.insert(adminAuditLog).values({
    actorId: e.actorId,
    action: e.action,
    missionId: e.missionId ?? null,
    before: (e.before ?? null) as never,
    after: (e.after ?? null) as never,
    requestedAt: e.requestedAt,
  });
}

export async function listAudit(database: Database, limit = 50) {
  return database.db
    .select()
    .from(adminAuditLog)
    .orderBy(desc(adminAuditLog.id))
    .limit(Math.min(Math.max(limit, 1), 500));
}
