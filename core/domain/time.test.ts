import { describe, expect, it } from 'vitest';
import { parseDate, looksLikeDate, zoneLabel } from './time.js';
import { DomainError } from './errors.js';

describe('the zone label: KST for Asia/Seoul, the zone id for any other EVENT_TZ', () => {
  it('Asia/Seoul reads KST', () => expect(zoneLabel('Asia/Seoul')).toBe('KST'));
  it('Europe/Berlin never reads KST', () => {
    expect(zoneLabel('Europe/Berlin')).toBe('Europe/Berlin');
    expect(zoneLabel('Asia/Tokyo')).not.toContain('KST');
  });
});

describe('dates are YYYY-MM-DD and must exist', () => {
  it('accepts a real date', () => expect(parseDate('2026-11-27')).toBe('2026-11-27'));
  it('refuses a day that does not exist, other formats and non-strings with VALIDATION_FAILED on date', () => {
    for (const bad of ['2026-02-30', '2026-13-01', '27.11.2026', '2026-11-27T00:00', '', 20261127, null]) {
      try {
        parseDate(bad);
        expect.unreachable(`${String(bad)} was accepted`);
      } catch (err) {
        expect(err).toBeInstanceOf(DomainError);
        expect((err as DomainError).code).toBe('VALIDATION_FAILED');
        expect((err as DomainError).details).toMatchObject({ field: 'date' });
      }
    }
  });
  it('looksLikeDate tells a date-shaped argument from a mission key', () => {
    expect(looksLikeDate('2026-11-27')).toBe(true);
    expect(looksLikeDate('golden_hour_play_3')).toBe(false);
  });
});
