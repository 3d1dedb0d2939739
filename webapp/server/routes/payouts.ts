import type { Hono } from 'hono';
import { z } from 'zod';
import { DomainError } from '../../../core/domain/errors.js';
import type { Services } from '../../../core/services.js';
import { assertPayoutConfirmed, executePayout, parsePayoutCsv, payoutPeriod, previewPayout, resolvePayoutMission } from '../../../core/missions/payout.js';
import type { AuthEnv } from '../auth.js';
import { dateParam, flagParam, query } from '../query.js';

const payoutQuery = z.object({
  mission: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a mission id or logic key').optional(),
  date: z.union([z.literal(''), dateParam]).optional(),
  /** the preview's fileSha256; checked against the body by assertPayoutConfirmed */
  confirm: z.string().max(128).optional(),
  includeHoldout: flagParam.optional(),
  includeUnknown: flagParam.optional(),
});

/**
 * POST /api/admin/payouts (docs/design.md, The HTTP API; docs/bot.md, Payout CSV): the body is the CSV (one column of user ids, optional
 * header). Query: `mission` (id or logic key; default the golden-hour mission), `date`
 * (YYYY-MM-DD local, not in the future, at most PAYOUT_MAX_AGE_DAYS back; default the current
 * period). Without `confirm`, a preview that returns the body's `fileSha256`; `confirm=<that
 * sha256>` pays this very file — `confirm=1` or another file's hash is 409 PAYOUT_NOT_CONFIRMED
 * and pays nothing. Ids that are no known player (never played, never opened the app or the bot)
 * are listed apart (`unknown`, `unknownIds`) and paid only with `includeUnknown=1`; holdout
 * players of the golden-hour experiment likewise with `includeHoldout=1`.
 * Same core as the bot's /payout; admin auth is applied to /api/admin/* in createApp.
 */
export function payoutsRoutes(app: Hono<AuthEnv>, s: Services) {
  app.post('/api/admin/payouts', async (c) => {
    const ct = (c.req.header('content-type') ?? '').toLowerCase();
    if (ct && !/^(text\/csv|text\/plain|application\/octet-stream)/.test(ct)) {
      throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'send the CSV with Content-Type: text/csv');
    }
    const csv = parsePayoutCsv(new Uint8Array(await c.req.arrayBuffer()));
    const q = query(c, payoutQuery);
    const mission = await resolvePayoutMission(s.catalog, q.mission);
    const periodKey = payoutPeriod(mission, { date: q.date || undefined, nowMs: s.clock.nowMs(), tz: s.config.tz, maxAgeDays: s.config.payoutMaxAgeDays });
    const target = { mission, periodKey };
    const overrides = { includeHoldout: q.includeHoldout ?? false, includeUnknown: q.includeUnknown ?? false };
    // players seen by this process in the last seconds count as known, too
    await s.activity.flush();
    if (q.confirm !== undefined) {
      assertPayoutConfirmed(q.confirm, csv);
      return c.json(await executePayout(s, c.get('user').id, target, csv, overrides));
    }
    const p = await previewPayout(s.database, target, csv, { experiment: await s.experiments.timeline(), ...overrides });
    return c.json({
      ...p,
      toPay: p.toPay.length,
      alreadyPaid: p.alreadyPaid.length,
      toPayIds: p.toPay.slice(0, 1000),
      alreadyPaidIds: p.alreadyPaid.slice(0, 1000),
      unknown: p.unknown.length,
      unknownIds: p.unknown.slice(0, 1000),
      holdout: p.holdout.length,
      holdoutIds: p.holdout.slice(0, 1000),
      invalid: p.invalid.slice(0, 1000),
      invalidCount: p.invalid.length,
      duplicates: p.duplicates.slice(0, 1000),
      duplicateCount: p.duplicates.length,
    });
  });
}
