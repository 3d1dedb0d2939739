import { AdjustableClock } from '../core/platform/clock.js';
import { loadConfig } from '../core/platform/config.js';
import { createServices } from '../core/services.js';
import { notificationTexts } from '../bot/notifications.js';
import { applyEvents, type GameEvent } from '../core/missions/progress.js';
import { explainUser } from '../core/missions/why.js';
import { dailyReport } from '../core/reports/report.js';
import { instantOf, localParts } from '../core/domain/time.js';
import { signInitData } from '../webapp/server/auth.js';
import { BOT_TOKEN, TZ, appEnv, freshBackend, goldenNow, log, percentile, pool, round, sqlClient, startServer, type Figure } from './support.js';

/**
 * The scale figure: a day of 1M plays by 200k players (5 each, receive times spread over the local
 * day, so the golden hour gets its share), applied with applyEvents, then what it costs to keep
 * and to read: bytes per play (every table the plays wrote, indexes included), the daily report's
 * time, the mission list one request at a time (p50/p99), and /why for one player.
 * `npm run bench -- scale` (too slow for the main run).
 */
export interface ScaleOptions {
  players: number;
  playsPerPlayer: number;
  batch: number;
  concurrency: number;
}

export const SCALE_DEFAULTS: ScaleOptions = { players: 200_000, playsPerPlayer: 5, batch: 500, concurrency: 4 };
const FIRST_USER = 500_000_001;
/** Tables a play writes or that grow with players; missions, flags etc. are constant. */
const PLAY_TABLES_SQL = `select c.relname as name, pg_total_relation_size(c.oid)::bigint as bytes
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition order by 2 desc`;

export async function scaleFigure(o: ScaleOptions = SCALE_DEFAULTS): Promise<Figure> {
  const now = goldenNow();
  const date = localParts(now.getTime(), TZ).date;
  const dayStart = instantOf(date, 0, TZ).getTime();
  const b = await freshBackend('scale');
  try {
    const clock = new AdjustableClock();
    clock.set(new Date(dayStart + 86_399_000));
    const config = loadConfig(appEnv(b, { ROLES: 'api', LOG_LEVEL: 'silent' }));
    const s = await createServices({ config, clock, redisPrefix: b.redisPrefix, consume: false, texts: notificationTexts });
    const plays = o.players * o.playsPerPlayer;
    let partitionsBytes = 0;
    try {
      log(`scale: ${plays} plays by ${o.players} players, applyEvents ${o.batch}/batch, ${o.concurrency} concurrent`);
      // generated player by player, applied in receive order: the API stamps each event when it
      // arrives, so the evidence is written in receive-time order, as in production
      const all: GameEvent[] = [];
      for (let k = 0; k < o.playsPerPlayer; k++) {
        for (let u = 0; u < o.players; u++) {
          const i = k * o.players + u;
          // spread over the day, deterministic; later plays of a player come later in the day
          const sec = Math.floor(((k + (u % 997) / 997) / o.playsPerPlayer) * 86_399);
          all.push({ userId: FIRST_USER + u, type: 'PLAY_GAME', actionId: `s${k}-${u}`, receivedAt: dayStart + sec * 1000 + (i % 1000) });
        }
      }
      all.sort((a, b) => a.receivedAt - b.receivedAt);
      const list: GameEvent[][] = [];
      for (let i = 0; i < all.length; i += o.batch) list.push(all.slice(i, i + o.batch));
      const deps = { database: s.database, vaultPointsPerPlay: config.vaultPointsPerPlay, now: () => clock.now() };
      const ctx = await s.decideContext();
      const t0 = performance.now();
      await pool(list, o.concurrency, async (batch) => void (await applyEvents(deps, batch, ctx)));
      const applyS = (performance.now() - t0) / 1000;
      log(`scale: applied in ${round(applyS, 1)} s; vacuum analyze, then sizes`);
      const q = sqlClient(b.databaseUrl, 1);
      let tables: { name: string; bytes: number }[];
      try {
        await q.unsafe('vacuum analyze');
        tables = (await q.unsafe(PLAY_TABLES_SQL)).map((r) => ({ name: r.name as string, bytes: Number(r.bytes) }));
        const [p] = await q.unsafe(`select coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint as bytes from pg_class c where c.relispartition and c.relkind = 'r'`);
        partitionsBytes = Number(p!.bytes);
      } finally {
        await q.end();
      }
      // partitioned parents report 0 bytes: their partitions are counted instead
      const total = tables.reduce((a, t) => a + t.bytes, 0) + partitionsBytes;
      const bytesPerPlay = total / plays;

      log('scale: daily report × 5');
      const reportMs: number[] = [];
      let report: Awaited<ReturnType<typeof dailyReport>> | null = null;
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        report = await dailyReport(s, date);
        reportMs.push(performance.now() - t);
      }
      reportMs.sort((a, b) => a - b);

      log('scale: /why for one player × 20');
      const golden = (await s.catalog.active()).find((m) => m.isGoldenHour)!;
      const whyMs: number[] = [];
      let whyRows = 0;
      for (let i = 0; i < 20; i++) {
        const t = performance.now();
        const r = await explainUser(s.database, golden, FIRST_USER + 500 + i, { date, nowMs: clock.nowMs(), tz: TZ });
        whyMs.push(performance.now() - t);
        whyRows = r.actions.length;
      }
      whyMs.sort((a, b) => a - b);

      await s.close();
      log('scale: mission list, one request at a time × 500');
      const server = await startServer(b, now);
      const listMs: number[] = [];
      try {
        for (let i = 0; i < 520; i++) {
          const id = FIRST_USER + Math.floor(Math.random() * o.players);
          const headers = { authorization: `tma ${signInitData(BOT_TOKEN, { id, languageCode: 'ko' }, now)}` };
          const t = performance.now();
          const r = await fetch(`${server.url}/api/mission`, { headers });
          await r.arrayBuffer();
          if (!r.ok) throw new Error(`mission list ${r.status}`);
          if (i >= 20) listMs.push(performance.now() - t); // the first 20 warm up
        }
      } finally {
        await server.stop();
      }
      listMs.sort((a, b) => a - b);

      const reportP50 = percentile(reportMs, 50);
      const fig: Figure = {
        name: 'scale',
        value: round(bytesPerPlay, 0),
        unit: 'bytes/play incl. indexes',
        baseline: null,
        ratio: null,
        goal: '<= 300',
        pass: bytesPerPlay <= 300 && reportP50 <= 300,
        details: {
          plays,
          players: o.players,
          applySeconds: round(applyS, 1),
          applyRate: round(plays / applyS, 0),
          totalBytes: total,
          tables: Object.fromEntries(tables.filter((t) => t.bytes > 0).map((t) => [t.name, t.bytes])),
          partitionsBytes,
          reportMs: reportMs.map((x) => round(x, 1)),
          reportGoldenParticipants: report?.golden.participants,
          whyP50Ms: round(percentile(whyMs, 50), 2),
          whyP99Ms: round(percentile(whyMs, 99), 2),
          whyRows,
          listP50Ms: round(percentile(listMs, 50), 2),
          listP99Ms: round(percentile(listMs, 99), 2),
        },
        note: `${plays} plays, ${o.players} players; report p50 ${round(reportP50, 0)} ms (goal <= 300); list one at a time p50 ${round(percentile(listMs, 50), 1)} / p99 ${round(percentile(listMs, 99), 1)} ms; /why p50 ${round(percentile(whyMs, 50), 1)} ms (${whyRows} plays shown); applied at ${round(plays / applyS, 0)}/s`,
      };
      return fig;
    } catch (err) {
      await s.close().catch(() => {});
      throw err;
    }
  } finally {
    await b.dispose();
  }
}
