import { Composer } from 'grammy';
import { announcementMessage } from '../../core/delivery/announcement.js';
import { estimateAnnouncement, localDate } from '../../core/delivery/estimate.js';
import { zoneLabel } from '../../core/domain/time.js';
import type { BotContext } from '../context.js';
import { isAdmin } from '../filters.js';
import type { Feature } from './index.js';

/**
 * /broadcast_test (a pre-test on a small segment before the real send): today's announcement to ADMIN_IDS
 * and TESTER_IDS only, through the same delivery path as the real one (claimed rows, the outbound
 * budget's bulk lane, 403 handling; docs/broadcast.md). Each run is its own delivery kind (test:<ms>), so it can be
 * repeated and never uses up anyone's real announcement. Admins only; everyone else is refused.
 */
export const broadcastFeature: Feature = (deps) => {
  const composer = new Composer<BotContext>();
  const admin = composer.filter(isAdmin);

  admin.command('broadcast_test', async (ctx) => {
    const s = ctx.s;
    const { t } = ctx;
    const m = await s.catalog.goldenMission();
    if (!m) return void (await ctx.reply(t('broadcastTest.noMission')));
    // the worker's send loop from the composition root (core/services.ts): bulk lane of the one budget
    const b = s.broadcaster;
    if (!b) return void (await ctx.reply(t('broadcastTest.noToken')));
    const ids = [...new Set([...s.config.adminIds, ...s.config.testerIds])];
    const res = await b.run({
      kind: `test:${s.clock.nowMs()}`,
      day: localDate(s),
      segment: { type: 'ids', ids },
      render: (r) => ({ ...announcementMessage(m, r.languageCode, { tz: s.config.tz, webappUrl: deps.webappUrl, texts: s.texts }), variant: 'live' }),
    });
    const e = await estimateAnnouncement(s);
    const eta = e
      ? `\n${t('broadcastTest.eta', { day: e.day, recipients: e.recipients, rate: e.ratePerS, minutes: Math.ceil(e.expectedSeconds / 60), finish: e.expectedFinishLocal, zone: zoneLabel(s.config.tz), outlasts: e.outlastsWindow })}`
      : '';
    await ctx.reply(t('broadcastTest.done', { n: ids.length, sent: res.sent, blocked: res.blocked, failed: res.failed }) + eta);
  });

  return composer;
};
