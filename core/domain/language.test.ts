import { describe, expect, it } from 'vitest';
import { isKorean, langOf } from './language.js';

describe('a player is Korean for ko and ko-*, or without a language; anyone else reads English', () => {
  it('ko, ko-KR and KO count as Korean', () => {
    for (const c of ['ko', 'ko-KR', 'KO', 'ko-kr']) expect(isKorean(c)).toBe(true);
  });
  it('a missing language counts as Korean (the default)', () => {
    expect(isKorean(undefined)).toBe(true);
    expect(isKorean(null)).toBe(true);
    expect(isKorean('')).toBe(true);
  });
  it('kok (Konkani) and other languages are not Korean', () => {
    for (const c of ['kok', 'kok-IN', 'en', 'en-US', 'ja']) expect(isKorean(c)).toBe(false);
    expect(langOf('kok')).toBe('en');
    expect(langOf('ko-KR')).toBe('ko');
  });
});
