import { ko, type Messages } from './locales/ko.js';
import { en } from './locales/en.js';

/**
 * Bot text lookup: Korean by default, English when Telegram says the user's language is
 * something else (DESIGN.md §5). A missing language_code counts as Korean.
 */
export type Lang = 'ko' | 'en';
export type MessageKey = keyof Messages;

const LOCALES: Record<Lang, Messages> = { ko, en };

export function langOf(from: { language_code?: string } | undefined | null): Lang {
  const code = from?.language_code?.toLowerCase();
  return !code || code === 'ko' || code.startsWith('ko-') ? 'ko' : 'en';
}

type ParamsOf<K extends MessageKey> = Messages[K] extends (p: infer P) => string ? [params: P] : [];

export function translate<K extends MessageKey>(lang: Lang, key: K, ...params: ParamsOf<K>): string {
  const entry = LOCALES[lang][key] as string | ((p: unknown) => string);
  return typeof entry === 'function' ? entry(params[0]) : entry;
}

export type Translate = <K extends MessageKey>(key: K, ...params: ParamsOf<K>) => string;

export const translatorFor = (lang: Lang): Translate => (key, ...params) => translate(lang, key, ...params);
