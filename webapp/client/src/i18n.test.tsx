// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { createApi } from './api';
import { GoldenCard } from './components/MissionCards';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage, KNOWN_ERROR_CODES, langOf, t, zoneLabel } from './i18n';
import { goldenMission, json, kstMs } from './testing';

const CLAIM_CODES = [
  'IDEMPOTENCY_KEY_REQUIRED',
  'IDEMPOTENCY_KEY_REUSED',
  'REQUEST_IN_PROGRESS',
  'ALREADY_CLAIMED',
  'NOT_COMPLETED',
  'OUTSIDE_WINDOW',
  'MISSION_NOT_FOUND',
  'UNAUTHORIZED',
  'RATE_LIMITED',
  'NETWORK',
  'TIMEOUT',
  'SERVICE_UNAVAILABLE',
  'INTERNAL',
];

describe('error codes → Korean and English messages', () => {
  afterEach(cleanup);

  it('every claim error code has its own message in both languages', () => {
    for (const lang of ['ko', 'en'] as const) {
      const msgs = CLAIM_CODES.map((c) => errorMessage(lang, c, 3));
      for (const [i, m] of msgs.entries()) {
        expect(KNOWN_ERROR_CODES, CLAIM_CODES[i]).toContain(CLAIM_CODES[i]);
        expect(m, `${lang} ${CLAIM_CODES[i]}`).not.toMatch(/unexpected|알 수 없는/i);
      }
      expect(new Set(msgs).size).toBe(msgs.length);
    }
    expect(errorMessage('ko', 'ALREADY_CLAIMED')).toBe('이미 받은 보상이에요.');
    expect(errorMessage('en', 'OUTSIDE_WINDOW')).toContain('Outside the event window');
  });

  it('RATE_LIMITED says how long to wait', () => {
    expect(errorMessage('ko', 'RATE_LIMITED', 7)).toContain('7초 후에');
    expect(errorMessage('en', 'RATE_LIMITED', 2.2)).toContain('3 s');
  });

  it('an unknown code still gets a readable message naming the code', () => {
    expect(errorMessage('ko', 'WHATEVER')).toContain('WHATEVER');
  });

  it('Korean first: no language or ko-* is Korean, anything else English', () => {
    expect(langOf(undefined)).toBe('ko');
    expect(langOf('ko')).toBe('ko');
    expect(langOf('ko-KR')).toBe('ko');
    expect(langOf('en')).toBe('en');
    expect(langOf('ja')).toBe('en');
    expect(langOf('KO-kr')).toBe('ko');
    expect(langOf('kok')).toBe('en');
  });

  it('problem+json and Retry-After become an ApiError with code and retryAfterS', async () => {
    const api = createApi({ auth: () => 'x', fetch: (async () => json({ code: 'RATE_LIMITED', detail: 'slow' }, 429, { 'retry-after': '4' })) as typeof fetch });
    await expect(api.send('POST', '/api/mission/1/claim')).rejects.toMatchObject({ status: 429, code: 'RATE_LIMITED', extra: { retryAfterS: 4 } });
    const down = createApi({ auth: () => 'x', fetch: (async () => { throw new TypeError('Failed to fetch'); }) as typeof fetch });
    await expect(down.get('/api/me')).rejects.toMatchObject({ status: 0, code: 'NETWORK' });
  });

  it('the card shows the mapped message for a claim error (English user)', () => {
    const at = kstMs('21:40:00');
    render(<GoldenCard m={goldenMission({ status: 'completed', progress: 3 })} now={at} fetchedAt={at} lang="en" claim={{ inFlight: false, error: { code: 'OUTSIDE_WINDOW' } }} onClaim={() => {}} />);
    expect(screen.getByTestId('claim-error').textContent).toBe(errorMessage('en', 'OUTSIDE_WINDOW'));
    expect(screen.getByTestId('claim-golden_hour_play_3').textContent).toBe('Retry');
  });
});

/** Every source file of the Mini App except the dictionary itself and the tests. */
function clientSources(dir = path.dirname(fileURLToPath(import.meta.url))): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return clientSources(p);
    return /\.(ts|tsx)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) && !['i18n.ts', 'testing.ts'].includes(e.name) ? [p] : [];
  });
}

describe('rule: every user-facing text of the Mini App is in i18n.ts', () => {
  it('no component or admin file holds Korean text or an inline L(lang, ko, en) helper', () => {
    const files = clientSources();
    expect(files.some((f) => f.endsWith('AdminPage.tsx'))).toBe(true);
    const offenders = files.filter((f) => {
      const src = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      return /[\uac00-\ud7a3]/.test(src) || /\bL\(lang,/.test(src);
    });
    expect(offenders.map((f) => path.basename(f))).toEqual([]);
  });
  it('the zone label is KST only for Asia/Seoul', () => {
    expect(zoneLabel('Asia/Seoul')).toBe('KST');
    expect(zoneLabel('Europe/Berlin')).toBe('Europe/Berlin');
    expect(t('en', 'adminWindowHint', { zone: zoneLabel('Europe/Berlin'), end: '22:30:00' })).not.toContain('KST');
  });
});
