import { Composer, InlineKeyboard } from 'grammy';
import type { BotContext } from '../context.js';
import type { Feature } from './index.js';
import { GOLDEN_START_PARAM, webAppUrl } from '../webapp.js';
import { hhmm } from '../format.js';
import { zoneLabel } from '../../core/domain/time.js';
import { periodKey } from '../../core/domain/window.js';
import { missionAsSeenBy } from '../../core/missions/playerView.js';

/**
 * /start (docs/bot.md): welcome, a web_app button to the Mini App, and the chat's menu button.
 * `/start golden` (deep link) opens straight on the golden-hour card.
 */
/**
 * The welcome names the golden-hour mission's current window and rewards, read from the catalog, as
 * this player sees them in the current period (the mission list's rule: a variant player reads their
 * variant's rewards; a holdout player, who does not see the mission, gets the plain welcome).
 */
async function welcomeText(ctx: BotContext, userId: number, name: string): Promise<string> {
  const golden = await ctx.s.catalog.goldenMission();
  const m = golden && missionAsSeenBy(await ctx.s.experiments.timeline(), golden, userId, periodKey(golden, ctx.s.clock.nowMs(), ctx.s.config.tz));
  if (!m) return ctx.t('start.welcomePlain', { name });
  return ctx.t('start.welcome', {
    name,
    start: hhmm(m.window.start),
    end: hhmm(m.window.end),
    zone: zoneLabel(ctx.s.config.tz),
    target: m.target,
    rewards: ctx.t('rewards.list', m.rewards),
    multiplier: m.vaultAccrualMultiplier,
  });
}

export const welcomeFeature: Feature = ({ webappUrl }) => {
  const composer = new Composer<BotContext>();
  const privateChats = composer.chatType('private');

  privateChats.command('start', async (ctx) => {
    const golden = ctx.match.trim().toLowerCase() === GOLDEN_START_PARAM;
    const name = ctx.from.first_name;
    const keyboard = new InlineKeyboard().webApp(
      golden ? ctx.t('start.openGolden') : ctx.t('start.openApp'),
      webAppUrl(webappUrl, golden ? GOLDEN_START_PARAM : undefined),
    );
    await ctx.reply(golden ? ctx.t('start.welcomeGolden', { name }) : await welcomeText(ctx, ctx.from.id, name), { reply_markup: keyboard });
    // cosmetic: a failure here is logged, never shown to the player
    await ctx.api
      .setChatMenuButton({ chat_id: ctx.chat.id, menu_button: { type: 'web_app', text: ctx.t('menu.button'), web_app: { url: webappUrl } } })
      .catch((err) => ctx.s.log.warn({ err: String(err) }, 'setChatMenuButton failed'));
  });

  return composer;
};
