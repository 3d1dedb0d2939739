import type { Logger } from 'pino';
import type { Database } from '../../db/connection.js';
import type { Clock } from '../platform/clock.js';
import type { Config } from '../platform/config.js';
import type { MissionCatalog } from '../missions/catalog.js';
import { countAudience } from './audience.js';
import { ANNOUNCE_KIND, announcedMission, announcementHoldout, announcementSegment } from './announcement.js';
import { NO_EXPERIMENT, type ExperimentTimeline } from '../missions/experiments.js';
import { Deliveries } from './deliveries.js';
import { formatLocal, localParts } from '../domain/time.js';
import { currentOrNextOccurrence, occurrenceOn } from '../domain/window.js';

/** Telegram's price of a paid broadcast message (allow_paid_broadcast), in Stars. */
export const STARS_PER_PAID_MESSAGE = 0.1;
/** Telegram's ceiling for paid broadcasts, messages/s. */
export const PAID_RATE_PER_S = 1000;

export interface ReachInput {
  /** recipients still to reach */
  recipients: number;
  /** the free rate broadcasts get (BROADCAST_RATE), messages/s */
  ratePerS: number;
  /** ANNOUNCE_REACH_S: everyone hears by window start + this */
  reachS: number;
  opensAtMs: number;
  nowMs: number;
  /** paid sending (BROADCAST_PAID=1): its rate and the Stars it may spend (BROADCAST_STARS_BUDGET) */
  paid?: { ratePerS: number; starsBudget: number } | null;
}

export interface ReachPlan {
  recipients: number;
  /** before the window: the pre-announcement ("the Golden Hour starts at 21:30") */
  pre: number;
  /** after the start, free */
  live: number;
  /** after the start, paid (allow_paid_broadcast) */
  paid: number;
  /** beyond start + reach (only when the plan was made too late to pre-announce enough) */
  late: number;
  /** when sending starts: the pre-announcement's start, or the window's start */
  sendStartMs: number;
  /** every recipient by this instant (start + ANNOUNCE_REACH_S), if late = 0 */
  reachByMs: number;
  expectedFinishMs: number;
  stars: number;
}

/**
 * The reach plan (docs/broadcast.md, "Reach"). With N recipients, free rate F, reach R, start S:
 *   - after the start the free lane reaches F·R by S + R;
 *   - paid sending (rate P, budget B Stars at 0.1 each) adds k = min(N − F·R, ⌊B / 0.1⌋, P·R);
 *   - the rest, X = N − F·R − k, hears the pre-announcement, sent at F from S − X / F, so the
 *     send is continuous and the last message of either kind goes out by S + R.
 * If the plan is made after S − X / F (a late worker), the pre-announcement starts now and what
 * cannot fit before S is late; after S there is no pre-announcement at all.
 */
export function planReach(i: ReachInput): ReachPlan {
  const N = Math.max(0, i.recipients);
  const F = i.ratePerS;
  const R = i.reachS;
  const S = i.opensAtMs;
  const now = i.nowMs;
  const start = Math.max(S, now);
  const reachByMs = S + R * 1000;
  // seconds of the reach period still ahead once sending after the start can begin
  const liveS = Math.max(0, (reachByMs - start) / 1000);
  const freeLive = Math.min(N, Math.floor(F * liveS));
  const P = i.paid ? i.paid.ratePerS : 0;
  const paidCap = i.paid ? Math.min(Math.floor(i.paid.starsBudget / STARS_PER_PAID_MESSAGE + 1e-9), Math.floor(P * liveS)) : 0;
  const paid = Math.min(N - freeLive, paidCap);
  let over = N - freeLive - paid;
  let pre = 0;
  let sendStartMs = start;
  if (over > 0 && now < S) {
    const wantStart = S - Math.ceil((over / F) * 1000);
    sendStartMs = Math.max(now, wantStart);
    pre = Math.min(over, Math.floor((F * (S - sendStartMs)) / 1000));
    over -= pre;
  }
  const late = over;
  const live = freeLive + late;
  const freeSecondsAfter = live / F;
  const paidSecondsAfter = P > 0 ? paid / P : 0;
  const expectedFinishMs = N === 0 ? start : start + Math.ceil(Math.max(freeSecondsAfter, paidSecondsAfter) * 1000);
  return { recipients: N, pre, live, paid, late, sendStartMs, reachByMs, expectedFinishMs, stars: Math.round(paid * STARS_PER_PAID_MESSAGE * 10) / 10 };
}

export interface EstimateServices {
  config: Config;
  clock: Clock;
  database: Database;
  log?: Logger;
  catalog: Pick<MissionCatalog, 'active' | 'goldenMission'>;
  /** the golden-hour experiment: its holdout is not sent to, so it is not counted */
  experiments?: { timeline(): Promise<ExperimentTimeline> };
}

export interface AnnouncementEstimate {
  day: string;
  /** recipients still to reach */
  recipients: number;
  ratePerS: number;
  paid: boolean;
  reachS: number;
  opensAt: string;
  /** when the send starts (the pre-announcement's start, the window's start, or now if already open) */
  startsAt: string;
  startsAtLocal: string;
  opensAtLocal: string;
  expectedSeconds: number;
  expectedFinishAt: string;
  /** local "HH:mm:ss" of the expected finish, for /golden */
  expectedFinishLocal: string;
  reachByLocal: string;
  /** does the send outlast the window? */
  outlastsWindow: boolean;
  plan: ReachPlan;
  /** what went out so far today: sent per variant ('pre' | 'live') */
  sentSoFar: Record<string, number>;
}

/**
 * The day's announcement plan for /golden, the admin page and the scheduler: how many get the
 * pre-announcement and how many the announcement, when sending starts, the expected finish and the
 * Stars it costs. `day` defaults to the date of the current or next window occurrence.
 */
export async function estimateAnnouncement(s: EstimateServices, day?: string): Promise<AnnouncementEstimate | null> {
  const m = await announcedMission(s);
  if (!m?.window) return null;
  const now = s.clock.nowMs();
  const tz = s.config.tz;
  const d = day ?? currentOrNextOccurrence(m.window, now, tz).date;
  const occ = occurrenceOn(m.window, d, tz);
  const opens = occ.opensAt.getTime();
  const closes = occ.closesAt.getTime();
  const rate = s.config.broadcastRate;
  const deliveries = new Deliveries(s.database);
  const holdout = announcementHoldout((await s.experiments?.timeline()) ?? NO_EXPERIMENT, m, opens, tz);
  const recipients = (await countAudience(s.database, announcementSegment(s, opens, null, holdout), ANNOUNCE_KIND, d)) + (await deliveries.countUntried(ANNOUNCE_KIND, d));
  const plan = planReach({
    recipients,
    ratePerS: rate,
    reachS: s.config.announceReachS,
    opensAtMs: opens,
    nowMs: now,
    paid: s.config.broadcastPaid ? { ratePerS: PAID_RATE_PER_S, starsBudget: s.config.broadcastStarsBudget } : null,
  });
  const sentSoFar: Record<string, number> = {};
  for (const t of await deliveries.tally(ANNOUNCE_KIND, d)) if (t.status === 'sent') sentSoFar[t.variant ?? 'live'] = (sentSoFar[t.variant ?? 'live'] ?? 0) + t.n;
  const fmt = (ms: number) => formatLocal(ms, tz, 'HH:mm:ss');
  return {
    day: d,
    recipients,
    ratePerS: rate,
    paid: s.config.broadcastPaid,
    reachS: s.config.announceReachS,
    opensAt: new Date(opens).toISOString(),
    startsAt: new Date(plan.sendStartMs).toISOString(),
    startsAtLocal: fmt(plan.sendStartMs),
    opensAtLocal: fmt(opens),
    expectedSeconds: Math.ceil((plan.expectedFinishMs - plan.sendStartMs) / 1000),
    expectedFinishAt: new Date(plan.expectedFinishMs).toISOString(),
    expectedFinishLocal: fmt(plan.expectedFinishMs),
    reachByLocal: fmt(plan.reachByMs),
    outlastsWindow: plan.expectedFinishMs > closes,
    plan,
    sentSoFar,
  };
}

/** Today's local date in the event zone. */
export const localDate = (s: { clock: Clock; config: Pick<Config, 'tz'> }) => localParts(s.clock.nowMs(), s.config.tz).date;
