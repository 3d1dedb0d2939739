import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';
import timezone from 'dayjs/plugin/timezone.js';
import isoWeek from 'dayjs/plugin/isoWeek.js';
import customParseFormat from 'dayjs/plugin/customParseFormat.js';
import { DomainError } from './errors.js';

dayjs.extend(utc);
dayjs.extend(timezone);
dayjs.extend(isoWeek);
dayjs.extend(customParseFormat);

export { dayjs };

const HOUR_MS = 3_600_000;
const offsetCache = new Map<string, number>();

/**
 * UTC offset of `tz` at `ms`, in minutes. Zone offsets only change on whole UTC hours in
 * practice, so one dayjs lookup per (zone, hour) keeps the ingest hot path off Intl.
 */
export function zoneOffsetMinutes(ms: number, tz: string): number {
  const key = `${tz}|${Math.floor(ms / HOUR_MS)}`;
  let off = offsetCache.get(key);
  if (off === undefined) {
    if (offsetCache.size > 50_000) offsetCache.clear();
    off = dayjs(ms).tz(tz).utcOffset();
    offsetCache.set(key, off);
  }
  return off;
}

export interface LocalParts {
  /** YYYY-MM-DD in the zone */
  date: string;
  /** seconds since local midnight, truncated to the second */
  secondOfDay: number;
}

export function localParts(ms: number, tz: string): LocalParts {
  const local = ms + zoneOffsetMinutes(ms, tz) * 60_000;
  const dayMs = 86_400_000;
  const days = Math.floor(local / dayMs);
  const secondOfDay = Math.floor((local - days * dayMs) / 1000);
  const d = new Date(days * dayMs);
  const date = `${d.getUTCFullYear().toString().padStart(4, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
  return { date, secondOfDay };
}

/** The UTC instant of a local wall time (date YYYY-MM-DD, second of day) in `tz`. */
export function instantOf(date: string, secondOfDay: number, tz: string): Date {
  const h = Math.floor(secondOfDay / 3600);
  const m = Math.floor((secondOfDay % 3600) / 60);
  const s = secondOfDay % 60;
  const wall = `${date} ${pad(h)}:${pad(m)}:${pad(s)}`;
  return dayjs.tz(wall, 'YYYY-MM-DD HH:mm:ss', tz).toDate();
}

export function addDays(date: string, n: number): string {
  return dayjs.utc(date, 'YYYY-MM-DD').add(n, 'day').format('YYYY-MM-DD');
}

export function isoWeekKey(date: string): string {
  const d = dayjs.utc(date, 'YYYY-MM-DD');
  return `${d.isoWeekYear()}-W${String(d.isoWeek()).padStart(2, '0')}`;
}

/** "2026-11-27 21:30:05"-style rendering in the event zone; add `zoneLabel(tz)` where the zone is named. */
export function formatLocal(ms: number | Date, tz: string, fmt = 'YYYY-MM-DD HH:mm:ss'): string {
  return dayjs(ms).tz(tz).format(fmt);
}

export function localIso(ms: number | Date, tz: string): string {
  return dayjs(ms).tz(tz).format('YYYY-MM-DDTHH:mm:ss.SSSZ');
}

const pad = (n: number) => String(n).padStart(2, '0');
export const formatSecondOfDay = (s: number) => `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;

/**
 * The one name of the event zone in server and bot texts (EVENT_TZ is configurable, so no text
 * hard-codes "KST"): Asia/Seoul is "KST" as players know it; any other zone is named by its IANA
 * id ("Europe/Berlin"), which is unambiguous all year. The Mini App's i18n.ts applies the same
 * rule, so the bot and the app name the zone alike.
 */
export const zoneLabel = (tz: string): string => (tz === 'Asia/Seoul' ? 'KST' : tz);

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Does the text have the shape of a date (YYYY-MM-DD)? For telling a date argument from others. */
export const looksLikeDate = (value: string) => DATE_RE.test(value);

/**
 * A calendar date as YYYY-MM-DD (the one date format of the API, the bot and the CSV payouts);
 * anything else, or a day that does not exist (2026-02-30), is VALIDATION_FAILED on `date`.
 */
export function parseDate(value: unknown): string {
  if (typeof value !== 'string' || !DATE_RE.test(value) || !dayjs.utc(value, 'YYYY-MM-DD', true).isValid()) {
    throw new DomainError('VALIDATION_FAILED', `"${String(value).slice(0, 20)}" is not a date (YYYY-MM-DD)`, { field: 'date' });
  }
  return value;
}
