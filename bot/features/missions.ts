import { Composer, GrammyError, InlineKeyboard } from 'grammy';
import { isDomainError } from '../../core/domain/errors.js';
import type { MissionView } from '../../core/missions/playerView.js';
import { formatLocal, zoneLabel } from '../../core/domain/time.js';
import type { Services } from '../../core/services.js';
import type { BotContext } from '../context.js';
import type { Translate } from '../i18n.js';
import { errorText } from '../errors.js';
import type { Feature } from './index.js';

/** `■■□ 2/3`; targets above 10 are drawn on 10 cells. */
export function progressBar(progress: number, target: number): string {
  const cells = Math.min(target, 10);
  const filled = Math.min(cells, Math.floor((Math.min(progress, target) / target) * cells));
  return `${'■'.repeat(filled)}${'□'.repeat(cells - filled)} ${progress}/${target}`;
}

export function formatDuration(t: Translate, ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return t('duration.s', { s });
  return t('duration.hm', { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
}

import { hhmm } from '../format.js';

function missionBlock(t: Translate, m: MissionView, nowMs: number, tz: string): string {
  const lines = [m.title, progressBar(m.progress, m.target)];
  if (m.window) {
    let w = t('missions.window', { start: hhmm(m.window.start), end: hhmm(m.window.end), zone: zoneLabel(tz) });
    const opens = Date.parse(m.window.opensAt);
    const closes = Date.parse(m.window.closesAt);
    if (Number.isFinite(opens) && Number.isFinite(closes)) {
      if (m.status !== 'locked' && opens <= nowMs && nowMs < closes) w += ` · ${t('missions.closesIn', { left: formatDuration(t, closes - nowMs) })}`;
      else if (opens > nowMs) w += ` · ${t('missions.opensIn', { at: formatLocal(opens, tz, 'HH:mm'), left: formatDuration(t, opens - nowMs) })}`;
    }
    lines.push(w);
  }
  lines.push(t('missions.rewards', m.rewards) + (m.autoClaim ? ` ${t('missions.autoClaim')}` : ''));
  if (m.status === 'locked') lines.push(t('missions.locked'));
  else if (m.status === 'claimed') lines.push(t('missions.claimed'));
  else if (m.status === 'completed') lines.push(t('missions.completed'));
  return lines.join('\n');
}

/** The /missions message and its keyboard: one Claim button per claimable mission. */
export async function renderMissions(s: Services, t: Translate, userId: number): Promise<{ text: string; keyboard: InlineKeyboard }> {
  const { missions } = await s.listMissions(userId);
  const nowMs = s.clock.nowMs();
  const header = t('missions.header', { now: formatLocal(nowMs, s.config.tz, 'MM-DD HH:mm'), zone: zoneLabel(s.config.tz) });
  const keyboard = new InlineKeyboard();
  for (const m of missions) {
    if (m.status === 'completed' && !m.autoClaim) keyboard.text(t('missions.claimButton', { title: m.title }), `claim:${m.id}`).row();
  }
  keyboard.text(t('missions.refresh'), 'missions:refresh');
  const body = missions.length ? missions.map((m) => missionBlock(t, m, nowMs, s.config.tz)).join('\n\n') : t('missions.empty');
  return { text: `${header}\n\n${body}`, keyboard };
}

const notModified = (err: unknown) => err instanceof GrammyError && /message is not modified/i.test(err.description);

/**
 * /missions and the Claim button (docs/design.md). A claim goes through s.claim — the same core
 * path and exactly-once guarantee as POST /api/mission/{id}/claim — then the message is edited
 * in place. A second tap gets "already claimed" and pays nothing.
 */
export const missionsFeature: Feature = () => {
  const composer = new Composer<BotContext>();

  composer.command('missions', async (ctx) => {
    if (!ctx.from) return;
    const { text, keyboard } = await renderMissions(ctx.s, ctx.t, ctx.from.id);
    await ctx.reply(text, { reply_markup: keyboard });
  });

  const refresh = async (ctx: BotContext) => {
    const { text, keyboard } = await renderMissions(ctx.s, ctx.t, ctx.from!.id);
    await ctx.editMessageText(text, { reply_markup: keyboard }).catch((err) => {
      if (!notModified(err)) throw err;
    });
  };

  composer.callbackQuery('missions:refresh', async (ctx) => {
    await ctx.answerCallbackQuery();
    await refresh(ctx);
  });

  composer.callbackQuery(/^claim:(\d{1,9})$/, async (ctx) => {
    const missionId = Number(ctx.match[1]);
    const { s } = ctx;
    try {
      const r = await s.claim(ctx.from.id, missionId);
      s.metrics.missionClaim.inc({ result: 'ok' });
      s.log.info({ userId: ctx.from.id, missionId, periodKey: r.periodKey, verdict: 'claimed', via: 'bot' }, 'claim');
      await ctx.answerCallbackQuery({ text: ctx.t('missions.claimedToast', r.rewards) });
    } catch (err) {
      if (!isDomainError(err)) throw err;
      s.metrics.missionClaim.inc({ result: err.code });
      await ctx.answerCallbackQuery({ text: errorText(ctx.t, err), show_alert: err.code !== 'ALREADY_CLAIMED' });
    }
    await refresh(ctx);
  });

  return composer;
};
