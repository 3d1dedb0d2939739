import { Composer, InlineKeyboard } from 'grammy';
import type { BotContext } from '../context.js';
import type { Feature } from './index.js';
import { GOLDEN_START_PARAM, webAppUrl } from '../webapp.js';

/**
 * /start (DESIGN.md §5): welcome, a web_app button to the Mini App, and the chat's menu button.
 * `/start golden` (deep link) opens straight on the golden-hour card.
 */
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
    await ctx.reply(golden ? ctx.t('start.welcomeGolden', { name }) : ctx.t('start.welcome', { name }), { reply_markup: keyboard });
    // cosmetic: a failure here is logged, never shown to the player
    await ctx.api
      .setChatMenuButton({ chat_id: ctx.chat.id, menu_button: { type: 'web_app', text: ctx.t('menu.button'), web_app: { url: webappUrl } } })
      .catch((err) => ctx.s.log.warn({ err: String(err) }, 'setChatMenuButton failed'));
  });

  return composer;
};
