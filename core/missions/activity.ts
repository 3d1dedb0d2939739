import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database } from '../../db/connection.js';
import type { Clock } from '../platform/clock.js';
import { partitionsOf } from './evidence.js';

export interface SeenUser {
  id: number;
  firstName?: string | null;
  username?: string | null;
  languageCode?: string | null;
}

/**
 * Player activity, recorded cheaply (for the announcement audience: any bot update, Mini App call or game
 * event counts): remembered in memory and written in one statement every few seconds, at most once
 * per user per minute. Feeds the broadcast audience (users.last_active_at) and CCU (activity_minutes;
 * plays count for CCU through their evidence rows, so ingest writes no activity_minutes).
 */
export class ActivityRecorder {
  private pending = new Map<number, SeenUser & { at: number }>();
  /** what was last written per user: the minute, and the language then (a change is written at once) */
  private written = new Map<number, { minute: number; lang: string | null }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly flushMs = 2000,
  ) {}

  start() {
    this.timer ??= setInterval(() => void this.flush().catch((err) => this.log.warn({ err }, 'activity flush failed')), this.flushMs);
    this.timer.unref();
  }

  seen(u: SeenUser) {
    const now = this.clock.nowMs();
    const prev = this.pending.get(u.id);
    if (!prev) {
      // written this minute with the same language: nothing new (every Mini App request lands here)
      const w = this.written.get(u.id);
      if (w && w.minute === Math.floor(now / 60_000) && (!u.languageCode || u.languageCode === w.lang)) return;
    }
    this.pending.set(u.id, { ...prev, ...u, at: now });
  }

  async flush() {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()].sort((a, b) => a.id - b.id);
    this.pending = new Map();
    if (this.written.size > 200_000) this.written.clear();
    const rows = batch.map((u) => {
      const minute = Math.floor(u.at / 60_000);
      this.written.set(u.id, { minute, lang: u.languageCode ?? this.written.get(u.id)?.lang ?? null });
      return { u: u.id, f: u.firstName ?? null, n: u.username ?? null, l: u.languageCode ?? null, r: new Date(u.at).toISOString(), m: new Date(minute * 60_000).toISOString() };
    });
    const json = JSON.stringify(rows);
    await partitionsOf(this.database, this.log).ensure(new Set(rows.map((r) => r.m.slice(0, 10))));
    await this.database.query(
      sql`with up as (
            insert into users as u (id, first_name, username, language_code, last_active_at)
            select x.u, x.f, x.n, x.l, x.r from jsonb_to_recordset(${json}::jsonb) as x(u bigint, f text, n text, l text, r timestamptz, m timestamptz)
            on conflict (id) do update set
              first_name = coalesce(excluded.first_name, u.first_name),
              username = coalesce(excluded.username, u.username),
              language_code = coalesce(excluded.language_code, u.language_code),
              last_active_at = greatest(u.last_active_at, excluded.last_active_at)
            returning 1
          )
          insert into activity_minutes (minute, user_id)
          select x.m, x.u from jsonb_to_recordset(${json}::jsonb) as x(u bigint, f text, n text, l text, r timestamptz, m timestamptz)
          on conflict do nothing`,
    );
  }

  async stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush().catch(() => {});
  }
}
