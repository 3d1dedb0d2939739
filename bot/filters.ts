import type { BotContext } from './context.js';

/**
 * ADMIN_IDS only (docs/design.md). Use as `composer.filter(isAdmin)`; pair with `refuseNonAdmins`
 * so everyone else is told no instead of hearing silence.
 */
export const isAdmin = (ctx: BotContext): boolean => ctx.from !== undefined && ctx.s.isAdmin(ctx.from.id);

/** Replies with the refusal (and answers a callback query) — nothing else happens. */
export async function refuse(ctx: BotContext): Promise<void> {
  const text = ctx.t('admin.refused');
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text, show_alert: true });
  else await ctx.reply(text);
}
