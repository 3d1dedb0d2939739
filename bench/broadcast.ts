import { existsSync } from 'node:fs';
import path from 'node:path';
import { AdjustableClock } from '../core/platform/clock.js';
import { loadConfig } from '../core/platform/config.js';
import { createServices } from '../core/services.js';
import { notificationTexts } from '../bot/notifications.js';
import { localParts } from '../core/domain/time.js';
import { BOT_TOKEN, ROOT, TZ, appEnv, freshBackend, goldenNow, log, round, sqlClient, type Figure } from './support.js';

/**
 * Figure 4 — broadcast: N recipients against a fake Bot API (test/support/fakeBotApi.ts, its own
 * thread) that allows `allowedPerSecond` and answers 429 with retry_after above it, sent by the
 * app's Broadcaster (core/delivery/sendLoop.ts) on the outbound budget at that same rate. The figure is the rate the fake
 * accepted, as a share of the allowed rate; every recipient must get exactly one message.
 */
export interface BroadcastOptions {
  recipients: number;
  allowedPerSecond: number;
}

export const BROADCAST_DEFAULTS: BroadcastOptions = { recipients: 5000, allowedPerSecond: 1000 };
const FIRST_USER = 500_000_001;

function notMeasured(missing: string[]): Figure {
  return { name: 'broadcast', value: null, unit: 'msg/s', baseline: null, ratio: null, goal: '>= 0.9', pass: null, details: { missing }, note: `not measured: ${missing.join(', ')} missing` };
}

export async function broadcastFigure(o: BroadcastOptions = BROADCAST_DEFAULTS): Promise<Figure> {
  const missing = ['core/delivery/sendLoop.ts', 'test/support/fakeBotApi.ts'].filter((f) => !existsSync(path.join(ROOT, f)));
  if (missing.length) return notMeasured(missing);
  const { announcementMessage, announcementSegment, announcedMission } = await import('../core/delivery/announcement.js');
  const { Broadcaster } = await import('../core/delivery/sendLoop.js');
  const { startFakeBotApi } = await import('../test/support/fakeBotApi.js');
  const { createSender } = await import('../core/delivery/sender.js');

  const now = goldenNow(21 * 3600 + 30 * 60);
  const b = await freshBackend('bcast');
  const clock = new AdjustableClock();
  clock.set(now);
  const config = loadConfig(appEnv(b, { ROLES: 'api', LOG_LEVEL: 'silent', BOT_API_RATE: String(o.allowedPerSecond), BROADCAST_RATE: String(o.allowedPerSecond) }));
  const s = await createServices({ config, clock, redisPrefix: b.redisPrefix, consume: false, texts: notificationTexts });
  const fake = await startFakeBotApi({ rate: o.allowedPerSecond });
  try {
    // players active in the last hour, one in ten English
    const q = sqlClient(b.databaseUrl, 1);
    try {
      await q`insert into users (id, language_code, last_active_at)
              select g, case when g % 10 = 0 then 'en' else 'ko' end, ${now}::timestamptz - (g - ${FIRST_USER}) * interval '100 ms'
              from generate_series(${FIRST_USER}::bigint, ${FIRST_USER + o.recipients - 1}::bigint) g`;
      await q`analyze users`;
    } finally {
      await q.end();
    }
    const m = (await announcedMission(s))!;
    const day = localParts(now.getTime(), TZ).date;
    const sender = new Broadcaster({ database: s.database, clock, log: s.log, metrics: s.metrics, api: createSender({ token: BOT_TOKEN, apiRoot: fake.apiRoot, budget: s.outbound }), budget: s.outbound, rate: o.allowedPerSecond });
    log(`broadcast: ${o.recipients} recipients, fake Bot API at ${o.allowedPerSecond} msg/s`);
    const t0 = performance.now();
    const r = await sender.run({
      kind: 'announce',
      day,
      segment: announcementSegment(s, clock.nowMs()),
      render: (rc) => announcementMessage(m, rc.languageCode, { tz: TZ, webappUrl: 'https://app.example', texts: notificationTexts }),
    });
    const wallS = (performance.now() - t0) / 1000;
    await fake.sync();

    const perChat = new Map<number, number>();
    for (const msg of fake.messages) perChat.set(msg.chatId, (perChat.get(msg.chatId) ?? 0) + 1);
    const duplicates = [...perChat.values()].reduce((a, n) => a + Math.max(0, n - 1), 0);
    const missed = o.recipients - perChat.size;
    const rate = fake.achievedRate();
    const ratio = rate / o.allowedPerSecond;
    const ok = duplicates === 0 && missed === 0 && r.sent === o.recipients;
    return {
      name: 'broadcast',
      value: round(rate, 0),
      unit: 'msg/s accepted',
      baseline: o.allowedPerSecond,
      ratio: round(ratio, 3),
      goal: '>= 0.9',
      pass: ok && ratio >= 0.9,
      details: {
        recipients: o.recipients,
        sent: r.sent,
        failed: r.failed,
        blocked: r.blocked,
        duplicates,
        missed,
        rejected429: fake.rejected429,
        wallSeconds: round(wallS, 2),
        endToEndRate: round(o.recipients / wallS, 0),
        limiterPauses: s.outbound.pauses,
      },
      note: `${duplicates} duplicates, ${missed} missed, ${fake.rejected429} × 429; ${o.recipients} in ${round(wallS, 1)} s end to end`,
    };
  } finally {
    await fake.close();
    await s.close();
    await b.dispose();
  }
}
