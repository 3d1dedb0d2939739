import type { Database } from '../../db/connection.js';
import type { Mission } from './catalog.js';
import { isLiveFor, missionFields, type MissionFields } from './catalog.js';
import { currentOrNextOccurrence, isWithinWindow, periodKey } from '../domain/window.js';
import { getBalance } from './ledger.js';
import { stampsOf } from '../domain/rewards.js';
import type { ClaimDeps } from './claim.js';
import type { ExperimentTimeline } from './experiments.js';
import { coalesced, perOwner } from '../platform/coalesce.js';

export type MissionStatus = 'locked' | 'active' | 'completed' | 'claimed';

/** A mission as the player's list shows it: the catalog's own fields, plus this player's state. */
export interface MissionView extends MissionFields {
  progress: number;
  status: MissionStatus;
  isLocked: boolean;
  window: { start: string; end: string; opensAt: string; closesAt: string } | null;
  periodKey: string;
}

/** The mission list needs what a claim needs (the same visibility and window rules). */
export type ViewDeps = ClaimDeps;

/** What one player's list is made of: each visible mission's frame, as this player sees it, and their progress row. */
async function listParts(deps: ViewDeps, userId: number) {
  const nowMs = deps.clock.nowMs();
  const flag = await deps.flags.goldenHour();
  const visible = (await deps.catalog.active()).filter((m) => isLiveFor(m, flag, userId, deps.audience));
  const experiment = await deps.experiments?.timeline();
  const healthy = deps.clockHealth.isHealthy();
  const keys = visible.flatMap((m) => {
    const f = frameOf(m, nowMs, deps.tz, healthy);
    const seen = missionAsSeenBy(experiment, m, userId, f.periodKey);
    return seen ? [{ f, seen }] : [];
  });
  const periods = [...new Set(keys.map((k) => k.f.periodKey))];
  // the only per-request database work: this player's progress rows (missions and flag are cached)
  const rows = keys.length ? await progressOf(deps.database)({ userId, periods }) : [];
  const byKey = new Map(rows.map((r) => [`${r.mission_id}|${r.period_key}`, r]));
  return { nowMs, parts: keys.map(({ f, seen }) => ({ f, seen, row: byKey.get(`${f.mission.id}|${f.periodKey}`) })) };
}

/**
 * GET /api/mission (docs/design.md, The HTTP API): missions the flag lets this player see, with their
 * progress for the current period. Outside its window a timed mission is `locked`.
 */
export async function listMissionsFor(deps: ViewDeps, userId: number): Promise<{ serverTime: string; missions: MissionView[] }> {
  const { nowMs, parts } = await listParts(deps, userId);
  const missions = parts.map(({ f, seen, row }) => view(seen === f.mission ? f : { ...f, fields: missionFields(seen) }, row));
  return { serverTime: new Date(nowMs).toISOString(), missions };
}

/**
 * The same list as JSON text, exactly `JSON.stringify(listMissionsFor(...))`, for the API route:
 * each mission's text around the player's own three fields (progress, status, isLocked) is made
 * once per mission per second with its frame, so a request joins strings instead of copying every
 * field into a new object and serializing it again (docs/performance.md § 17).
 */
export async function listMissionsJson(deps: ViewDeps, userId: number): Promise<string> {
  const { nowMs, parts } = await listParts(deps, userId);
  let out = `{"serverTime":"${new Date(nowMs).toISOString()}","missions":[`;
  for (let i = 0; i < parts.length; i++) {
    const { f, seen, row } = parts[i]!;
    if (i) out += ',';
    if (seen !== f.mission) {
      // a variant player's rewards: not the frame's fields (rare: the golden mission in an experiment)
      out += JSON.stringify(view({ ...f, fields: missionFields(seen) }, row));
      continue;
    }
    const { progress, status } = playerState(f, row);
    out += `${f.text.head}"progress":${progress},"status":"${status}","isLocked":${status === 'locked'},${f.text.tail}`;
  }
  return out + ']}';
}

/**
 * Progress reads in flight at once; the requests that arrive meanwhile go in the next read
 * (docs/performance.md § 17): under load a read carries tens of players, not the one or two of a turn.
 */
const PROGRESS_READS_IN_FLIGHT = 2;

type ProgressRow = { user_id: string | number; mission_id: number; period_key: string; progress: number; status: string };

/**
 * Players' progress rows for some periods, read for every list request of one event-loop turn in
 * one statement (core/platform/coalesce.ts; docs/performance.md, mission list): the requests of a
 * turn ask for the same periods, so it is usually one query for all of them.
 */
const progressOf = perOwner((database: Database) =>
  coalesced(async (keys: readonly { userId: number; periods: string[] }[]) => {
    const groups = new Map<string, { periods: string[]; users: Set<number> }>();
    for (const k of keys) {
      const g = `${k.periods.join('\u0000')}`;
      let group = groups.get(g);
      if (!group) groups.set(g, (group = { periods: k.periods, users: new Set() }));
      group.users.add(k.userId);
    }
    const byUser = new Map<string, ProgressRow[]>();
    await Promise.all(
      [...groups].map(async ([g, { periods, users }]) => {
        const rows = await database.raw<ProgressRow>(
          'select user_id, mission_id, period_key, progress, status from user_mission_progress where user_id = any($1::bigint[]) and period_key = any($2::text[])',
          [[...users], periods],
        );
        for (const r of rows) {
          const k = `${g}|${r.user_id}`;
          const l = byUser.get(k);
          if (l) l.push(r);
          else byUser.set(k, [r]);
        }
      }),
    );
    return keys.map((k) => byUser.get(`${k.periods.join('\u0000')}|${k.userId}`) ?? []);
  }, 512, { maxInFlight: PROGRESS_READS_IN_FLIGHT }),
);

/**
 * The mission as one player sees it in a period of the golden-hour experiment: a holdout player
 * does not see the golden mission at all (null), a variant player sees their variant's rewards.
 * The mission list and /start show it the same way.
 */
export function missionAsSeenBy<M extends Mission>(experiment: ExperimentTimeline | undefined, m: M, userId: number, period: string): M | null {
  if (!experiment || !m.isGoldenHour) return m;
  if (experiment.isHoldout(m, userId, period)) return null;
  const rewards = experiment.rewardsFor(m, userId, period);
  // the mission itself when nothing changes for this player (the list then uses its cached text)
  return rewards === m.rewards ? m : { ...m, rewards };
}

/**
 * What a mission shows in one second, whoever asks: its period, whether its window is open, the
 * occurrence shown and its catalog fields. Window bounds are whole seconds, so this is computed
 * once per mission per second instead of per request: the zone lookups and the field copies were
 * the costliest part of the list (docs/performance.md, mission list).
 */
interface Frame {
  mission: Mission;
  second: number;
  tz: string;
  healthy: boolean;
  periodKey: string;
  open: boolean;
  window: MissionView['window'];
  fields: MissionFields;
  /** the view's JSON before and after the player's fields (listMissionsJson) */
  text: { head: string; tail: string };
}

const frames = new WeakMap<Mission, Frame>();
function frameOf(m: Mission, nowMs: number, tz: string, healthy: boolean): Frame {
  const second = Math.floor(nowMs / 1000);
  const hit = frames.get(m);
  if (hit && hit.second === second && hit.tz === tz && hit.healthy === healthy) return hit;
  let window: MissionView['window'] = null;
  let open = true;
  if (m.window) {
    open = healthy && isWithinWindow(m.window, nowMs, tz);
    try {
      const occ = currentOrNextOccurrence(m.window, nowMs, tz);
      window = { start: m.window.start, end: m.window.end, opensAt: occ.opensAt.toISOString(), closesAt: occ.closesAt.toISOString() };
    } catch {
      window = { start: m.window.start, end: m.window.end, opensAt: '', closesAt: '' };
    }
  }
  const fields = missionFields(m);
  const key = periodKey(m, nowMs, tz);
  const own = JSON.stringify(fields);
  const text = { head: own === '{}' ? '{' : `${own.slice(0, -1)},`, tail: `"window":${JSON.stringify(window)},"periodKey":${JSON.stringify(key)}}` };
  const f: Frame = { mission: m, second, tz, healthy, periodKey: key, open, window, fields, text };
  frames.set(m, f);
  return f;
}

/** The player's own part of a mission's view: a claimed reward stays shown as claimed; anything else outside the window is locked. */
function playerState(f: Pick<Frame, 'mission' | 'open'>, row: { progress: number; status: string } | undefined): { progress: number; status: MissionStatus } {
  const stored = (row?.status ?? 'active') as MissionStatus;
  return { progress: Math.min(row?.progress ?? 0, f.mission.target), status: stored === 'claimed' ? 'claimed' : f.open ? stored : 'locked' };
}

function view(f: Pick<Frame, 'mission' | 'periodKey' | 'open' | 'window' | 'fields'>, row: { progress: number; status: string } | undefined): MissionView {
  const { progress, status } = playerState(f, row);
  return {
    ...f.fields,
    progress,
    status,
    isLocked: status === 'locked',
    window: f.window,
    periodKey: f.periodKey,
  };
}

export async function playerSummary(database: Database, user: { id: number; firstName?: string; username?: string; languageCode?: string }) {
  const b = await getBalance(database, user.id);
  return {
    user: { id: user.id, firstName: user.firstName ?? null, username: user.username ?? null, languageCode: user.languageCode ?? null },
    diamonds: b.diamonds,
    xp: b.xp,
    stamps: stampsOf(b.xp),
    tickets: b.tickets,
    vaultPoints: b.vaultPoints,
  };
}
