import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { currentOrNextOccurrence, isWithinWindow, isWithinWindowAt, localClock, occurrenceOn, periodKeyAt, normalizeTime, parseTimeOfDay, periodKey, validateWindow, windowStartDate } from './window.js';
import { instantOf } from './time.js';
import { DomainError } from './errors.js';

const TZ = 'Asia/Seoul';
const GOLDEN = { start: '21:30:00', end: '22:30:00' };
const MIDNIGHT = { start: '23:30:00', end: '00:30:00' };
const at = (date: string, hms: string, ms = 0) => {
  const [h, m, s] = hms.split(':').map(Number);
  return instantOf(date, h! * 3600 + m! * 60 + s!, TZ).getTime() + ms;
};

describe('boundary: both ends inclusive at second precision', () => {
  it('21:30:00 exactly counts', () => expect(isWithinWindow(GOLDEN, at('2026-11-27', '21:30:00'), TZ)).toBe(true));
  it('22:30:00 exactly counts, and so does 22:30:00.999', () => {
    expect(isWithinWindow(GOLDEN, at('2026-11-27', '22:30:00'), TZ)).toBe(true);
    expect(isWithinWindow(GOLDEN, at('2026-11-27', '22:30:00', 999), TZ)).toBe(true);
  });
  it('21:29:59.999 does not count', () => expect(isWithinWindow(GOLDEN, at('2026-11-27', '21:29:59', 999), TZ)).toBe(false));
  it('22:30:01 does not count', () => expect(isWithinWindow(GOLDEN, at('2026-11-27', '22:30:01'), TZ)).toBe(false));
  it('the decision uses the event zone, not UTC: 21:30 UTC is 06:30 KST and is outside', () => {
    expect(isWithinWindow(GOLDEN, Date.parse('2026-11-27T21:30:00Z'), TZ)).toBe(false);
    expect(isWithinWindow(GOLDEN, Date.parse('2026-11-27T12:30:00Z'), TZ)).toBe(true);
  });
  it('no window means always open', () => expect(isWithinWindow(null, 0, TZ)).toBe(true));
});

describe('window across midnight (23:30–00:30)', () => {
  it('23:30:00 and 00:30:00 count; 23:29:59 and 00:30:01 do not', () => {
    expect(isWithinWindow(MIDNIGHT, at('2026-11-27', '23:30:00'), TZ)).toBe(true);
    expect(isWithinWindow(MIDNIGHT, at('2026-11-28', '00:30:00'), TZ)).toBe(true);
    expect(isWithinWindow(MIDNIGHT, at('2026-11-27', '23:29:59'), TZ)).toBe(false);
    expect(isWithinWindow(MIDNIGHT, at('2026-11-28', '00:30:01'), TZ)).toBe(false);
    expect(isWithinWindow(MIDNIGHT, at('2026-11-28', '12:00:00'), TZ)).toBe(false);
  });
  it('00:10 belongs to the period of the date the window started on', () => {
    const m = { period: 'daily' as const, window: MIDNIGHT };
    expect(periodKey(m, at('2026-11-28', '00:10:00'), TZ)).toBe('2026-11-27');
    expect(periodKey(m, at('2026-11-27', '23:50:00'), TZ)).toBe('2026-11-27');
    expect(windowStartDate(MIDNIGHT, at('2026-11-28', '00:30:00'), TZ)).toBe('2026-11-27');
  });
  it('the occurrence open at 00:10 opened yesterday 23:30 and closes at 00:30:01', () => {
    const occ = currentOrNextOccurrence(MIDNIGHT, at('2026-11-28', '00:10:00'), TZ);
    expect(occ.open).toBe(true);
    expect(occ.opensAt.toISOString()).toBe(new Date(at('2026-11-27', '23:30:00')).toISOString());
    expect(occ.closesAt.toISOString()).toBe(new Date(at('2026-11-28', '00:30:01')).toISOString());
  });
});

describe('invalid windows are refused on input', () => {
  it.each([
    ['21:30:00', '21:30:00', 'differ'],
    ['21:30', null, 'together'],
    [null, '22:30:00', 'together'],
    ['24:00:00', '22:30:00', 'time of day'],
    ['21:60:00', '22:30:00', 'time of day'],
    ['9:30', '22:30:00', 'time of day'],
    ['garbage', '22:30:00', 'time of day'],
  ])('(%s, %s) is refused', (s, e, msg) => {
    expect(() => validateWindow(s, e)).toThrow(DomainError);
    expect(() => validateWindow(s, e)).toThrow(new RegExp(msg));
  });
  it('HH:MM is accepted and normalised to HH:MM:SS', () => {
    expect(validateWindow('21:30', '22:30')).toEqual(GOLDEN);
    expect(normalizeTime('07:05')).toBe('07:05:00');
    expect(validateWindow(null, null)).toBeNull();
  });
});

describe('fail closed', () => {
  it('a corrupt stored window is closed, not open', () => {
    expect(isWithinWindow({ start: '25:00:00', end: '22:30:00' }, at('2026-11-27', '22:00:00'), TZ)).toBe(false);
    expect(isWithinWindow({ start: '21:30:00', end: '21:30:00' }, at('2026-11-27', '21:30:00'), TZ)).toBe(false);
  });
  it('an unknown zone is closed', () => expect(isWithinWindow(GOLDEN, at('2026-11-27', '22:00:00'), 'Mars/Olympus')).toBe(false));
});

describe('periods', () => {
  it('daily by local date, weekly by ISO week, one-time never resets', () => {
    const t = at('2026-11-27', '08:00:00');
    expect(periodKey({ period: 'daily', window: null }, t, TZ)).toBe('2026-11-27');
    expect(periodKey({ period: 'weekly', window: null }, t, TZ)).toBe('2026-W48');
    expect(periodKey({ period: 'once', window: null }, t, TZ)).toBe('once');
    // 00:30 KST on the 28th is still the 27th in UTC: the local date decides
    expect(periodKey({ period: 'daily', window: null }, at('2026-11-28', '00:30:00'), TZ)).toBe('2026-11-28');
  });
  it('the next occurrence is today before the window and tomorrow after it', () => {
    expect(currentOrNextOccurrence(GOLDEN, at('2026-11-27', '21:29:59'), TZ)).toMatchObject({ date: '2026-11-27', open: false });
    expect(currentOrNextOccurrence(GOLDEN, at('2026-11-27', '22:30:01'), TZ)).toMatchObject({ date: '2026-11-28', open: false });
  });
});

/** Reference model: Intl (not dayjs) for the local second-of-day, and the rule spelled out plainly. */
function referenceInside(startS: number, endS: number, instantMs: number, tz: string): boolean {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(instantMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const t = get('hour') * 3600 + get('minute') * 60 + get('second');
  if (startS < endS) return t >= startS && t <= endS;
  return t >= startS || t <= endS;
}

const hms = (s: number) => `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;

describe('property: isWithinWindow agrees with a simple reference model', () => {
  it('for any valid window, instant and zone', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 86399 }),
        fc.integer({ min: 0, max: 86399 }),
        fc.integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2035-12-31T00:00:00Z') }),
        fc.constantFrom('Asia/Seoul', 'UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe'),
        (s, e, t, tz) => {
          fc.pre(s !== e);
          expect(isWithinWindow({ start: hms(s), end: hms(e) }, t, tz)).toBe(referenceInside(s, e, t, tz));
        },
      ),
      { numRuns: 2000 },
    );
  });
  it('instants within the same second always agree (second precision)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 86399 }), fc.integer({ min: 1, max: 86399 }), fc.integer({ min: 0, max: 86399 }), fc.integer({ min: 0, max: 999 }), (s, len, t, ms) => {
        const e = (s + len) % 86400;
        const base = at('2026-11-27', hms(t));
        expect(isWithinWindow({ start: hms(s), end: hms(e) }, base + ms, TZ)).toBe(isWithinWindow({ start: hms(s), end: hms(e) }, base, TZ));
      }),
    );
  });
  it('parseTimeOfDay accepts exactly the valid HH:MM:SS strings', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), (h, m, s) => {
        const str = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
        const valid = h < 24 && m < 60 && s < 60;
        if (valid) expect(parseTimeOfDay(str)).toBe(h * 3600 + m * 60 + s);
        else expect(() => parseTimeOfDay(str)).toThrow(DomainError);
      }),
    );
  });
});

describe('the window occurrence for a date: opens at start on that date, its last second is the end (inclusive), a midnight-crossing one ends the next day', () => {
  it('21:30–22:30 on 11-27 opens 21:30:00, last second 22:30:00, closed from 22:30:01', () => {
    const o = occurrenceOn(GOLDEN, '2026-11-27', TZ);
    expect(o.date).toBe('2026-11-27');
    expect(o.opensAt.getTime()).toBe(at('2026-11-27', '21:30:00'));
    expect(o.lastSecondAt.getTime()).toBe(at('2026-11-27', '22:30:00'));
    expect(o.closesAt.getTime()).toBe(at('2026-11-27', '22:30:01'));
  });
  it('23:30–00:30 on 11-27 ends at 00:30:00 on 11-28', () => {
    const o = occurrenceOn(MIDNIGHT, '2026-11-27', TZ);
    expect(o.opensAt.getTime()).toBe(at('2026-11-27', '23:30:00'));
    expect(o.lastSecondAt.getTime()).toBe(at('2026-11-28', '00:30:00'));
    expect(o.closesAt.getTime()).toBe(at('2026-11-28', '00:30:01'));
  });
  it('agrees with isWithinWindow at both ends', () => {
    for (const w of [GOLDEN, MIDNIGHT]) {
      const o = occurrenceOn(w, '2026-11-27', TZ);
      expect(isWithinWindow(w, o.opensAt.getTime(), TZ)).toBe(true);
      expect(isWithinWindow(w, o.opensAt.getTime() - 1, TZ)).toBe(false);
      expect(isWithinWindow(w, o.closesAt.getTime() - 1, TZ)).toBe(true);
      expect(isWithinWindow(w, o.closesAt.getTime(), TZ)).toBe(false);
    }
  });
  it('is the occurrence currentOrNextOccurrence reports while it is open', () => {
    const now = at('2026-11-28', '00:10:00');
    const cur = currentOrNextOccurrence(MIDNIGHT, now, TZ);
    expect(cur.open).toBe(true);
    expect({ ...cur, open: false }).toEqual(occurrenceOn(MIDNIGHT, '2026-11-27', TZ));
  });
});

describe('local time once per receive second gives the same verdict and period as per call', () => {
  it('isWithinWindowAt and periodKeyAt through localClock equal isWithinWindow and periodKey for any instant and window', () => {
    const local = localClock(TZ);
    const base = at('2026-11-27', '00:00:00');
    fc.assert(
      fc.property(fc.integer({ min: -86_400_000, max: 8 * 86_400_000 }), fc.constantFrom(GOLDEN, MIDNIGHT, null), fc.constantFrom('daily', 'weekly', 'once') as fc.Arbitrary<'daily' | 'weekly' | 'once'>, (dt, w, period) => {
        const ms = base + dt;
        const m = { period, window: w };
        expect(isWithinWindowAt(w, local(ms))).toBe(isWithinWindow(w, ms, TZ));
        expect(periodKeyAt(m, local(ms))).toBe(periodKey(m, ms, TZ));
      }),
    );
  });
});
