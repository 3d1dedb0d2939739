import type { Bot } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import type { BotContext } from '../../bot/context.js';

export const BOT_INFO = {
  id: 4242,
  is_bot: true,
  first_name: 'Golden Hour Test',
  username: 'golden_hour_test_bot',
  can_join_groups: false,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
} as unknown as UserFromGetMe;

export interface RecordedCall {
  method: string;
  payload: Record<string, unknown>;
}

/**
 * The recorded-transport harness: every Bot API call is captured and answered with a plausible
 * fake result, without any network. `files` maps file_id → { path, size } for getFile.
 */
export function recordCalls(bot: Bot<BotContext>, files: Map<string, { path: string; size: number }> = new Map()) {
  const calls: RecordedCall[] = [];
  let messageId = 5000;
  bot.api.config.use(async (_prev, method, payload) => {
    const p = (payload ?? {}) as Record<string, unknown>;
    calls.push({ method, payload: p });
    let result: unknown = true;
    if (method === 'sendMessage' || method === 'sendDocument') {
      result = { message_id: ++messageId, date: 1_700_000_000, chat: { id: p.chat_id, type: 'private' }, text: p.text };
    } else if (method === 'editMessageText') {
      result = { message_id: p.message_id, date: 1_700_000_000, chat: { id: p.chat_id, type: 'private' }, text: p.text };
    } else if (method === 'getFile') {
      const f = files.get(String(p.file_id));
      if (!f) return { ok: false, error_code: 400, description: 'Bad Request: invalid file_id' } as never;
      result = { file_id: p.file_id, file_unique_id: `u-${p.file_id}`, file_size: f.size, file_path: f.path };
    } else if (method === 'getMe') {
      result = BOT_INFO;
    }
    return { ok: true, result } as never;
  });
  const of = (method: string) => calls.filter((c) => c.method === method);
  return {
    calls,
    of,
    texts: () => calls.filter((c) => c.method === 'sendMessage' || c.method === 'editMessageText').map((c) => String(c.payload.text)),
    lastText: () => {
      const l = calls.filter((c) => c.method === 'sendMessage' || c.method === 'editMessageText').at(-1);
      return l ? String(l.payload.text) : '';
    },
    clear: () => void calls.splice(0),
  };
}

let updateId = 1;
let incomingId = 1;

export interface FromOpts {
  id: number;
  languageCode?: string;
  firstName?: string;
}

const userOf = (f: FromOpts) => ({ id: f.id, is_bot: false, first_name: f.firstName ?? `Player${f.id}`, language_code: f.languageCode ?? 'ko' });

/** A private-chat text message; a leading /command gets its bot_command entity. */
export function textUpdate(from: FromOpts, text: string): Update {
  const m = /^\/[a-z0-9_]+/i.exec(text);
  return {
    update_id: updateId++,
    message: {
      message_id: incomingId++,
      date: 1_700_000_000,
      chat: { id: from.id, type: 'private', first_name: userOf(from).first_name },
      from: userOf(from),
      text,
      ...(m ? { entities: [{ type: 'bot_command', offset: 0, length: m[0].length }] } : {}),
    },
  } as Update;
}

export function callbackUpdate(from: FromOpts, data: string, messageId = 777): Update {
  return {
    update_id: updateId++,
    callback_query: {
      id: `cb-${updateId}`,
      from: userOf(from),
      chat_instance: 'ci',
      data,
      message: { message_id: messageId, date: 1_700_000_000, chat: { id: from.id, type: 'private', first_name: 'x' }, text: 'old' },
    },
  } as Update;
}

export function documentUpdate(from: FromOpts, doc: { fileId: string; fileName: string; mimeType?: string; size: number }, caption?: string): Update {
  return {
    update_id: updateId++,
    message: {
      message_id: incomingId++,
      date: 1_700_000_000,
      chat: { id: from.id, type: 'private', first_name: 'x' },
      from: userOf(from),
      document: { file_id: doc.fileId, file_unique_id: `u-${doc.fileId}`, file_name: doc.fileName, mime_type: doc.mimeType ?? 'text/csv', file_size: doc.size },
      ...(caption ? { caption } : {}),
    },
  } as Update;
}

/** Buttons of an inline keyboard in a recorded call's payload. */
export function buttonsOf(call: RecordedCall | undefined): Array<{ text: string; callback_data?: string; web_app?: { url: string } }> {
  const markup = call?.payload.reply_markup as { inline_keyboard?: Array<Array<{ text: string; callback_data?: string; web_app?: { url: string } }>> } | undefined;
  return markup?.inline_keyboard?.flat() ?? [];
}
