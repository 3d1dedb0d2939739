import type { InlineKeyboardMarkup } from 'grammy/types';
import type { Mission, MissionCatalog } from '../missions/catalog.js';
import { zoneLabel } from '../domain/time.js';
import { isKorean } from '../domain/language.js';
import { XP_PER_STAMP } from '../domain/rewards.js';
import type { Config } from '../platform/config.js';
import type { Recipient, Segment } from './audience.js';
import { parseTimeOfDay, type TimeWindow } from '../domain/window.js';

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

/** The announcement audience for a day: active in the last ACTIVE_DAYS days, as of `atMs`. */
export function announcementSegment(s: { config: Pick<Config, 'activeDays'> }, atMs: number, onlyIds?: readonly number[] | null): Segment {
  return { type: 'active', since: new Date(atMs - s.config.activeDays * 86_400_000), onlyIds: onlyIds ?? null };
}

/** Delivery kind of the announcement: the pre-announcement and the announcement share it, so each player gets one of them per day. */
export const ANNOUNCE_KIND = 'announce';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const hhmm = (t: string) => t.slice(0, 5);

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

function durationText(min: number, ko: boolean): string {
  if (min % 60 === 0) return ko ? `${min / 60}시간` : `${min / 60} hour${min === 60 ? '' : 's'}`;
  return ko ? `${min}분` : `${min} minutes`;
}

function rewardText(r: Mission['rewards'], ko: boolean): string {
  const parts: string[] = [];
  if (r.diamonds) parts.push(ko ? `💎 ${r.diamonds}개` : `💎 ${r.diamonds}`);
  if (r.xp) {
    if (r.xp % XP_PER_STAMP === 0) parts.push(ko ? `시즌패스 스탬프 ${r.xp / XP_PER_STAMP}개` : `${r.xp / XP_PER_STAMP} season-pass stamp${r.xp === XP_PER_STAMP ? '' : 's'}`);
    else parts.push(ko ? `시즌패스 XP ${r.xp}` : `${r.xp} season-pass XP`);
  }
  if (r.tickets) parts.push(ko ? `티켓 ${r.tickets}장` : `${r.tickets} ticket${r.tickets === 1 ? '' : 's'}`);
  return parts.join(' + ');
}

const openButton = (ko: boolean, url: string): InlineKeyboardMarkup => ({
  inline_keyboard: [[{ text: ko ? '🎮 앱 열기' : '🎮 Open app', web_app: { url } }]],
});

export interface MessageContext {
  tz: string;
  webappUrl: string;
}

/** The 6.2 announcement, Korean unless the player's language is something else. */
export function announcementMessage(m: Mission, languageCode: string | null | undefined, c: MessageContext): OutgoingMessage {
  const ko = isKorean(languageCode);
  const w = m.window!;
  const dur = durationText(windowMinutes(w), ko);
  const time = `${hhmm(w.start)} ~ ${hhmm(w.end)} (${zoneLabel(c.tz)})`;
  const text = ko
    ? [
        `🚀 <b>[CCJM] 골든아워 미션 시작!</b>`,
        ``,
        `지금부터 ${dur} 동안만 열리는 특별 미션!`,
        `🎮 게임 ${m.target}판만 해도 다이아와 스탬프가 쏟아집니다.`,
        ``,
        `⏰ 시간: ${esc(time)}`,
        `🎁 보상: ${esc(rewardText(m.rewards, true))}`,
        ``,
        `지금 바로 접속하세요!`,
      ]
    : [
        `🚀 <b>[CCJM] Golden Hour mission is live!</b>`,
        ``,
        `A special mission, open for ${dur} only!`,
        `🎮 Play just ${m.target} game${m.target === 1 ? '' : 's'} for a shower of diamonds and stamps.`,
        ``,
        `⏰ Time: ${esc(time)}`,
        `🎁 Rewards: ${esc(rewardText(m.rewards, false))}`,
        ``,
        `Jump in now!`,
      ];
  return { text: text.join('\n'), reply_markup: openButton(ko, goldenCardUrl(c.webappUrl, m)) };
}

/** Before the window opens: "골든아워가 21:30에 시작돼요", the real start time in the event zone, with the open-app button. */
export function preAnnouncementMessage(m: Mission, languageCode: string | null | undefined, c: MessageContext): OutgoingMessage {
  const ko = isKorean(languageCode);
  const w = m.window!;
  const zone = zoneLabel(c.tz);
  const text = ko
    ? [
        `⏰ <b>[CCJM] 골든아워가 ${esc(hhmm(w.start))}에 시작돼요 (${esc(zone)})</b>`,
        ``,
        `${esc(hhmm(w.start))} ~ ${esc(hhmm(w.end))} 동안만 열리는 특별 미션!`,
        `🎮 게임 ${m.target}판이면 🎁 ${esc(rewardText(m.rewards, true))}`,
        ``,
        `시작 시간에 맞춰 접속하세요!`,
      ]
    : [
        `⏰ <b>[CCJM] The Golden Hour starts at ${esc(hhmm(w.start))} (${esc(zone)})</b>`,
        ``,
        `A special mission, open ${esc(hhmm(w.start))} ~ ${esc(hhmm(w.end))} only!`,
        `🎮 Play ${m.target} game${m.target === 1 ? '' : 's'} for 🎁 ${esc(rewardText(m.rewards, false))}`,
        ``,
        `Be there when it opens!`,
      ];
  return { text: text.join('\n'), reply_markup: openButton(ko, goldenCardUrl(c.webappUrl, m)) };
}

/** The reminder nudge ("30 minutes left, 2/3 played") for players who started but have not finished. */
export function reminderMessage(m: Mission, r: Recipient, minutesLeft: number, c: MessageContext): OutgoingMessage {
  const ko = isKorean(r.languageCode);
  const done = r.progress ?? 0;
  const left = Math.max(1, m.target - done);
  const text = ko
    ? `⏳ <b>골든아워 종료 ${minutesLeft}분 전!</b>\n\n지금 ${done}/${m.target}판 — ${left}판만 더 하면 🎁 ${esc(rewardText(m.rewards, true))}!\n⏰ ${esc(hhmm(m.window!.end))} (${zoneLabel(c.tz)})까지`
    : `⏳ <b>${minutesLeft} minutes left in the Golden Hour!</b>\n\nYou've played ${done}/${m.target} — ${left} more for 🎁 ${esc(rewardText(m.rewards, false))}!\n⏰ Until ${esc(hhmm(m.window!.end))} (${zoneLabel(c.tz)})`;
  return { text, reply_markup: openButton(ko, goldenCardUrl(c.webappUrl, m)) };
}
