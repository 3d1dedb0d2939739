import type { Api } from 'grammy';
import type { InlineQueryResultArticle } from 'grammy/types';
import { zoneLabel } from '../domain/time.js';
import { hhmm } from '../domain/window.js';
import type { Lang } from '../domain/language.js';
import type { Rewards } from '../missions/catalog.js';
import type { MissionView } from '../missions/playerView.js';

/**
 * "Share" after a golden claim (docs/miniapp.md): the bot prepares an inline message that the
 * player sends from the Mini App with Telegram's shareMessage (Bot API 8.0,
 * savePreparedInlineMessage). Its button is the deep link t.me/<bot>?start=golden, which the
 * bot answers with the button that opens the golden card (bot/webapp.ts). The API's share route
 * and the bot both build on this; the words come from the locales (`ShareTexts`, docs/design.md, Layers).
 */
export interface GoldenShare {
  preparedMessageId: string;
  link: string;
}

/** The `/start` parameter that opens the golden-hour card (t.me/<bot>?start=golden). */
export const GOLDEN_START_PARAM = 'golden';

export function goldenDeepLink(botUsername: string): string {
  return `https://t.me/${botUsername}?start=${GOLDEN_START_PARAM}`;
}

/** What the shared message says, read from the mission: HH:MM times and the zone label. */
export interface GoldenShareFacts {
  rewards: Rewards;
  start: string;
  end: string;
  zone: string;
  target: number;
}

/** The shared message's words, from the bot's locales (bot/notifications.ts). */
export interface ShareTexts {
  goldenShare(lang: Lang, f: GoldenShareFacts): { title: string; text: string; open: string };
}

export async function prepareGoldenShare(
  api: Pick<Api, 'savePreparedInlineMessage'>,
  botUsername: string,
  userId: number,
  lang: Lang,
  m: MissionView,
  c: { tz: string; texts: ShareTexts },
): Promise<GoldenShare> {
  const link = goldenDeepLink(botUsername);
  const t = c.texts.goldenShare(lang, {
    rewards: m.rewards,
    start: m.window ? hhmm(m.window.start) : '',
    end: m.window ? hhmm(m.window.end) : '',
    zone: zoneLabel(c.tz),
    target: m.target,
  });
  const result: InlineQueryResultArticle = {
    type: 'article',
    id: `golden-${m.periodKey}-${userId}`.slice(0, 64),
    title: t.title,
    description: t.text.split('\n')[0],
    input_message_content: { message_text: t.text },
    reply_markup: { inline_keyboard: [[{ text: t.open, url: link }]] },
  };
  const prepared = await api.savePreparedInlineMessage(userId, result, { allow_user_chats: true, allow_group_chats: true, allow_channel_chats: true });
  return { preparedMessageId: prepared.id, link };
}
