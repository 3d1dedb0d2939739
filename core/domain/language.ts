/**
 * Is this player Korean? Telegram's `language_code` is an IETF tag: "ko" or "ko-KR" is Korean;
 * "kok" (Konkani) is not, which a prefix test would get wrong. Korean is the default, so a missing
 * code counts as Korean (docs/design.md, Rules). The Mini App imports it too
 * (webapp/client/src/i18n.ts): keep this file free of imports so it bundles for the browser.
 */
export function isKorean(languageCode: string | null | undefined): boolean {
  if (!languageCode) return true;
  const code = languageCode.toLowerCase();
  return code === 'ko' || code.startsWith('ko-');
}

export type Lang = 'ko' | 'en';

/** The language a text is written in for this player: Korean first, English otherwise. */
export const langOf = (languageCode: string | null | undefined): Lang => (isKorean(languageCode) ? 'ko' : 'en');
