import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, kst, ADMIN_ID, type Harness } from '../support/harness.js';
import { planDay, runSimulation, type SimPlan, type SimResult, type SimTransport } from '../../scripts/simulate.js';
import { dailyReport, postDailyReport, reportCsv, type DailyReport } from '../../core/reports/report.js';
import { formatReportText } from '../../bot/notifications.js';
import { executePayout, parsePayoutCsv } from '../../core/missions/payout.js';

/**
 * The daily report against a simulated day pushed through POST /api/events and the claim API.
 * Every expected number below is derived from the simulator's plan with arithmetic written
 * here (fixed KST offset, plain loops) — not from the report's SQL or core/domain/window.ts.
 */
const DATE = '2026-11-27';
const CAP = 2_000;
const AUTO = { diamonds: 30, xp: 100, tickets: 0 };

// ---- an independent model of the rules, for Asia/Seoul (UTC+9, no DST)
const KST_MS = 9 * 3_600_000;
const localDate = (ms: number) => new Date(ms + KST_MS).toISOString().slice(0, 10);
const secondOfDay = (ms: number) => Math.floor((((ms + KST_MS) % 86_400_000) + 86_400_000) % 86_400_000 / 1000);
const inWindow = (ms: number) => secondOfDay(ms) >= 21 * 3600 + 30 * 60 && secondOfDay(ms) <= 22 * 3600 + 30 * 60;
const minuteOf = (ms: number) => Math.floor(ms / 60_000);
const wallMs = (date: string, h: number, m: number) => Date.parse(`${date}T00:00:00Z`) - KST_MS + (h * 3600 + m * 60) * 1000;
const prevDate = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

interface Expected {
  golden: { participants: number; completions: number; auto: number; manual: number; paid: { diamonds: number; xp: number; tickets: number } };
  other: { participants: number; completions: number; manual: number; paid: { diamonds: number; xp: number; tickets: number } };
  vault: { issued: number; goldenIssued: number };
  ccu: { avg: number; peak: number; previous: { date: string; avg: number; peak: number }[]; ratio: number | null };
  depositCr: { claimers: number; depositors: number };
  perMinute: Map<string, { participants: number; plays: number; claims: number }>;
  claimStatuses: number[];
}

function expectedFrom(plan: SimPlan): Expected {
  // first occurrence of each (user, type, actionId) is the one that counts
  const seen = new Set<string>();
  const fresh: { u: number; type: string; at: number }[] = [];
  const active = new Map<number, Set<number>>(); // minute → users
  const touch = (ms: number, u: number) => {
    const m = minuteOf(ms);
    if (!active.has(m)) active.set(m, new Set());
    active.get(m)!.add(u);
  };
  for (const s of plan.steps) {
    for (const e of s.events) {
      const k = `${e.userId}|${e.type}|${e.actionId}`;
      if (seen.has(k)) continue;
      seen.add(k);
      // a play counts for CCU at its (first) receive time; a duplicate delivery is not activity
      touch(s.at, e.userId);
      fresh.push({ u: e.userId, type: e.type, at: s.at });
    }
    for (const c of s.claims) touch(s.at, c.userId);
  }
  const playsOnDay = fresh.filter((e) => e.type === 'PLAY_GAME' && localDate(e.at) === DATE);
  const goldenPlays = playsOnDay.filter((e) => inWindow(e.at));
  const byUser = (list: typeof fresh) => {
    const m = new Map<number, number[]>();
    for (const e of list) m.set(e.u, [...(m.get(e.u) ?? []), e.at]);
    for (const v of m.values()) v.sort((a, b) => a - b);
    return m;
  };
  const goldenBy = byUser(goldenPlays);
  const dayBy = byUser(playsOnDay);

  // auto-claim (play_5): paid when the 5th in-window play is applied
  const claimTimes = new Map<number, number[]>();
  const addClaim = (u: number, at: number) => claimTimes.set(u, [...(claimTimes.get(u) ?? []), at]);
  let auto = 0;
  for (const [u, ts] of goldenBy) if (ts.length >= 5) (auto++, addClaim(u, ts[4]!));

  // manual claims replayed through the rules: idempotency, window, once, completion
  const keyOutcome = new Map<string, number>();
  const claimed = new Set<string>();
  const claimStatuses: number[] = [];
  let manualGolden = 0;
  let manualDaily = 0;
  for (const s of plan.steps) {
    for (const c of s.claims) {
      const kk = `${c.userId}|${c.key}`;
      let status: number;
      if (keyOutcome.has(kk)) status = keyOutcome.get(kk)!;
      else {
        const golden = c.logicKey === 'golden_hour_play_3';
        const done = golden
          ? (goldenBy.get(c.userId) ?? []).filter((t) => t <= s.at).length >= 3
          : (dayBy.get(c.userId) ?? []).filter((t) => t <= s.at).length >= 10 && localDate(s.at) === DATE;
        const ck = `${c.userId}|${c.logicKey}`;
        if (golden && !inWindow(s.at)) status = 403;
        else if (claimed.has(ck)) status = 409;
        else if (!done) status = 409;
        else {
          status = 200;
          claimed.add(ck);
          if (golden) (manualGolden++, addClaim(c.userId, s.at));
          else manualDaily++;
        }
        keyOutcome.set(kk, status);
      }
      claimStatuses.push(status);
    }
  }

  const completions3 = [...goldenBy.values()].filter((t) => t.length >= 3).length;
  const completions5 = [...goldenBy.values()].filter((t) => t.length >= 5).length;

  // deposit CR: a DEPOSIT within [claim, claim + 2 h] of any golden claim
  let depositors = 0;
  for (const [u, cs] of claimTimes) {
    const deps = fresh.filter((e) => e.u === u && e.type === 'DEPOSIT').map((e) => e.at);
    if (deps.some((d) => cs.some((c) => d >= c && d <= c + 7_200_000))) depositors++;
  }

  // CCU per window minute, today and on each of the 7 days before
  const ccu = (date: string) => {
    let total = 0;
    let peak = 0;
    const first = minuteOf(wallMs(date, 21, 30));
    const last = minuteOf(wallMs(date, 22, 30));
    for (let m = first; m <= last; m++) {
      const n = active.get(m)?.size ?? 0;
      total += n;
      peak = Math.max(peak, n);
    }
    return { date, avgRaw: total / (last - first + 1), peak };
  };
  const today = ccu(DATE);
  const previous = [7, 6, 5, 4, 3, 2, 1].map((n) => ccu(prevDate(DATE, n)));
  const base = previous.reduce((a, p) => a + p.avgRaw, 0) / 7;

  const perMinute = new Map<string, { participants: number; plays: number; claims: number }>();
  for (let m = minuteOf(wallMs(DATE, 21, 30)); m <= minuteOf(wallMs(DATE, 22, 30)); m++) {
    const label = new Date(m * 60_000 + KST_MS).toISOString().slice(11, 16);
    const participants = new Set(goldenPlays.filter((e) => minuteOf(e.at) === m).map((e) => e.u)).size;
    const plays = fresh.filter((e) => e.type === 'PLAY_GAME' && minuteOf(e.at) === m).length;
    const claims = [...claimTimes.values()].flat().filter((t) => minuteOf(t) === m).length;
    perMinute.set(label, { participants, plays, claims });
  }

  return {
    golden: {
      participants: goldenBy.size,
      completions: completions3 + completions5,
      auto,
      manual: manualGolden,
      paid: { diamonds: 100 * manualGolden + AUTO.diamonds * auto, xp: 500 * manualGolden + AUTO.xp * auto, tickets: manualGolden + AUTO.tickets * auto },
    },
    other: {
      participants: dayBy.size,
      completions: [...dayBy.values()].filter((t) => t.length >= 10).length,
      manual: manualDaily,
      paid: { diamonds: 50 * manualDaily, xp: 0, tickets: 0 },
    },
    vault: { issued: playsOnDay.reduce((a, e) => a + (inWindow(e.at) ? 20 : 10), 0), goldenIssued: goldenPlays.length * 20 },
    ccu: {
      avg: today.avgRaw,
      peak: today.peak,
      previous: previous.map((p) => ({ date: p.date, avg: p.avgRaw, peak: p.peak })),
      ratio: base > 0 ? today.avgRaw / base : null,
    },
    depositCr: { claimers: claimTimes.size, depositors },
    perMinute,
    claimStatuses,
  };
}

describe('daily report for a simulated day (real ingest path, injected clock)', () => {
  let h: Harness;
  let plan: SimPlan;
  let sim: SimResult;
  let report: DailyReport;
  let exp: Expected;
  let payoutUsers: number[] = [];

  beforeAll(async () => {
    h = await createHarness({ at: kst('12:00:00', prevDate(DATE, 8)), env: { VAULT_DAILY_CAP: String(CAP) } });
    // a second golden-hour mission with auto_claim, created the way an admin would
    const created = await h.req('/api/admin/missions', {
      method: 'POST',
      userId: ADMIN_ID,
      body: JSON.stringify({
        logicKey: 'golden_hour_play_5',
        title: '골든아워 5판',
        category: 'SPECIAL',
        actionType: 'PLAY_GAME',
        target: 5,
        rewards: AUTO,
        startTime: '21:30:00',
        endTime: '22:30:00',
        autoClaim: true,
        isGoldenHour: true,
        vaultAccrualMultiplier: 2,
      }),
    });
    expect(created.status).toBe(201);

    plan = planDay({ date: DATE, users: 30, seed: 11 });
    const t: SimTransport = {
      setTime: async (ms) => h.clock.freeze(ms),
      ingest: async (events) => {
        const res = await h.ingest(events);
        if (res.status !== 202) throw new Error(`ingest ${res.status}: ${await res.text()}`);
      },
      settle: async () => {
        await h.s.queue.drain();
        await h.s.activity.flush();
      },
      claim: async (userId, missionId, key) => {
        const res = await h.claim(userId, missionId, key);
        const body = (await res.json()) as { code?: string };
        return { status: res.status, replayed: res.headers.get('idempotent-replayed') === 'true', code: body.code };
      },
      missionId: (k) => h.missionId(k),
    };
    sim = await runSimulation(plan, t);
    // an admin pays two players who never claimed (a manual payout), plus one who did
    exp = expectedFrom(plan);
    const claimedOk = new Set(sim.claims.filter((c) => c.logicKey === 'golden_hour_play_3' && c.status === 200).map((c) => c.userId));
    payoutUsers = plan.users.filter((u) => !claimedOk.has(u)).slice(0, 2);
    expect(payoutUsers).toHaveLength(2);
    h.clock.freeze(kst('23:58:00'));
    const golden = (await h.s.catalog.byLogicKey('golden_hour_play_3'))!;
    const csv = parsePayoutCsv(['user_id', ...payoutUsers, [...claimedOk][0]].join('\n'));
    expect(await executePayout(h.s, ADMIN_ID, { mission: golden, periodKey: DATE }, csv)).toMatchObject({ paid: 2, alreadyPaid: 1 });
    h.clock.freeze(kst('23:59:00'));
    report = await dailyReport(h.s, DATE);
  }, 240_000);
  afterAll(async () => h?.close());

  it('the simulated day exercises every path (boundaries, replays, failed and replayed claims, deposits)', () => {
    const statuses = new Set(sim.claims.map((c) => c.status));
    expect(statuses).toEqual(new Set([200, 403, 409]));
    expect(sim.claims.some((c) => c.replayed)).toBe(true);
    expect(sim.claims.some((c) => c.code === 'NOT_COMPLETED')).toBe(true);
    expect(sim.claims.some((c) => c.code === 'ALREADY_CLAIMED')).toBe(true);
    expect(exp.golden.auto).toBeGreaterThan(0);
    expect(exp.depositCr.depositors).toBeGreaterThan(0);
    expect(exp.depositCr.depositors).toBeLessThan(exp.depositCr.claimers);
  });

  it('every claim answered as the rules say (window, once, completion, idempotent replay)', () => {
    expect(sim.claims.map((c) => c.status)).toEqual(exp.claimStatuses);
  });

  it('golden-hour missions: participants, completions, auto vs manual vs payout claims, rewards paid', () => {
    expect(report.golden.missions.map((m) => m.logicKey).sort()).toEqual(['golden_hour_play_3', 'golden_hour_play_5']);
    const p = exp.golden.paid;
    expect(report.golden).toMatchObject({
      participants: exp.golden.participants,
      completions: exp.golden.completions,
      claims: { auto: exp.golden.auto, manual: exp.golden.manual, payout: 2 },
      // the two manual payouts pay the play_3 rewards (100 💎, 500 XP, 1 🎟) each
      paid: { diamonds: p.diamonds + 200, xp: p.xp + 1000, tickets: p.tickets + 2 },
    });
  });

  it('other missions are reported apart: the daily mission counts plays from the whole local day', () => {
    expect(report.other.missions.map((m) => m.logicKey)).toEqual(['daily_play_10']);
    expect(report.other).toMatchObject({
      participants: exp.other.participants,
      completions: exp.other.completions,
      claims: { auto: 0, manual: exp.other.manual, payout: 0 },
      paid: exp.other.paid,
    });
  });

  it('vault points issued on the day (2x inside the window) against the cap, flagged when exceeded', () => {
    expect(report.vault).toEqual({ issued: exp.vault.issued, goldenIssued: exp.vault.goldenIssued, cap: CAP, exceeded: exp.vault.issued > CAP });
    expect(report.vault.exceeded).toBe(true);
  });

  it('CCU during the window against the same hours on each of the previous 7 days', () => {
    expect(report.window).toEqual({ start: '2026-11-27T21:30:00.000+09:00', end: '2026-11-27T22:30:00.000+09:00' });
    expect(report.ccu.window.avg).toBeCloseTo(exp.ccu.avg, 2);
    expect(report.ccu.window.peak).toBe(exp.ccu.peak);
    expect(report.ccu.previous7.map((p) => p.date)).toEqual(exp.ccu.previous.map((p) => p.date));
    report.ccu.previous7.forEach((p, i) => {
      expect(p.avg).toBeCloseTo(exp.ccu.previous[i]!.avg, 2);
      expect(p.peak).toBe(exp.ccu.previous[i]!.peak);
    });
    expect(exp.ccu.ratio).not.toBeNull();
    expect(report.ccu.ratio!).toBeCloseTo(exp.ccu.ratio!, 2);
  });

  it('deposit CR: share of golden-hour claimers (payouts excluded) with a DEPOSIT within 2 h after claiming (inclusive)', () => {
    expect(report.depositCr.claimers).toBe(exp.depositCr.claimers);
    expect(report.depositCr.depositors).toBe(exp.depositCr.depositors);
    expect(report.depositCr.share).toBeCloseTo(exp.depositCr.depositors / exp.depositCr.claimers, 4);
  });

  it('per-minute participants, plays and claims for every minute of the window (21:30..22:30)', () => {
    expect(report.perMinute).toHaveLength(61);
    expect(report.perMinute[0]!.minute).toBe('21:30');
    expect(report.perMinute[60]!.minute).toBe('22:30');
    for (const row of report.perMinute) expect({ minute: row.minute, ...exp.perMinute.get(row.minute) }).toEqual(row);
    expect(report.perMinute.reduce((a, r) => a + r.claims, 0)).toBe(exp.golden.auto + exp.golden.manual);
  });

  it('GET /api/admin/reports/daily returns the same JSON, CSV on request; admins only; bad dates refused', async () => {
    const json = await h.req(`/api/admin/reports/daily?date=${DATE}`, { userId: ADMIN_ID });
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual(report);
    const csv = await h.req(`/api/admin/reports/daily?date=${DATE}&format=csv`, { userId: ADMIN_ID });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await csv.text();
    expect(text).toBe(reportCsv(report));
    expect(text).toContain(`golden,participants,${exp.golden.participants}\r\n`);
    expect(text).toContain(`vault,issued,${exp.vault.issued}\r\n`);
    expect(text).toContain('minute,participants,plays,claims\r\n');
    expect((await h.req(`/api/admin/reports/daily?date=${DATE}`, { userId: 100_001 })).status).toBe(403);
    const bad = await h.req('/api/admin/reports/daily?date=2026-13-40', { userId: ADMIN_ID });
    expect(bad.status).toBe(400);
    expect((await bad.json()).code).toBe('VALIDATION_FAILED');
  });

  it('the report is posted to every admin chat in their language, once per date; a failed delivery is retried next time', async () => {
    const failing = { sendMessage: async () => Promise.reject(new Error('403: bot was blocked by the user')) };
    expect(await postDailyReport(h.s, failing, DATE)).toMatchObject({ sent: 0, failed: 1, skipped: 0 });
    const sent: { chatId: number; text: string }[] = [];
    const api = { sendMessage: async (chatId: number, text: string) => void sent.push({ chatId, text }) };
    const r = await postDailyReport(h.s, api, DATE);
    expect(r).toMatchObject({ sent: 1, failed: 0, skipped: 0 });
    expect(await postDailyReport(h.s, api, DATE)).toMatchObject({ sent: 0, failed: 0, skipped: 1 }); // a retried job posts nothing twice
    expect(sent).toHaveLength(1);
    expect(sent[0]!.chatId).toBe(ADMIN_ID);
    expect(sent[0]!.text).toContain('골든아워 일일 리포트');
    expect(sent[0]!.text).toContain(`참여 ${exp.golden.participants.toLocaleString('en-US')}명`);
    expect(sent[0]!.text).toContain('한도 초과');
    const en = formatReportText(report, 'en');
    expect(en).toContain(`${exp.golden.participants} participants`);
    expect(en).toContain('Daily cap exceeded');
  });
});
