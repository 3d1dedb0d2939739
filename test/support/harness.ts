import { randomUUID } from 'node:crypto';
import { AdjustableClock } from '../../core/platform/clock.js';
import { testConfig } from '../../core/platform/config.js';
import { createServices, type Services, type ServicesOptions } from '../../core/services.js';
import { notificationTexts } from '../../bot/notifications.js';
import { createApp, type AppOptions } from '../../webapp/server/app.js';
import { signInitData, DEV_SIGNER_TOKEN } from '../../webapp/server/auth.js';
import { instantOf } from '../../core/domain/time.js';
import { freshBackend, type Backend } from './backend.js';
import type { GameEvent } from '../../core/missions/progress.js';

export const BOT_TOKEN = '123456789:TEST-token-for-golden-hour-tests';
export const INGEST_TOKEN = 'ingest-test-token';
export const ADMIN_ID = 9001;
export const TESTER_ID = 9002;

/** A KST wall time on 2026-11-27 as a UTC instant, e.g. kst('21:30:00'). */
export const kst = (time: string, date = '2026-11-27') => {
  const [h, m, s] = time.split(':').map(Number);
  return instantOf(date, h! * 3600 + m! * 60 + (s ?? 0), 'Asia/Seoul');
};

export interface Harness {
  s: Services;
  app: ReturnType<typeof createApp>;
  clock: AdjustableClock;
  backend: Backend;
  /** Authorization header value for a player */
  auth(userId: number, opts?: { languageCode?: string; authDate?: Date; token?: string }): string;
  /** POST /api/events through the app, then wait until the consumer applied everything */
  play(userId: number, n: number, prefix?: string): Promise<void>;
  ingest(events: Array<Omit<GameEvent, 'receivedAt'>>): Promise<Response>;
  claim(userId: number, missionId: number, key?: string): Promise<Response>;
  missionId(logicKey: string): Promise<number>;
  req(path: string, init?: RequestInit & { userId?: number }): Promise<Response>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string | undefined>;
  at?: Date;
  services?: Partial<ServicesOptions>;
  app?: AppOptions;
}

/** Services + Hono app over a fresh backend (PGlite or real Postgres/Redis), clock frozen at `at`. */
export async function createHarness(o: HarnessOptions = {}): Promise<Harness> {
  const backend = await freshBackend();
  const clock = new AdjustableClock();
  clock.freeze(o.at ?? kst('21:31:00'));
  const config = testConfig({
    BOT_TOKEN,
    INGEST_TOKEN,
    ADMIN_IDS: String(ADMIN_ID),
    TESTER_IDS: String(TESTER_ID),
    GOLDEN_HOUR_ENABLED: 'on',
    DATABASE_URL: backend.databaseUrl,
    DATA_DIR: backend.dataDir,
    REDIS_URL: backend.redisUrl,
    ROLES: 'api,worker',
    ...o.env,
  });
  const s = await createServices({ config, clock, redisPrefix: backend.redisPrefix, queueClaimIdleMs: 500, texts: notificationTexts, ...o.services });
  const app = createApp(s, { clientIp: () => '203.0.113.7', ...o.app });
  const token = config.botToken ?? DEV_SIGNER_TOKEN;
  const auth: Harness['auth'] = (userId, a = {}) =>
    `tma ${signInitData(a.token ?? token, { id: userId, languageCode: a.languageCode ?? 'ko' }, a.authDate ?? clock.now())}`;
  const ingest: Harness['ingest'] = async (events) =>
    app.request('/api/events', {
      method: 'POST',
      headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });
  const h: Harness = {
    s,
    app,
    clock,
    backend,
    auth,
    ingest,
    async play(userId, n, prefix = `p${clock.nowMs()}`) {
      const events = Array.from({ length: n }, (_, i) => ({ userId, type: 'PLAY_GAME' as const, actionId: `${prefix}-${i}` }));
      const res = await ingest(events);
      if (res.status !== 202) throw new Error(`ingest failed: ${res.status} ${await res.text()}`);
      await s.queue.drain();
    },
    async claim(userId, missionId, key = randomUUID()) {
      return app.request(`/api/mission/${missionId}/claim`, { method: 'POST', headers: { authorization: auth(userId), 'x-idempotency-key': key } });
    },
    async missionId(logicKey) {
      const m = await s.catalog.byLogicKey(logicKey);
      if (!m) throw new Error(`no mission ${logicKey}`);
      return m.id;
    },
    async req(path, init = {}) {
      const headers = new Headers(init.headers);
      if (init.userId !== undefined) headers.set('authorization', auth(init.userId));
      if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
      return app.request(path, { ...init, headers });
    },
    async close() {
      await s.close();
      await backend.dispose();
    },
  };
  return h;
}
