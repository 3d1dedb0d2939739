import type { Hono } from 'hono';
import { Api } from 'grammy';
import { langOf } from '../../../core/domain/language.js';
import { prepareGoldenShare } from '../../../core/delivery/share.js';
import type { Services } from '../../../core/services.js';
import { DomainError } from '../../../core/domain/errors.js';
import type { AuthEnv } from '../auth.js';

/**
 * What the Mini App shares after a golden claim (docs/miniapp.md):
 *
 *   POST /api/share/golden → { preparedMessageId, link }
 *
 * The bot prepares the message (Bot API savePreparedInlineMessage) with the deep link to the
 * golden card. 409 NOT_COMPLETED before the player claimed the golden mission; 503
 * SERVICE_UNAVAILABLE without BOT_TOKEN or when the Bot API fails — the client then offers no
 * message share (a story needs no bot).
 */
export function shareRoutes(app: Hono<AuthEnv>, s: Services, o: { api?: Api } = {}) {
  const token = s.config.botToken;
  const api = o.api ?? (token ? new Api(token, s.config.telegramApiRoot ? { apiRoot: s.config.telegramApiRoot } : undefined) : null);
  let username: Promise<string> | null = null;
  const botUsername = () => (username ??= api!.getMe().then((me) => me.username).catch((err) => ((username = null), Promise.reject(err))));

  app.post('/api/share/golden', async (c) => {
    if (!api) throw new DomainError('SERVICE_UNAVAILABLE', 'no BOT_TOKEN: the bot cannot prepare a message');
    const u = c.get('user');
    const { missions } = await s.listMissions(u.id);
    const golden = missions.find((m) => m.isGoldenHour && m.status === 'claimed');
    if (!golden) throw new DomainError('NOT_COMPLETED', 'share follows a golden-hour claim');
    const lang = langOf(u.languageCode);
    try {
      return c.json(await prepareGoldenShare(api, await botUsername(), u.id, lang, golden, { tz: s.config.tz, texts: s.texts }));
    } catch (err) {
      s.log.warn({ err, userId: u.id }, 'share: the Bot API did not prepare the message');
      throw new DomainError('SERVICE_UNAVAILABLE', 'the Bot API did not prepare the message');
    }
  });
}
