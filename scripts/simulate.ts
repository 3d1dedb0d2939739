import { pathToFileURL } from 'node:url';
import { loadConfig } from '../core/platform/config.js';
import { addDays, instantOf } from '../core/domain/time.js';
import { parseTimeOfDay } from '../core/domain/window.js';
import { mulberry32 } from '../test/support/random.js';

/**
 * A simulated day of golden-hour activity, driven through the REAL ingest path
 * (`POST /api/events`) and the claim API. Used by the report test (with an in-process transport
 * and the injected clock) and by operators against a DEV_MODE server:
 *
 *   INGEST_TOKEN=… ADMIN_IDS=9001 DEV_MODE=1 npm start            # a dev server
 *   INGEST_TOKEN=… ADMIN_IDS=9001 npx tsx scripts/simulate.ts --url http://localhost:3000 \
 *       --date 2026-11-27 --users 40 --seed 7
 *
 * The plan is deterministic for a seed. It contains plays before, inside (including the
 * 21:30:00 / 22:30:00 boundaries) and after the window, replays, claims that succeed and claims
 * that must fail (not completed, twice, after the window, idempotent replays), deposits inside and
 * outside 2 h after a claim, and lighter play in the same hours on the previous days for CCU.
 */

export interface SimEvent {
  userId: number;
  type: 'PLAY_GAME' | 'DEPOSIT';
  actionId: string;
  amount?: number;
}

export interface SimClaim {
  userId: number;
  logicKey: string;
  /** idempotency key; a repeated key is an intended replay */
  key: string;
}

export interface SimStep {
  /** epoch ms: the server clock is set here before the step runs */
  at: number;
  events: SimEvent[];
  claims: SimClaim[];
}

export interface SimPlan {
  date: string;
  tz: string;
  window: { start: string; end: string };
  users: number[];
  /** sorted by `at` */
  steps: SimStep[];
}

export interface PlanOptions {
  date: string;
  tz?: string;
  users?: number;
  firstUserId?: number;
  seed?: number;
  previousDays?: number;
  window?: { start: string; end: string };
  goldenKey?: string;
  dailyKey?: string;
}

export function planDay(o: PlanOptions): SimPlan {
  const tz = o.tz ?? 'Asia/Seoul';
  const n = o.users ?? 40;
  const first = o.firstUserId ?? 100_001;
  const window = o.window ?? { start: '21:30:00', end: '22:30:00' };
  const goldenKey = o.goldenKey ?? 'golden_hour_play_3';
  const dailyKey = o.dailyKey ?? 'daily_play_10';
  const rand = mulberry32(o.seed ?? 7);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const ws = parseTimeOfDay(window.start);
  const we = parseTimeOfDay(window.end);
  if (we <= ws) throw new Error('the simulator expects a window that does not cross midnight');
  const at = (date: string, sec: number) => instantOf(date, sec, tz).getTime();
  const steps = new Map<number, SimStep>();
  const step = (ms: number) => {
    let s = steps.get(ms);
    if (!s) steps.set(ms, (s = { at: ms, events: [], claims: [] }));
    return s;
  };
  const users = Array.from({ length: n }, (_, i) => first + i);
  let seq = 0;
  const play = (u: number, ms: number, id = `g${u}-${seq++}`) => {
    step(ms).events.push({ userId: u, type: 'PLAY_GAME', actionId: id });
    return id;
  };
  const deposit = (u: number, ms: number) => step(ms).events.push({ userId: u, type: 'DEPOSIT', actionId: `d${u}-${seq++}`, amount: int(1, 50) * 1000 });
  const claim = (u: number, ms: number, logicKey: string, key = randomKey(rand)) => {
    step(ms).claims.push({ userId: u, logicKey, key });
    return key;
  };
  // second of day on a 10-s grid (steps coalesce, keeping the run short)
  const grid = (lo: number, hi: number) => lo + 10 * int(0, Math.floor((hi - lo) / 10));

  // previous days: lighter play in the same hours, plus some outside them
  for (let d = o.previousDays ?? 7; d >= 1; d--) {
    const date = addDays(o.date, -d);
    for (const u of users) {
      if (rand() < 0.35) for (let k = int(1, 3); k > 0; k--) play(u, at(date, grid(ws, we)));
      if (rand() < 0.2) play(u, at(date, grid(ws - 3 * 3600, ws - 60)));
    }
  }

  const date = o.date;
  users.forEach((u, i) => {
    // before the window: counts for the daily mission only
    for (let k = int(0, 4); k > 0; k--) play(u, at(date, grid(ws - 90 * 60, ws - 60)));
    // inside the window
    const inside: number[] = [];
    if (rand() < 0.75) for (let k = int(1, 7); k > 0; k--) inside.push(at(date, grid(ws, we)));
    inside.sort((a, b) => a - b);
    const ids = inside.map((ms) => play(u, ms));
    // after the window
    for (let k = int(0, 3); k > 0; k--) play(u, at(date, grid(we + 60, 23 * 3600 + 50 * 60)));
    // the second after midnight belongs to the next day
    if (rand() < 0.15) play(u, at(addDays(date, 1), int(1, 600)));

    // a replay of an already-sent play, a few minutes later (must count once)
    if (ids.length && rand() < 0.3) {
      step(Math.min(inside[0]! + 120_000, at(date, we))).events.push({ userId: u, type: 'PLAY_GAME', actionId: ids[0]! });
    }

    // claims for the golden-hour mission
    let claimedAt: number | null = null;
    if (inside.length >= 3) {
      const third = inside[2]!;
      const r = rand();
      if (r < 0.7) {
        claimedAt = Math.min(third + int(0, 20) * 60_000, at(date, we));
        const key = claim(u, claimedAt, goldenKey);
        if (rand() < 0.3) claim(u, claimedAt + 30_000 <= at(date, we) ? claimedAt + 30_000 : claimedAt, goldenKey, key); // replay
        if (rand() < 0.3) claim(u, claimedAt, goldenKey); // second claim, new key → ALREADY_CLAIMED
      } else if (r < 0.8) {
        claim(u, at(date, we + 60), goldenKey); // after the window → OUTSIDE_WINDOW
      }
    } else if (inside.length > 0 && rand() < 0.3) {
      claim(u, inside[inside.length - 1]!, goldenKey); // too early → NOT_COMPLETED
    }

    // deposits: within 2 h of the claim, exactly at 2 h, later, or unrelated
    if (claimedAt !== null) {
      const r = rand();
      if (r < 0.45) deposit(u, claimedAt + int(1, 110) * 60_000);
      else if (r < 0.55) deposit(u, claimedAt + 2 * 3_600_000);
      else if (r < 0.7) deposit(u, claimedAt + 2 * 3_600_000 + int(1, 30) * 60_000);
    } else if (rand() < 0.2) deposit(u, at(date, grid(ws, we)));

    // the daily mission, claimed late in the evening by most who finished it
    if (rand() < 0.8 || i % 5 === 0) claim(u, at(date, 23 * 3600 + 55 * 60), dailyKey);
  });

  // pinned boundary cases (docs/design.md: both ends inclusive at second precision)
  const b = users[0]!;
  play(b, at(date, ws - 1));
  play(b, at(date, ws));
  play(b, at(date, we));
  play(b, at(date, we + 1));

  return { date, tz, window, users, steps: [...steps.values()].sort((a, b) => a.at - b.at) };
}

function randomKey(rand: () => number) {
  return `sim-${Math.floor(rand() * 2 ** 32).toString(16)}-${Math.floor(rand() * 2 ** 32).toString(16)}`;
}

export interface SimTransport {
  /** move the server clock to `ms` */
  setTime(ms: number): Promise<void>;
  /** POST /api/events; must resolve only on 202 */
  ingest(events: SimEvent[]): Promise<void>;
  /** POST /api/mission/{id}/claim with the key; status and whether it was a replay */
  claim(userId: number, missionId: number, key: string): Promise<{ status: number; replayed: boolean; code?: string }>;
  missionId(logicKey: string): Promise<number>;
  /** wait until the consumer applied what was ingested (and activity is flushed) */
  settle(): Promise<void>;
}

export interface ClaimOutcome extends SimClaim {
  at: number;
  status: number;
  replayed: boolean;
  code?: string;
}

export interface SimResult {
  steps: number;
  events: number;
  claims: ClaimOutcome[];
}

/** Runs a plan step by step: clock, ingest, settle, then the step's claims. */
export async function runSimulation(plan: SimPlan, t: SimTransport): Promise<SimResult> {
  const ids = new Map<string, number>();
  const idOf = async (k: string) => {
    let id = ids.get(k);
    if (id === undefined) ids.set(k, (id = await t.missionId(k)));
    return id;
  };
  const claims: ClaimOutcome[] = [];
  let events = 0;
  for (const s of plan.steps) {
    await t.setTime(s.at);
    for (let i = 0; i < s.events.length; i += 1000) await t.ingest(s.events.slice(i, i + 1000));
    events += s.events.length;
    if (s.events.length) await t.settle();
    for (const c of s.claims) claims.push({ ...c, at: s.at, ...(await t.claim(c.userId, await idOf(c.logicKey), c.key)) });
    if (s.claims.length) await t.settle();
  }
  return { steps: plan.steps.length, events, claims };
}

/**
 * HTTP transport against a running DEV_MODE server: the clock moves through PUT /api/dev/clock
 * (as an admin), players sign in through POST /api/dev/login, events go to POST /api/events.
 */
export function httpTransport(o: { baseUrl: string; ingestToken: string; adminId: number; metricsToken?: string; settleTimeoutMs?: number }): SimTransport {
  const base = o.baseUrl.replace(/\/+$/, '');
  const sessions = new Map<number, string>();
  const login = async (userId: number) => {
    let init = sessions.get(userId);
    if (!init) {
      const res = await fetch(`${base}/api/dev/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId }) });
      if (!res.ok) throw new Error(`dev login failed (${res.status}): is the server in DEV_MODE without BOT_TOKEN?`);
      init = ((await res.json()) as { initData: string }).initData;
      sessions.set(userId, init);
    }
    return `tma ${init}`;
  };
  let missions: { id: number; logicKey: string }[] | null = null;
  return {
    async setTime(ms) {
      const res = await fetch(`${base}/api/dev/clock`, {
        method: 'PUT',
        headers: { authorization: await login(o.adminId), 'content-type': 'application/json' },
        body: JSON.stringify({ now: new Date(ms).toISOString() }),
      });
      if (!res.ok) throw new Error(`dev clock refused (${res.status}): ${await res.text()}`);
    },
    async ingest(events) {
      const res = await fetch(`${base}/api/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${o.ingestToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events }),
      });
      if (res.status !== 202) throw new Error(`ingest failed (${res.status}): ${await res.text()}`);
    },
    async claim(userId, missionId, key) {
      const res = await fetch(`${base}/api/mission/${missionId}/claim`, { method: 'POST', headers: { authorization: await login(userId), 'x-idempotency-key': key } });
      const body = (await res.json().catch(() => ({}))) as { code?: string };
      return { status: res.status, replayed: res.headers.get('idempotent-replayed') === 'true', code: body.code };
    },
    async missionId(logicKey) {
      if (!missions) {
        const res = await fetch(`${base}/api/admin/missions`, { headers: { authorization: await login(o.adminId) } });
        if (!res.ok) throw new Error(`mission list failed (${res.status})`);
        missions = ((await res.json()) as { missions: { id: number; logicKey: string }[] }).missions;
      }
      const m = missions.find((x) => x.logicKey === logicKey);
      if (!m) throw new Error(`no mission ${logicKey}`);
      return m.id;
    },
    async settle() {
      // no drain endpoint over HTTP: on a single-process dev server, /metrics shows when
      // everything ingested has been applied; otherwise wait a moment
      const until = Date.now() + (o.settleTimeoutMs ?? 10_000);
      for (;;) {
        const res = await fetch(`${base}/metrics`, { headers: o.metricsToken ? { authorization: `Bearer ${o.metricsToken}` } : {} }).catch(() => null);
        if (!res?.ok) return void (await new Promise((r) => setTimeout(r, 300)));
        const text = await res.text();
        let ingested = 0;
        for (const m of text.matchAll(/^events_ingested_total\{[^}]*\} (\S+)$/gm)) ingested += Number(m[1]);
        const processed = Number(/^events_processed_total (\S+)$/m.exec(text)?.[1] ?? 0);
        if (processed >= ingested || Date.now() > until) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const config = loadConfig();
  if (!config.ingestToken) throw new Error('INGEST_TOKEN is required (the same value as the server)');
  const adminId = config.adminIds[0];
  if (adminId === undefined) throw new Error('ADMIN_IDS is required (the simulator moves the dev clock as an admin)');
  const date = arg('date') ?? new Date().toISOString().slice(0, 10);
  const plan = planDay({ date, tz: config.tz, users: Number(arg('users') ?? 40), seed: Number(arg('seed') ?? 7), firstUserId: Number(arg('first-user') ?? 100_001) });
  const baseUrl = arg('url') ?? `http://localhost:${config.port}`;
  const t = httpTransport({ baseUrl, ingestToken: config.ingestToken, adminId, metricsToken: config.metricsToken });
  const r = await runSimulation(plan, t);
  const byStatus: Record<string, number> = {};
  for (const c of r.claims) byStatus[`${c.status}${c.replayed ? ' (replay)' : ''}`] = (byStatus[`${c.status}${c.replayed ? ' (replay)' : ''}`] ?? 0) + 1;
  console.log(JSON.stringify({ date, steps: r.steps, events: r.events, claims: byStatus, report: `${baseUrl}/api/admin/reports/daily?date=${date}` }, null, 2));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(String(err?.message ?? err));
    process.exit(1);
  });
}
