import { Api, Composer } from 'grammy';
import { announcementMessage, broadcasterFor, estimateAnnouncement, announcedMission, localDate } from '../../core/delivery/broadcast.js';
import type { BotContext } from '../context.js';
import { isAdmin } from '../filters.js';
import type { Feature } from './index.js';

/**
 * /broadcast_test (DESIGN.md §5; plan §12.2 "소수 세그먼트 대상 선행 테스트"): today's announcement
 * to ADMIN_IDS and TESTER_IDS only, through the same delivery path as the real one (claimed rows,
 * shared rate limit, 403 handling). Each run is its own delivery kind (test:<ms>), so it can be
 * repeated and never uses up anyone's real announcement. Admins only; everyone else is refused.
 */
export const broadcastFeature: Feature = (deps) => {
  const composer = new Composer<BotContext>();
  const admin = composer.filter(isAdmin);

  admin.command('broadcast_test', async (ctx) => {
    const s = ctx.s;
    const ko = ctx.lang === 'ko';
    const m = await announcedMission(s);
    if (!m?.window) return void (await ctx.reply(ko ? '골든아워 미션(시간대 포함)이 없습니다.' : 'There is no golden-hour mission with a window.'));
    const b = broadcasterFor(s, new Api(deps.token, deps.apiRoot ? { apiRoot: deps.apiRoot } : undefined));
    if (!b) return void (await ctx.reply(ko ? 'BOT_TOKEN이 없어 보낼 수 없습니다.' : 'BOT_TOKEN is not set.'));
    const ids = [...new Set([...s.config.adminIds, ...s.config.testerIds])];
    const res = await b.run({
      kind: `test:${s.clock.nowMs()}`,
      day: localDate(s),
      segment: { type: 'ids', ids },
      render: (r) => announcementMessage(m, r.languageCode, { tz: s.config.tz, webappUrl: deps.webappUrl }),
    });
    const e = await estimateAnnouncement(s);
    const eta = e
      ? ko
        ? `\n실제 공지(${e.day}): ${e.recipients}명, 초당 ${e.ratePerS}건 → 약 ${Math.ceil(e.expectedSeconds / 60)}분, ${e.expectedFinishLocal} 완료 예상${e.outlastsWindow ? ' ⚠️ 시간대 종료 후' : ''}`
        : `\nReal announcement (${e.day}): ${e.recipients} players at ${e.ratePerS}/s → about ${Math.ceil(e.expectedSeconds / 60)} min, done by ${e.expectedFinishLocal}${e.outlastsWindow ? ' ⚠️ after the window closes' : ''}`
      : '';
    await ctx.reply(
      (ko
        ? `테스트 발송 완료 (관리자·테스터 ${ids.length}명): 성공 ${res.sent}, 차단 ${res.blocked}, 실패 ${res.failed}`
        : `Test send done (${ids.length} admins and testers): sent ${res.sent}, blocked ${res.blocked}, failed ${res.failed}`) + eta,
    );
  });

  return composer;
};
