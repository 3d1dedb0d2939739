import type { InlineKeyboardMarkup } from 'grammy/types';
import type { Mission, MissionCatalog } from '../missions/catalog.js';
import { zoneLabel } from '../domain/time.js';
import { langOf, type Lang } from '../domain/language.js';
import type { Config } from '../platform/config.js';
import type { Recipient, Segment } from './audience.js';
import { hhmm, parseTimeOfDay, periodKey, type TimeWindow } from '../domain/window.js';
import type { ExperimentTimeline, HoldoutExclusion } from '../missions/experiments.js';

/**
 * The golden-hour announcement (docs/broadcast.md): which mission it is about, who hears it, and
 * its three messages — the pre-announcement (before the window, for the part of a large audience
 * that could not be reached in time after the start), the announcement, and the reminder. Texts
 * read times and rewards from the mission, never hard-coded.
 */
export interface OutgoingMessage {
  text: string;
  reply_markup?: InlineKeyboardMarkup;
}

/** The mission announcements are about: the golden-hour mission (MissionCatalog.goldenMission, one rule). */
export async function announcedMission(s: { catalog: Pick<MissionCatalog, 'goldenMission'> }): Promise<Mission | undefined> {
  return s.catalog.goldenMission();
}

/**
 * The announcement audience for a day: active in the last ACTIVE_DAYS days, as of `atMs`, minus the
 * golden-hour experiment's holdout (announcementHoldout). The scheduler sends to it and the reach
 * estimate counts it, so the estimate is of exactly who is sent to.
 */
export function announcementSegment(
  s: { config: Pick<Config, 'activeDays'> },
  atMs: number,
  onlyIds?: readonly number[] | null,
  holdout?: HoldoutExclusion | null,
): Segment {
  return { type: 'active', since: new Date(atMs - s.config.activeDays * 86_400_000), onlyIds: onlyIds ?? null, holdout: holdout ?? null };
}

/** Who the experiment holds out of the occurrence opening at `opensAtMs`: they hear neither the announcement nor the reminder. */
export function announcementHoldout(exp: ExperimentTimeline, m: Mission, opensAtMs: number, tz: string): HoldoutExclusion | null {
  return exp.holdoutOf(m, periodKey(m, opensAtMs, tz));
}

/** Delivery kind of the announcement: the pre-announcement and the announcement share it, so each player gets one of them per day. */
export const ANNOUNCE_KIND = 'announce';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The Mini App URL that opens on the golden-hour card. */
export function goldenCardUrl(webappUrl: string, m: Pick<Mission, 'id'>): string {
  const u = new URL(webappUrl);
  u.searchParams.set('card', 'golden');
  u.searchParams.set('mission', String(m.id));
  return u.toString();
}

function windowMinutes(w: TimeWindow): number {
  const s = parseTimeOfDay(w.start);
  const e = parseTimeOfDay(w.end);
  return Math.round(((e - s + 86_400) % 86_400) / 60);
}

/**
 * What the announcement's texts say, read from the mission: HH:MM times and the zone label
 * (core/domain/time.ts `zoneLabel`), HTML-escaped here; the texts are HTML (the send loop sets parse_mode).
 */
export interface AnnouncementFacts {
  start: string;
  end: string;
  zone: string;
  /** the window's length in minutes */
  minutes: number;
  target: number;
  rewards: Mission['rewards'];
}

export interface ReminderFacts {
  minutesLeft: number;
  /** plays so far and plays still needed (at least 1) */
  done: number;
  left: number;
  target: number;
  end: string;
  zone: string;
  rewards: Mission['rewards'];
}

/**
 * The announcement's texts. Written in the bot's locales (bot/locales/*, rendered by
 * bot/notifications.ts) and handed to core by whoever builds the services (docs/design.md, Layers):
 * core names the facts, the locales word them.
 */
export interface AnnouncementTexts {
  announcement(lang: Lang, f: AnnouncementFacts): string;
  preAnnouncement(lang: Lang, f: AnnouncementFacts): string;
  reminder(lang: Lang, f: ReminderFacts): string;
  openApp(lang: Lang): string;
}

export interface MessageContext {
  tz: string;
  webappUrl: string;
  texts: AnnouncementTexts;
}

const openButton = (c: MessageContext, lang: Lang, m: Mission): InlineKeyboardMarkup => ({
  inline_keyboard: [[{ text: c.texts.openApp(lang), web_app: { url: goldenCardUrl(c.webappUrl, m) } }]],
});

function announcementFacts(m: Mission, c: MessageContext): AnnouncementFacts {
  const w = m.window!;
  return { start: esc(hhmm(w.start)), end: esc(hhmm(w.end)), zone: esc(zoneLabel(c.tz)), minutes: windowMinutes(w), target: m.target, rewards: m.rewards };
}

/** The announcement at the window start, Korean unless the player's language is something else. */
export function announcementMessage(m: Mission, languageCode: string | null | undefined, c: MessageContext): OutgoingMessage {
  const lang = langOf(languageCode);
  return { text: c.texts.announcement(lang, announcementFacts(m, c)), reply_markup: openButton(c, lang, m) };
}

/** Before the window opens: "the Golden Hour starts at 21:30", the real start time in the event zone, with the open-app button. */
export function preAnnouncementMessage(m: Mission, languageCode: string | null | undefined, c: MessageContext): OutgoingMessage {
  const lang = langOf(languageCode);
  return { text: c.texts.preAnnouncement(lang, announcementFacts(m, c)), reply_markup: openButton(c, lang, m) };
}

/** The reminder nudge ("30 minutes left, 2/3 played") for players who started but have not finished. */
export function reminderMessage(m: Mission, r: Recipient, minutesLeft: number, c: MessageContext): OutgoingMessage {
  const lang = langOf(r.languageCode);
  const done = r.progress ?? 0;
  const facts: ReminderFacts = { minutesLeft, done, left: Math.max(1, m.target - done), target: m.target, end: esc(hhmm(m.window!.end)), zone: esc(zoneLabel(c.tz)), rewards: m.rewards };
  return { text: c.texts.reminder(lang, facts), reply_markup: openButton(c, lang, m) };
}
