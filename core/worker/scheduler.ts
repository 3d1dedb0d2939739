import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { sql } from 'drizzle-orm';
import type { Config, FlagState } from '../platform/config.js';
import type { ClockGuard } from './clockGuard.js';
import type { Mission } from '../missions/catalog.js';
import { NO_EXPERIMENT, type ExperimentTimeline } from '../missions/experiments.js';
import type { Logger } from 'pino';
import type { Database } from '../../db/connection.js';
import type { Clock } from '../platform/clock.js';
import type { Metrics } from '../platform/metrics.js';
import type { MissionCatalog } from '../missions/catalog.js';
import { ANNOUNCE_KIND, type AnnouncementTexts, announcementHoldout, announcementMessage, announcementSegment, preAnnouncementMessage, reminderMessage } from '../delivery/announcement.js';
import { Broadcaster, type BroadcastResult, type SendApi } from '../delivery/sendLoop.js';
import { estimateAnnouncement, type AnnouncementEstimate } from '../delivery/estimate.js';
import { addDays, formatLocal, localParts } from '../domain/time.js';
import { occurrenceOn, periodKey } from '../domain/window.js';

/**
 * The worker's day (docs/design.md, Data flow: the announcement): jobs derived from the golden mission's window in the
 * catalog — never a second copy of the times, so an admin edit moves them:
 *
 *   preflight  send start − 5 min   clock check against both NTP sources (+ the reach plan, logged)
 *   announce   start, or earlier   the announcement to players active in the last ACTIVE_DAYS days;
 *                                  when they cannot all hear it by start + ANNOUNCE_REACH_S, sending
 *                                  starts early with the pre-announcement (the reach plan,
 *                                  core/delivery/estimate.ts, docs/broadcast.md)
 *   reminder   end − REMINDER_MINUTES_BEFORE_END   to players who started but have not finished
 *   report     end + 5 min     onDailyReport(date) (core/reports/report.ts)
 *
 * Exactly one worker fires a job: a row per job key in scheduler_jobs, taken with
 * insert … on conflict do update … where the lease expired, returning. A worker that restarts
 * fires a job that fell due while it was down if it is at most SCHEDULER_MAX_LATENESS_S late, and
 * never one whose window already closed; a job whose runner died mid-way (lease expired) is
 * resumed by the next worker until the window closes (the delivery table makes that safe).
 * Time comes from the injected clock; `tick()` is public so tests drive the day by hand.
 */
export type JobKind = 'preflight' | 'announce' | 'reminder' | 'report';

export interface PlannedJob {
  key: string;
  kind: JobKind;
  day: string;
  at: number;
  /** first firing must happen before this */
  deadline: number;
  /** a job whose runner died may be resumed until this */
  resumeUntil: number;
  opensAt: number;
  closesAt: number;
}

export interface JobRun {
  key: string;
  kind: JobKind;
  status: 'done' | 'skipped' | 'failed' | 'released';
  detail: Record<string, unknown>;
}

export interface SchedulerServices {
  config: Config;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  database: Database;
  catalog: Pick<MissionCatalog, 'active' | 'goldenMission'>;
  flags: { goldenHour(): Promise<FlagState> };
  experiments?: { timeline(): Promise<ExperimentTimeline> };
  /** the announcement's texts and the admins' clock alert, from the locales (docs/design.md, Layers) */
  texts: AnnouncementTexts & ClockAlertTexts;
}

/** The alert to admins when a clock preflight cancels an announcement (worded in the bot's locales). */
export interface ClockAlertTexts {
  clockAlert(p: { when: string; error: string; offsetsMs: Record<string, number | null> }): string;
}

export interface SchedulerOptions {
  guard?: ClockGuard | null;
  /** the send loop on the worker's sender (core/services.ts); without it (and without `api`), announcements are skipped */
  broadcaster?: Broadcaster | null;
  /** the worker's sender, for alerts to admins (and the send loop when `broadcaster` is not given) */
  api?: SendApi | null;
  /** how often the reach plan (audience size → send start) is recomputed before the window; default 30 s */
  planRefreshMs?: number;
  /** the ops helper's daily report (core/reports/report.ts) */
  onDailyReport?: (date: string) => Promise<unknown> | unknown;
  owner?: string;
  tickMs?: number;
  leaseMs?: number;
}

export const PREFLIGHT_LEAD_MS = 5 * 60_000;
export const REPORT_DELAY_MS = 5 * 60_000;
export const PREPARE_MS = 2000;

/**
 * The day's jobs for a golden mission's window (local date `day` = the date the window opens).
 * `announceLeadMs`: how long before the start the announcement job begins (the reach plan's
 * pre-announcement; 0 when everyone can hear it in time after the start).
 */
export function planJobs(m: Pick<Mission, 'window'>, day: string, c: Pick<Config, 'tz' | 'schedulerMaxLatenessS' | 'reminderMinutesBeforeEnd'>, announceLeadMs = 0): PlannedJob[] {
  if (!m.window) return [];
  const occ = occurrenceOn(m.window, day, c.tz);
  const opensAt = occ.opensAt.getTime();
  const endAt = occ.lastSecondAt.getTime();
  const closesAt = occ.closesAt.getTime();
  const late = c.schedulerMaxLatenessS * 1000;
  const job = (kind: JobKind, at: number, deadline: number, resumeUntil = deadline): PlannedJob => ({ key: `${kind}:${day}`, kind, day, at, deadline, resumeUntil, opensAt, closesAt });
  // with a pre-announcement the job starts PREPARE_MS early to reserve its first recipients, and
  // sends nothing before its planned start (BroadcastJob.notBeforeMs)
  const announceAt = announceLeadMs > 0 ? opensAt - announceLeadMs - PREPARE_MS : opensAt;
  const jobs = [
    job('preflight', announceAt - PREFLIGHT_LEAD_MS, Math.min(announceAt - PREFLIGHT_LEAD_MS + late, announceAt)),
    job('announce', announceAt, Math.min(opensAt + late, closesAt), closesAt),
  ];
  const remindAt = endAt - c.reminderMinutesBeforeEnd * 60_000;
  if (c.reminderMinutesBeforeEnd > 0 && remindAt > opensAt) jobs.push(job('reminder', remindAt, Math.min(remindAt + late, closesAt), closesAt));
  jobs.push(job('report', endAt + REPORT_DELAY_MS, endAt + REPORT_DELAY_MS + late));
  return jobs;
}

export class Scheduler {
  readonly owner: string;
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private readonly running = new Map<string, Promise<JobRun>>();
  private readonly stopAll = new AbortController();
  private readonly leaseMs: number;
  private readonly broadcaster: Broadcaster | null;
  private readonly api: SendApi | null;
  /** the last reach plan per day: the announcement's lead before the start */
  private lead: { day: string; atMs: number; leadMs: number; estimate: AnnouncementEstimate | null } | null = null;

  constructor(
    private readonly s: SchedulerServices,
    private readonly o: SchedulerOptions = {},
  ) {
    this.owner = o.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.leaseMs = o.leaseMs ?? 120_000;
    // a sender alone (tests, tools) gets a send loop of its own on it; no shared module state
    this.broadcaster = o.broadcaster ?? (o.api ? new Broadcaster({ database: s.database, clock: s.clock, log: s.log, metrics: s.metrics, api: o.api, rate: s.config.broadcastRate }) : null);
    this.api = o.api ?? this.broadcaster?.api ?? null;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick().catch((err) => this.s.log.error({ err }, 'scheduler tick failed')), this.o.tickMs ?? 1000);
    this.timer.unref();
    this.s.log.info({ owner: this.owner, guard: Boolean(this.o.guard) }, 'scheduler started');
  }

  /** Stops ticking; a running broadcast stops gracefully and its job is left for the next worker. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopAll.abort();
    await Promise.allSettled([...this.running.values()]);
  }

  /** Jobs that could be due now: windows opening today or yesterday (a window may cross midnight). */
  async plan(nowMs = this.s.clock.nowMs()): Promise<PlannedJob[]> {
    const m = await this.s.catalog.goldenMission();
    if (!m) return [];
    const today = localParts(nowMs, this.s.config.tz).date;
    return [...planJobs(m, addDays(today, -1), this.s.config), ...planJobs(m, today, this.s.config, await this.announceLead(m, today, nowMs))];
  }

  /**
   * How early today's announcement starts (the reach plan): recomputed every planRefreshMs while
   * the start is ahead, since the audience grows during the day; kept once the send started.
   */
  private async announceLead(m: Mission, day: string, nowMs: number): Promise<number> {
    const opensAt = occurrenceOn(m.window!, day, this.s.config.tz).opensAt.getTime();
    const cached = this.lead?.day === day ? this.lead : null;
    if (cached && (nowMs >= opensAt - cached.leadMs || Math.abs(nowMs - cached.atMs) < (this.o.planRefreshMs ?? 30_000))) return cached.leadMs;
    if (nowMs >= opensAt) return cached?.leadMs ?? 0;
    const estimate = await estimateAnnouncement(this.s, day);
    const leadMs = estimate ? Math.max(0, opensAt - estimate.plan.sendStartMs) : 0;
    if (leadMs !== (cached?.leadMs ?? 0)) this.s.log.info({ day, leadS: leadMs / 1000, plan: estimate?.plan }, 'announcement reach plan: send start moved');
    this.lead = { day, atMs: nowMs, leadMs, estimate };
    return leadMs;
  }

  /**
   * One pass: take the lease of every due job and run it. Resolves when the jobs this pass started
   * have finished (the interval loop does not wait; tests do).
   */
  async tick(): Promise<JobRun[]> {
    if (this.ticking || this.stopAll.signal.aborted) return [];
    this.ticking = true;
    const started: Promise<JobRun>[] = [];
    try {
      const now = this.s.clock.nowMs();
      for (const j of await this.plan(now)) {
        if (now < j.at || now >= j.resumeUntil || this.running.has(j.key)) continue;
        if (!(await this.lease(j, now))) continue;
        const p = this.run(j).finally(() => this.running.delete(j.key));
        this.running.set(j.key, p);
        started.push(p);
      }
    } finally {
      this.ticking = false;
    }
    return Promise.all(started);
  }

  /** Take the job: first firing before its deadline, or resume a dead runner's job before resumeUntil. */
  private async lease(j: PlannedJob, now: number): Promise<boolean> {
    const nowIso = new Date(now).toISOString();
    const until = new Date(now + this.leaseMs).toISOString();
    const firstOk = now < j.deadline;
    const resumeOk = now < j.resumeUntil;
    const rows = await this.s.database.query<{ job_key: string }>(
      firstOk
        ? sql`insert into scheduler_jobs (job_key, status, lease_owner, lease_until, fired_at, detail)
              values (${j.key}, 'running', ${this.owner}, ${until}::timestamptz, ${nowIso}::timestamptz, ${JSON.stringify({ attempts: 1 })}::jsonb)
              on conflict (job_key) do update set lease_owner = excluded.lease_owner, lease_until = excluded.lease_until, status = 'running',
                detail = coalesce(scheduler_jobs.detail, '{}'::jsonb) || jsonb_build_object('attempts', coalesce((scheduler_jobs.detail->>'attempts')::int, 1) + 1)
              where ${resumeOk} and ((scheduler_jobs.status = 'running' and scheduler_jobs.lease_until < ${nowIso}::timestamptz)
                 or (scheduler_jobs.status = 'failed' and coalesce((scheduler_jobs.detail->>'attempts')::int, 1) < 3))
              returning job_key`
        : sql`update scheduler_jobs set lease_owner = ${this.owner}, lease_until = ${until}::timestamptz,
                detail = coalesce(detail, '{}'::jsonb) || jsonb_build_object('attempts', coalesce((detail->>'attempts')::int, 1) + 1)
              where job_key = ${j.key} and status = 'running' and lease_until < ${nowIso}::timestamptz
              returning job_key`,
    );
    return rows.length === 1;
  }

  private async finish(j: PlannedJob, r: JobRun): Promise<void> {
    const now = this.s.clock.now().toISOString();
    if (r.status === 'released') {
      // stopped mid-way: give the lease back so the next worker resumes at once
      await this.s.database.query(
        sql`update scheduler_jobs set lease_until = ${now}::timestamptz - interval '1 millisecond', detail = coalesce(detail, '{}'::jsonb) || ${JSON.stringify(r.detail)}::jsonb
            where job_key = ${j.key} and lease_owner = ${this.owner}`,
      );
      return;
    }
    await this.s.database.query(
      sql`update scheduler_jobs set status = ${r.status}, finished_at = ${now}::timestamptz, lease_until = null,
            detail = coalesce(detail, '{}'::jsonb) || ${JSON.stringify(r.detail)}::jsonb
          where job_key = ${j.key} and lease_owner = ${this.owner}`,
    );
  }

  private async run(j: PlannedJob): Promise<JobRun> {
    const { log, clock } = this.s;
    const lateS = Math.round((clock.nowMs() - j.at) / 1000);
    log.info({ job: j.key, lateS, owner: this.owner }, 'scheduler job firing');
    // keep the lease while the job runs (a broadcast can outlast it)
    const heartbeat = setInterval(() => {
      void this.s.database
        .query(
          sql`update scheduler_jobs set lease_until = ${new Date(clock.nowMs() + this.leaseMs).toISOString()}::timestamptz
              where job_key = ${j.key} and lease_owner = ${this.owner} and status = 'running'`,
        )
        .catch(() => {});
    }, Math.max(1000, this.leaseMs / 3));
    heartbeat.unref();
    let r: JobRun;
    try {
      r = await this.execute(j);
    } catch (err) {
      log.error({ err, job: j.key }, 'scheduler job failed');
      r = { key: j.key, kind: j.kind, status: 'failed', detail: { error: err instanceof Error ? err.message : String(err) } };
    } finally {
      clearInterval(heartbeat);
    }
    await this.finish(j, r).catch((err) => log.error({ err, job: j.key }, 'scheduler could not record the job outcome'));
    log.info({ job: j.key, status: r.status, ...r.detail }, 'scheduler job finished');
    return r;
  }

  private async execute(j: PlannedJob): Promise<JobRun> {
    const done = (status: JobRun['status'], detail: Record<string, unknown> = {}): JobRun => ({ key: j.key, kind: j.kind, status, detail });
    if (j.kind === 'report') {
      await this.o.onDailyReport?.(j.day);
      return done('done', { report: Boolean(this.o.onDailyReport) });
    }
    const flag = await this.s.flags.goldenHour();
    if (flag === 'off') return done('skipped', { reason: 'flag_off' });
    const m = await this.s.catalog.goldenMission();
    if (!m) return done('skipped', { reason: 'no_golden_mission' });

    if (j.kind === 'preflight') {
      const estimate = await estimateAnnouncement(this.s, j.day);
      this.s.log.info({ day: j.day, ...estimate }, 'announcement: expected finish time');
      if (!this.o.guard) return done('done', { pass: true, guard: 'off', estimate });
      const c = await this.o.guard.check('preflight');
      if (!c.pass) await this.alert(j, c.error ?? 'clock check failed', c.offsetsMs);
      return done('done', { pass: c.pass, offsetsMs: c.offsetsMs, error: c.error, estimate });
    }

    // announce / reminder: never from a server whose clock is wrong (docs/design.md, The rules in words: Clock guard)
    const clockOk = await this.clockOk(j);
    if (!clockOk.pass) return done('skipped', { reason: 'clock_check_failed', ...clockOk });
    const b = this.broadcaster;
    if (!b) return done('skipped', { reason: 'no_bot_token' });
    const ctx = { tz: this.s.config.tz, webappUrl: this.s.config.webappUrl, texts: this.s.texts };
    const only = flag === 'dry_run' ? [...this.s.config.adminIds, ...this.s.config.testerIds] : null;
    // the experiment's holdout hears nothing; a variant player reads their variant's rewards
    const period = periodKey(m, j.opensAt, this.s.config.tz);
    const exp = (await this.s.experiments?.timeline()) ?? NO_EXPERIMENT;
    const holdout = announcementHoldout(exp, m, j.opensAt, this.s.config.tz);
    const theirs = (id: number) => ({ ...m, rewards: exp.rewardsFor(m, id, period) });
    const clock = this.s.clock;
    let res: BroadcastResult;
    if (j.kind === 'announce') {
      // the plan decides when sending starts; the clock decides each message: before the start only
      // the pre-announcement may go out, from the start only the announcement (one row per player: one of them)
      // the plan that set the send start (fresh enough: refreshed every planRefreshMs), else a new one
      const cached = this.lead?.day === j.day ? this.lead.estimate : null;
      const plan = (cached ?? (await estimateAnnouncement(this.s, j.day)))?.plan;
      const c = this.s.config;
      const paidQuota = c.broadcastPaid && plan ? plan.paid : 0;
      res = await b.run({
        kind: ANNOUNCE_KIND,
        day: j.day,
        segment: announcementSegment(this.s, j.opensAt, only, holdout),
        render: (r) =>
          clock.nowMs() < j.opensAt
            ? { ...preAnnouncementMessage(theirs(r.id), r.languageCode, ctx), variant: 'pre' }
            : { ...announcementMessage(theirs(r.id), r.languageCode, ctx), variant: 'live' },
        deadlineMs: j.closesAt,
        notBeforeMs: plan ? Math.min(plan.sendStartMs, j.opensAt) : j.opensAt,
        paid: paidQuota > 0 ? { quota: paidQuota, fromMs: j.opensAt } : undefined,
        signal: this.stopAll.signal,
      });
    } else {
      const minutesLeft = Math.max(1, Math.round((j.closesAt - 1000 - j.at) / 60_000));
      res = await b.run({
        kind: 'reminder',
        day: j.day,
        segment: { type: 'reminder', missionId: m.id, periodKey: period, target: m.target, holdout },
        render: (r) => reminderMessage(theirs(r.id), r, minutesLeft, ctx),
        deadlineMs: j.closesAt,
        signal: this.stopAll.signal,
      });
    }
    const detail = { sent: res.sent, blocked: res.blocked, failed: res.failed, unknown: res.unknown, paid: res.paid, variants: res.variants, stoppedBy: res.stoppedBy, flag };
    return done(res.stoppedBy === 'abort' ? 'released' : 'done', detail);
  }

  /** The preflight's verdict for the day, or a fresh check if the preflight never ran (worker was down). */
  private async clockOk(j: PlannedJob): Promise<{ pass: boolean; error?: string | null; offsetsMs?: Record<string, number | null> }> {
    const g = this.o.guard;
    if (!g) return { pass: true };
    const rows = await this.s.database.query<{ status: string; detail: { pass?: boolean } | null }>(
      sql`select status, detail from scheduler_jobs where job_key = ${`preflight:${j.day}`}`,
    );
    const pre = rows[0];
    if (pre?.status === 'done' && pre.detail?.pass === false) return { pass: false, error: 'preflight failed' };
    if (!(pre?.status === 'done' && pre.detail?.pass === true)) {
      const c = await g.check('preflight');
      if (!c.pass) {
        await this.alert(j, c.error ?? 'clock check failed', c.offsetsMs);
        return { pass: false, error: c.error, offsetsMs: c.offsetsMs };
      }
    }
    if (!g.isHealthy()) return { pass: false, error: 'clock guard unhealthy' };
    return { pass: true };
  }

  /** Tell admins in Telegram that a broadcast was cancelled (best effort; the log has it too). */
  private async alert(j: PlannedJob, error: string, offsetsMs: Record<string, number | null>): Promise<void> {
    const when = formatLocal(j.opensAt, this.s.config.tz, 'YYYY-MM-DD HH:mm');
    this.s.log.error({ job: j.key, error, offsetsMs }, 'clock preflight failed: announcement cancelled');
    const api = this.api;
    if (!api) return;
    const text = this.s.texts.clockAlert({ when, error, offsetsMs });
    for (const id of this.s.config.adminIds) {
      await api.sendMessage(id, text).catch((err: unknown) => this.s.log.warn({ err, adminId: id }, 'admin alert failed'));
    }
  }
}
