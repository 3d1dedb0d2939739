import { safeEqual } from '../core/platform/safeEqual.js';
import type { Hono } from 'hono';
import type { Bot } from 'grammy';
import type { Update } from 'grammy/types';
import { run, type RunnerHandle } from '@grammyjs/runner';
import type { Services } from '../core/services.js';
import type { AuthEnv } from '../webapp/server/auth.js';
import type { BotContext, BotDeps } from './context.js';
import { createBot } from './createBot.js';
import { translate } from './i18n.js';
import { commandMenu } from './commands.js';
import { UpdateQueue } from './updateQueue.js';

export const WEBHOOK_PATH = '/telegram/webhook';
export const SECRET_HEADER = 'X-Telegram-Bot-Api-Secret-Token';

export interface BotHandle {
  bot: Bot<BotContext>;
  /** webhook mode: adds POST /telegram/webhook to the API app */
  mount?: (app: Hono<AuthEnv>) => void;
  /** polling: settles once connected, or once stop() gave up connecting */
  connected?: Promise<void>;
  stop(): Promise<void>;
}


/**
 * POST /telegram/webhook: the secret header is checked before anything else, so a wrong or
 * missing `X-Telegram-Bot-Api-Secret-Token` gets 401 and no update is parsed or processed.
 * A good one is answered at once (200) and handled from the queue (bot/updateQueue.ts): a slow
 * handler never makes Telegram resend, and a resent update_id is handled once.
 */
export function webhookRoute(bot: Bot<BotContext>, secret: string, queue: UpdateQueue, log?: Services['log']) {
  return (app: Hono<AuthEnv>) => {
    app.post(WEBHOOK_PATH, async (c) => {
      if (!safeEqual(c.req.header(SECRET_HEADER), secret)) {
        log?.warn({ ip: c.req.header('x-forwarded-for') }, 'webhook call with a wrong secret');
        return c.json({ ok: false, error: 'unauthorized' }, 401);
      }
      let update: Update;
      try {
        update = await c.req.json<Update>();
      } catch {
        return c.json({ ok: false, error: 'bad update' }, 400);
      }
      if (typeof update?.update_id !== 'number') return c.json({ ok: false, error: 'bad update' }, 400);
      const r = await queue.accept(update);
      // overflow: 503, so Telegram delivers it again later instead of it being lost
      return c.json({ ok: r !== 'overflow' }, r === 'overflow' ? 503 : 200);
    });
  };
}

/** The webhook's queue for a bot, on the shared key-value store (Redis when configured). */
export const webhookQueue = (bot: Bot<BotContext>, s: Services) => new UpdateQueue({ bot, kv: s.stores.kv, log: s.log, metrics: s.metrics });

/**
 * Calls that only decorate the bot (command list, menu button). A failure is logged and retried
 * later with backoff; it never stops the bot. Returns a cancel function.
 */
export function scheduleCosmetics(bot: Bot<BotContext>, s: Services, webappUrl: string, opts: { retryMs?: number; maxAttempts?: number } = {}): () => void {
  const retryMs = opts.retryMs ?? 60_000;
  const maxAttempts = opts.maxAttempts ?? 10;
  let timer: NodeJS.Timeout | null = null;
  let cancelled = false;
  const steps: Array<[string, () => Promise<unknown>]> = [
    ['setMyCommands', () => bot.api.setMyCommands(commandMenu('ko'))],
    ['setMyCommands(en)', () => bot.api.setMyCommands(commandMenu('en'), { language_code: 'en' })],
    ...s.config.adminIds.map(
      (id): [string, () => Promise<unknown>] => [
        `setMyCommands(admin ${id})`,
        () =>
          bot.api.setMyCommands(commandMenu('ko', true), { scope: { type: 'chat', chat_id: id } }),
      ],
    ),
    ['setChatMenuButton', () => bot.api.setChatMenuButton({ menu_button: { type: 'web_app', text: translate('ko', 'menu.button'), web_app: { url: webappUrl } } })],
  ];
  const attempt = async (n: number) => {
    const failed: typeof steps = [];
    for (const step of [...steps]) {
      if (cancelled) return;
      try {
        await step[1]();
        steps.splice(steps.indexOf(step), 1);
      } catch (err) {
        failed.push(step);
        s.log.warn({ err: String(err), call: step[0], attempt: n }, 'cosmetic bot call failed; will retry');
      }
    }
    if (failed.length && n < maxAttempts && !cancelled) {
      timer = setTimeout(() => void attempt(n + 1), retryMs * Math.min(n, 10));
      timer.unref();
    }
  };
  void attempt(1);
  return () => {
    cancelled = true;
    if (timer) clearTimeout(timer);
  };
}

/**
 * Starts the bot role: long polling through @grammyjs/runner (default) or a webhook mounted on
 * the Hono server (BOT_MODE=webhook, WEBHOOK_SECRET required). stop() is graceful (SIGTERM).
 */
export async function startBot(s: Services, overrides: Partial<BotDeps> = {}): Promise<BotHandle> {
  const { config, log } = s;
  const token = overrides.token ?? config.botToken;
  if (!token) throw new Error('BOT_TOKEN is required for the bot role');
  const bot = createBot({ s, token, ...overrides });
  const webappUrl = overrides.webappUrl ?? config.webappUrl;
  let cancelCosmetics = () => {};

  if (config.botMode === 'webhook') {
    const secret = config.webhookSecret!;
    const url = webhookTarget(config.webhookUrl!);
    let timer: NodeJS.Timeout | null = null;
    let stopped = false;
    const register = async (n: number) => {
      if (stopped) return;
      try {
        await bot.api.setWebhook(url, { secret_token: secret, drop_pending_updates: false });
        log.info({ url }, 'bot webhook registered');
        cancelCosmetics = scheduleCosmetics(bot, s, webappUrl);
      } catch (err) {
        if (stopped) return;
        log.error({ err: String(err), attempt: n }, 'setWebhook failed; retrying');
        timer = setTimeout(() => void register(n + 1), Math.min(60_000, 2000 * n));
        timer.unref();
      }
    };
    void register(1);
    const queue = webhookQueue(bot, s);
    return {
      bot,
      mount: webhookRoute(bot, secret, queue, log),
      async stop() {
        stopped = true;
        cancelCosmetics();
        if (timer) clearTimeout(timer);
        // updates already answered 200 are finished before the process goes
        await queue.idle();
      },
    };
  }

  // Telegram being unreachable at start must not take the API and worker down with it: connect
  // in the background and keep retrying (a bad token is logged on every attempt)
  let runner: RunnerHandle | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const abort = new AbortController();
  const connect = async (n: number) => {
    try {
      await bot.init(abort.signal as Parameters<typeof bot.init>[0]); // grammY itself retries network errors here, with backoff
      await bot.api.deleteWebhook().catch((err) => log.warn({ err: String(err) }, 'deleteWebhook failed'));
      if (stopped) return;
      runner = run(bot, { runner: { fetch: { allowed_updates: ['message', 'callback_query', 'my_chat_member'] } } });
      log.info({ username: bot.botInfo.username }, 'bot polling');
      cancelCosmetics = scheduleCosmetics(bot, s, webappUrl);
    } catch (err) {
      if (stopped) return;
      log.error({ err: String(err), attempt: n }, 'bot could not reach Telegram; retrying');
      timer = setTimeout(() => void connect(n + 1), Math.min(60_000, 2000 * n));
      timer.unref();
    }
  };
  const connected = connect(1);
  return {
    bot,
    connected,
    async stop() {
      stopped = true;
      abort.abort();
      if (timer) clearTimeout(timer);
      cancelCosmetics();
      await connected;
      const r = runner as RunnerHandle | null;
      if (r?.isRunning()) await r.stop();
    },
  };
}

/** WEBHOOK_URL may be the public origin or the full hook URL; a bare origin gets /telegram/webhook. */
export function webhookTarget(webhookUrl: string): string {
  const u = new URL(webhookUrl);
  if (u.pathname === '/' || u.pathname === '') u.pathname = WEBHOOK_PATH;
  return u.toString();
}
