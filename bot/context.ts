import type { Api, Context, RawApi } from 'grammy';
import type { ConversationFlavor } from '@grammyjs/conversations';
import type { UserFromGetMe } from 'grammy/types';
import type { Services } from '../core/services.js';
import type { OutboundBudget } from '../core/delivery/budget.js';
import type { Lang, Translate } from './i18n.js';

/** What every handler can read from its context: the shared services and the user's language. */
export interface BotExtras {
  s: Services;
  lang: Lang;
  t: Translate;
}

export type BotContext = ConversationFlavor<Context & BotExtras>;

/** Downloads a Telegram file by id (getFile + file URL); tests may inject their own. */
export type DownloadFile = (api: Api<RawApi>, fileId: string, maxBytes: number) => Promise<Uint8Array>;

export interface BotDeps {
  s: Services;
  token: string;
  /** Bot API base (TELEGRAM_API_ROOT), e.g. a local emulator; default https://api.telegram.org */
  apiRoot?: string;
  /** skip getMe on start (tests, webhook cold starts) */
  botInfo?: UserFromGetMe;
  /** Mini App URL; defaults to s.config.webappUrl */
  webappUrl?: string;
  downloadFile?: DownloadFile;
  /** the outbound budget the bot's answers wait in; default the services' (core/services.ts) */
  outbound?: OutboundBudget;
}
