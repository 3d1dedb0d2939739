import type { Period } from '../../db/schema.js';
import { DomainError } from './errors.js';
import { addDays, formatSecondOfDay, instantOf, isoWeekKey, localParts, type LocalParts } from './time.js';

/**
 * Time windows (docs/design.md, The rules in words: Time and windows): a mission has no window, or both start and end as
 * local wall times `HH:MM:SS`. Both ends are inclusive at second precision; start > end crosses
 * midnight; start == end or a lone end is invalid. Any doubt means closed.
 */
export interface TimeWindow {
  start: string;
  end: string;
}

const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

/** Seconds since midnight for "HH:MM" or "HH:MM:SS"; throws VALIDATION_FAILED otherwise. */
export function parseTimeOfDay(value: string): number {
  const m = TIME_RE.exec(value);
  if (!m) throw new DomainError('VALIDATION_FAILED', `"${value}" is not a time of day (HH:MM:SS, 00:00:00–23:59:59)`, { value });
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0);
}

/** Canonical HH:MM:SS. */
/** A stored time of day as texts show it: "21:30:00" → "21:30". */
export const hhmm = (hms: string) => hms.slice(0, 5);

export const normalizeTime = (value: string) => formatSecondOfDay(parseTimeOfDay(value));

/**
 * Validates a (start, end) pair from input. Returns the canonical window or null (no window).
 * Refuses: only one end set, start == end, malformed times.
 */
export function validateWindow(start: string | null | undefined, end: string | null | undefined): TimeWindow | null {
  const hasStart = start !== null && start !== undefined && start !== '';
  const hasEnd = end !== null && end !== undefined && end !== '';
  if (!hasStart && !hasEnd) return null;
  if (hasStart !== hasEnd) {
    throw new DomainError('VALIDATION_FAILED', 'start_time and end_time must be set together (or both left empty)', { field: hasStart ? 'endTime' : 'startTime' });
  }
  const s = parseField(start!, 'startTime');
  const e = parseField(end!, 'endTime');
  if (s === e) throw new DomainError('VALIDATION_FAILED', 'start_time and end_time must differ', { field: 'endTime' });
  return { start: formatSecondOfDay(s), end: formatSecondOfDay(e) };
}

function parseField(value: string, field: string): number {
  try {
    return parseTimeOfDay(value);
  } catch (err) {
    if (err instanceof DomainError) throw new DomainError('VALIDATION_FAILED', `${field}: ${err.message}`, { field, value });
    throw err;
  }
}

/** A window's (start, end) seconds of day, parsed once per window object (the ingest asks per event). */
const boundsMemo = new WeakMap<TimeWindow, { start: string; end: string; s: number; e: number }>();

function bounds(w: TimeWindow): [number, number] {
  const hit = boundsMemo.get(w);
  if (hit && hit.start === w.start && hit.end === w.end) return [hit.s, hit.e];
  const s = parseTimeOfDay(w.start);
  const e = parseTimeOfDay(w.end);
  if (s === e) throw new RangeError('empty window');
  boundsMemo.set(w, { start: w.start, end: w.end, s, e });
  return [s, e];
}

function inside(s: number, e: number, t: number): boolean {
  return s < e ? s <= t && t <= e : t >= s || t <= e;
}

/**
 * Is the instant inside the window? No window → always open. Fails closed on any error
 * (bad stored times, unknown zone): paying outside the window is worse than a closed window, which a manual payout can make good.
 */
export function isWithinWindow(w: TimeWindow | null, instantMs: number, tz: string): boolean {
  if (w === null) return true;
  try {
    return isWithinWindowAt(w, localParts(instantMs, tz));
  } catch {
    return false;
  }
}

/** isWithinWindow for an instant already converted to local time (the ingest does it once per second). */
export function isWithinWindowAt(w: TimeWindow | null, local: LocalParts): boolean {
  if (w === null) return true;
  try {
    const [s, e] = bounds(w);
    return inside(s, e, local.secondOfDay);
  } catch {
    return false;
  }
}

/**
 * The local date on which the window occurrence containing (or, if outside, nearest before)
 * the instant started: 00:10 in a 23:30–00:30 window belongs to the previous date.
 */
export function windowStartDate(w: TimeWindow, instantMs: number, tz: string): string {
  return windowStartDateAt(w, localParts(instantMs, tz));
}

function windowStartDateAt(w: TimeWindow, local: LocalParts): string {
  const [s, e] = bounds(w);
  const { date, secondOfDay } = local;
  if (s > e && secondOfDay <= e) return addDays(date, -1);
  return date;
}

export interface Occurrence {
  /** local date the occurrence starts on */
  date: string;
  opensAt: Date;
  /** the last second inside (the end is inclusive: this second and its milliseconds count) */
  lastSecondAt: Date;
  /** first instant no longer inside (end second + 1 s) */
  closesAt: Date;
  open: boolean;
}

/**
 * The window occurrence that starts on local `date`: opens at start on that date, and its last
 * second is the end on that date, or on the next one when the window crosses midnight. Every part
 * that needs "when does the window open and close on day D" (scheduler, report, /why, the
 * announcement estimate, the mission list) asks this function. `open` is false here.
 */
export function occurrenceOn(w: TimeWindow, date: string, tz: string): Occurrence {
  const [s, e] = bounds(w);
  const opensAt = instantOf(date, s, tz);
  const lastSecondAt = instantOf(s < e ? date : addDays(date, 1), e, tz);
  return { date, opensAt, lastSecondAt, closesAt: new Date(lastSecondAt.getTime() + 1000), open: false };
}

/** The occurrence that is open now, or else the next one to open. */
export function currentOrNextOccurrence(w: TimeWindow, instantMs: number, tz: string): Occurrence {
  const [s, e] = bounds(w);
  const { date, secondOfDay } = localParts(instantMs, tz);
  if (inside(s, e, secondOfDay)) {
    return { ...occurrenceOn(w, windowStartDate(w, instantMs, tz), tz), open: true };
  }
  const today = occurrenceOn(w, date, tz);
  return today.opensAt.getTime() > instantMs ? today : occurrenceOn(w, addDays(date, 1), tz);
}

/** The mission period enum of db/schema.ts. */
export type PeriodKind = Period;

/**
 * Progress resets per period (docs/design.md, Rules): daily by local date, weekly by ISO week, a windowed
 * mission by the date its occurrence started, one-time never.
 */
export function periodKey(m: { period: PeriodKind; window: TimeWindow | null }, instantMs: number, tz: string): string {
  if (m.period === 'once') return 'once';
  return periodKeyAt(m, localParts(instantMs, tz));
}

/** periodKey for an instant already converted to local time. */
export function periodKeyAt(m: { period: PeriodKind; window: TimeWindow | null }, local: LocalParts): string {
  if (m.period === 'once') return 'once';
  const date = m.window ? windowStartDateAt(m.window, local) : local.date;
  return m.period === 'weekly' ? isoWeekKey(date) : date;
}

/**
 * localParts memoized per whole second, for one batch: a batch's receive stamps fall in a few
 * seconds, and every (event, mission) pair asks for the same local time (docs/performance.md).
 */
export function localClock(tz: string): (instantMs: number) => LocalParts {
  const memo = new Map<number, LocalParts>();
  return (ms) => {
    const sec = Math.floor(ms / 1000);
    let l = memo.get(sec);
    if (!l) memo.set(sec, (l = localParts(sec * 1000, tz)));
    return l;
  };
}
