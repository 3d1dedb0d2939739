import { ko, type Messages } from './locales/ko.js';
import { en } from './locales/en.js';
import { langOf as langOfCode, type Lang } from '../core/domain/language.js';

/**
 * Bot text lookup: Korean by default, English when Telegram says the user's language is
 * something else (docs/design.md, Rules). A missing language_code counts as Korean.
 */
export type { Lang };
export type MessageKey = keyof Messages;

const LOCALES: Record<Lang, Messages> = { ko, en };

/** The user's language: core/domain/language.ts decides what counts as Korean. */
export const langOf = (from: { language_code?: string } | undefined | null): Lang => langOfCode(from?.language_code);

type ParamsOf<K extends MessageKey> = Messages[K] extends (p: infer P) => string ? [params: P] : [];

export function translate<K extends MessageKey>(lang: Lang, key: K, ...params: ParamsOf<K>): string {
  const entry = LOCALES[lang][key] as string | ((p: unknown) => string);
  return typeof entry === 'function' ? entry(params[0]) : entry;
}

export type Translate = <K extends MessageKey>(key: K, ...params: ParamsOf<K>) => string;

export const translatorFor = (lang: Lang): Translate => (key, ...params) => translate(lang, key, ...params);
