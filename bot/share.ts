import type { Api } from 'grammy';
import type { InlineQueryResultArticle } from 'grammy/types';
import { zoneLabel } from '../core/domain/time.js';
import type { MissionView } from '../core/missions/playerView.js';
import { hhmm } from './format.js';
import { translate, type Lang } from './i18n.js';
import { GOLDEN_START_PARAM } from './webapp.js';

/**
 * "Share" after a golden claim (docs/miniapp.md): the bot prepares an inline message that the
 * player sends from the Mini App with Telegram's shareMessage (Bot API 8.0,
 * savePreparedInlineMessage). Its button is the deep link t.me/<bot>?start=golden, which the
 * bot answers with the button that opens the golden card (bot/webapp.ts).
 */
export interface GoldenShare {
  preparedMessageId: string;
  link: string;
}

export function goldenDeepLink(botUsername: string): string {
  return `https://t.me/${botUsername}?start=${GOLDEN_START_PARAM}`;
}

export async function prepareGoldenShare(api: Api, botUsername: string, userId: number, lang: Lang, m: MissionView, tz: string): Promise<GoldenShare> {
  const link = goldenDeepLink(botUsername);
  const text = translate(lang, 'share.golden.text', {
    rewards: translate(lang, 'missions.rewards', m.rewards),
    start: m.window ? hhmm(m.window.start) : '',
    end: m.window ? hhmm(m.window.end) : '',
    zone: zoneLabel(tz),
    target: m.target,
  });
  const result: InlineQueryResultArticle = {
    type: 'article',
    id: `golden-${m.periodKey}-${userId}`.slice(0, 64),
    title: translate(lang, 'share.golden.title'),
    description: text.split('\n')[0],
    input_message_content: { message_text: text },
    reply_markup: { inline_keyboard: [[{ text: translate(lang, 'share.golden.open'), url: link }]] },
  };
  const prepared = await api.savePreparedInlineMessage(userId, result, { allow_user_chats: true, allow_group_chats: true, allow_channel_chats: true });
  return { preparedMessageId: prepared.id, link };
}
