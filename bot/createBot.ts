import { Api, Bot, type BotError, type Context, type MiddlewareFn } from 'grammy';
import { outboundTransformer } from '../core/delivery/budget.js';
import { sequentialize } from '@grammyjs/runner';
import { conversations } from '@grammyjs/conversations';
import { DomainError } from '../core/domain/errors.js';
import type { Services } from '../core/services.js';
import type { BotContext, BotDeps, BotExtras, DownloadFile } from './context.js';
import { langOf, translatorFor } from './i18n.js';
import { conversationStorage } from './conversationStorage.js';
import { features, type FeatureDeps } from './features/index.js';

export const DEFAULT_API_ROOT = 'https://api.telegram.org';

/** ctx.s, ctx.lang, ctx.t — installed on the outer bot and inside every conversation. */
export function extrasMiddleware<C extends Context & BotExtras>(s: Services): MiddlewareFn<C> {
  return (ctx, next) => {
    ctx.s = s;
    ctx.lang = langOf(ctx.from);
    ctx.t = translatorFor(ctx.lang);
    return next();
  };
}

/**
 * The bot (docs/design.md), built from its dependencies so tests can point it at an emulator or
 * a recording transport. Features come from bot/features/index.ts in order. Errors in one update
 * are caught here, logged, and answered with a short apology; they never stop the bot.
 */
export function createBot(deps: BotDeps): Bot<BotContext> {
  const { s } = deps;
  const apiRoot = (deps.apiRoot ?? s.config.telegramApiRoot ?? DEFAULT_API_ROOT).replace(/\/+$/, '');
  const bot = new Bot<BotContext>(deps.token, { botInfo: deps.botInfo, client: { apiRoot } });
  // Every answer waits for its slot in the one outbound budget (interactive lane, first in line;
  // docs/broadcast.md). A 429 pauses the whole budget once and the answer takes a new slot, so a
  // burst is answered in full instead of each handler retrying on its own and giving up.
  // Network errors are not retried (the request may have landed): the runner and run.ts retry their own calls.
  bot.api.config.use(outboundTransformer(deps.outbound ?? s.outbound, 'interactive'));

  const onError = async (err: BotError<BotContext>) => {
    const ctx = err.ctx;
    s.log.error({ err: err.error, updateId: ctx.update.update_id, userId: ctx.from?.id }, 'bot update failed');
    const t = ctx.t ?? translatorFor(langOf(ctx.from));
    const text = t('error.generic');
    try {
      if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text, show_alert: true }).catch(() => {});
      if (ctx.chat) await ctx.reply(text);
    } catch (e) {
      s.log.warn({ err: e }, 'could not send the apology');
    }
  };
  bot.catch(onError);

  // one update at a time per chat (runner processes chats concurrently); conversations rely on it
  bot.use(sequentialize((ctx: Context) => ctx.chat?.id.toString() ?? ctx.from?.id.toString()));
  bot.use(extrasMiddleware<BotContext>(s));
  bot.use((ctx, next) => {
    // any bot update is activity (feeds the announcement audience and CCU)
    const u = ctx.from;
    if (u && !u.is_bot) s.activity.seen({ id: u.id, firstName: u.first_name, username: u.username ?? null, languageCode: u.language_code ?? null });
    return next();
  });

  const guarded = bot.errorBoundary(onError);
  guarded.use(
    conversations<BotContext, Context & BotExtras>({
      storage: conversationStorage(s),
      plugins: [inheritTransformers(bot), extrasMiddleware<Context & BotExtras>(s)],
    }),
  );
  const featureDeps: FeatureDeps = {
    ...deps,
    apiRoot,
    webappUrl: deps.webappUrl ?? s.config.webappUrl,
    downloadFile: deps.downloadFile ?? httpDownload(apiRoot, deps.token),
  };
  for (const feature of features) guarded.use(feature(featureDeps));
  return bot;
}

/**
 * Conversations build their own Api per replay without the bot's transformers (the outbound budget, a
 * test recorder). Give them the bot's, INSIDE the conversation's own recording transformer, so
 * a replay reuses recorded results instead of calling Telegram again.
 */
function inheritTransformers(bot: Bot<BotContext>): MiddlewareFn<Context & BotExtras> {
  return (ctx, next) => {
    const api = new Api(ctx.api.token, ctx.api.options);
    api.config.use(...bot.api.config.installedTransformers(), ...ctx.api.config.installedTransformers());
    Object.defineProperty(ctx, 'api', { value: api, configurable: true });
    return next();
  };
}

/** getFile, then fetch `<apiRoot>/file/bot<token>/<file_path>`, refusing more than maxBytes. */
export function httpDownload(apiRoot: string, token: string): DownloadFile {
  return async (api, fileId, maxBytes) => {
    const f = await api.getFile(fileId);
    if (f.file_size !== undefined && f.file_size > maxBytes) throw new DomainError('PAYLOAD_TOO_LARGE', `file over ${maxBytes} bytes`);
    if (!f.file_path) throw new DomainError('NOT_FOUND', 'Telegram did not return a file path');
    const res = await fetch(`${apiRoot}/file/bot${token}/${f.file_path}`);
    if (!res.ok || !res.body) throw new Error(`file download failed: HTTP ${res.status}`);
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > maxBytes) throw new DomainError('PAYLOAD_TOO_LARGE', `file over ${maxBytes} bytes`);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  };
}
