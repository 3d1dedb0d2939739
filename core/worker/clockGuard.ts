import type { Logger } from 'pino';
import type { Clock } from '../platform/clock.js';
import type { Config } from '../platform/config.js';
import type { ClockHealth, ClockHealthState } from '../domain/clockHealth.js';
import type { Metrics } from '../platform/metrics.js';
import { querySntp, type SntpResult } from './sntp.js';

/**
 * The clock guard (docs/design.md, The rules in words: Clock guard — two NTP sources, checked on a
 * schedule and 5 minutes before every broadcast, within ±1 s): asks both
 * NTP_SERVERS, on a schedule and on demand (the scheduler's preflight). A check passes only when
 * both answer within the timeout, both offsets are within the tolerance, and the two sources agree
 * with each other within the same tolerance (so one wrong source cannot vouch for a wrong clock).
 * After `failCloseAfter` consecutive failures the guard reports unhealthy and every window closes
 * (fail closed); one passing check reopens them.
 *
 *   const guard = new ClockGuard({ servers, toleranceMs: 1000, clock, metrics, log });
 *   guard.start(60);                 // scheduled checks
 *   const r = await guard.check('preflight');
 */
export interface ClockGuardOptions {
  servers: readonly string[];
  toleranceMs: number;
  failCloseAfter?: number;
  /** per-server answer timeout; default 2000 ms */
  timeoutMs?: number;
  /** the clock that decides windows; its offset is what we measure */
  clock: Clock;
  metrics?: Metrics;
  log?: Logger;
  /** swap the SNTP query (tests) */
  query?: (server: string, o: { nowMs: () => number; timeoutMs: number }) => Promise<SntpResult>;
}

export type CheckReason = 'schedule' | 'preflight' | 'start';

export interface ClockCheck {
  pass: boolean;
  reason: CheckReason;
  checkedAt: string;
  offsetsMs: Record<string, number | null>;
  delaysMs: Record<string, number | null>;
  /** why it failed, for logs and the admin alert */
  error: string | null;
}

export class ClockGuard implements ClockHealth {
  private readonly o: Required<Omit<ClockGuardOptions, 'metrics' | 'log'>> & Pick<ClockGuardOptions, 'metrics' | 'log'>;
  private failures = 0;
  private last: ClockCheck | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inflight: Promise<ClockCheck> | null = null;

  constructor(o: ClockGuardOptions) {
    if (o.servers.length !== 2) throw new RangeError('the clock guard needs exactly two NTP servers');
    this.o = { ...o, failCloseAfter: o.failCloseAfter ?? 3, query: o.query ?? querySntp, timeoutMs: o.timeoutMs ?? 2000 };
  }

  isHealthy(): boolean {
    return this.failures < this.o.failCloseAfter;
  }

  state(): ClockHealthState {
    return {
      enabled: true,
      healthy: this.isHealthy(),
      checkedAt: this.last?.checkedAt ?? null,
      consecutiveFailures: this.failures,
      offsetsMs: this.last?.offsetsMs ?? Object.fromEntries(this.o.servers.map((s) => [s, null])),
      lastError: this.last?.error ?? null,
    };
  }

  get lastCheck(): ClockCheck | null {
    return this.last;
  }

  /** One check against both sources. Concurrent callers share the same check. */
  check(reason: CheckReason = 'schedule'): Promise<ClockCheck> {
    this.inflight ??= this.run(reason).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async run(reason: CheckReason): Promise<ClockCheck> {
    const { servers, toleranceMs, timeoutMs, clock } = this.o;
    const answers = await Promise.allSettled(servers.map((s) => this.o.query(s, { nowMs: () => clock.nowMs(), timeoutMs })));
    const offsetsMs: Record<string, number | null> = {};
    const delaysMs: Record<string, number | null> = {};
    const problems: string[] = [];
    answers.forEach((a, i) => {
      const server = servers[i]!;
      if (a.status === 'fulfilled') {
        offsetsMs[server] = Math.round(a.value.offsetMs);
        delaysMs[server] = Math.round(a.value.delayMs);
        this.o.metrics?.clockOffset.set({ source: server }, a.value.offsetMs / 1000);
        if (Math.abs(a.value.offsetMs) > toleranceMs) problems.push(`${server}: offset ${Math.round(a.value.offsetMs)} ms exceeds ±${toleranceMs} ms`);
      } else {
        offsetsMs[server] = null;
        delaysMs[server] = null;
        problems.push(a.reason instanceof Error ? a.reason.message : `${server}: ${String(a.reason)}`);
      }
    });
    const [a, b] = servers.map((s) => offsetsMs[s]);
    if (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) > toleranceMs) {
      problems.push(`sources disagree by ${Math.abs(a - b)} ms (more than ${toleranceMs} ms)`);
    }
    const pass = problems.length === 0;
    this.failures = pass ? 0 : this.failures + 1;
    this.last = { pass, reason, checkedAt: clock.now().toISOString(), offsetsMs, delaysMs, error: pass ? null : problems.join('; ') };
    this.o.metrics?.ntpPreflight.inc({ result: pass ? 'pass' : 'fail' });
    const log = { reason, offsetsMs, delaysMs, consecutiveFailures: this.failures, healthy: this.isHealthy() };
    if (pass) this.o.log?.debug(log, 'clock check passed');
    else this.o.log?.warn({ ...log, error: this.last.error }, 'clock check failed');
    return this.last;
  }

  /** Checks now and then every `intervalS` seconds (real time: this measures the real clock). */
  start(intervalS: number): void {
    if (this.timer) return;
    void this.check('start').catch(() => {});
    this.timer = setInterval(() => void this.check('schedule').catch(() => {}), intervalS * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inflight?.catch(() => {});
  }
}

/**
 * The guard for a config: null (guard off, with a warning) when NTP_SERVERS is not set, so a
 * deployment without NTP sources is visible in the log rather than silently unguarded.
 */
export function createClockGuard(
  c: Pick<Config, 'ntpServers' | 'clockToleranceMs' | 'clockFailCloseAfter'>,
  deps: { clock: Clock; metrics?: Metrics; log?: Logger; timeoutMs?: number },
): ClockGuard | null {
  if (c.ntpServers.length === 0) {
    deps.log?.warn('NTP_SERVERS not set: the clock guard is off (no preflight before broadcasts, windows never close for clock reasons)');
    return null;
  }
  return new ClockGuard({ servers: c.ntpServers, toleranceMs: c.clockToleranceMs, failCloseAfter: c.clockFailCloseAfter, timeoutMs: deps.timeoutMs, clock: deps.clock, metrics: deps.metrics, log: deps.log });
}
