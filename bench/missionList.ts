import { signInitData } from '../webapp/server/auth.js';
import { periodKey, type PeriodKind } from '../core/domain/window.js';
import { startBare } from './baselines.js';
import { BOT_TOKEN, TZ, cannon, cpuPerItem, cpuSnapshot, freshBackend, goldenNow, log, ratioFigure, round, sqlClient, startServer, type Figure } from './support.js';

/**
 * Figure 3 — mission list: GET /api/mission for random players (64 connections, a pre-signed
 * init data pool) against a bare Hono route in its own process (bench/bare.ts) serving the same
 * body, same load generator and settings. The bare route inside the app's process is kept as a
 * second figure.
 */
export interface MissionsOptions {
  players: number;
  signedPool: number;
  connections: number;
  durationS: number;
  warmupS: number;
}

export const MISSIONS_DEFAULTS: MissionsOptions = { players: 100_000, signedPool: 5000, connections: 64, durationS: 10, warmupS: 2 };
const FIRST_USER = 300_000_001;

export async function missionListFigure(o: MissionsOptions = MISSIONS_DEFAULTS): Promise<Figure> {
  const now = goldenNow();
  const b = await freshBackend('list');
  try {
    const server = await startServer(b, now);
    try {
      // players with progress on both PLAY_GAME missions, so each list reads real rows
      const q = sqlClient(b.databaseUrl, 1);
      try {
        const ms = await q`select id, period, start_time, end_time from missions where action_type = 'PLAY_GAME'`;
        for (const m of ms) {
          const p = periodKey({ period: m.period as PeriodKind, window: m.start_time ? { start: m.start_time, end: m.end_time } : null }, now.getTime(), TZ);
          await q`insert into user_mission_progress (user_id, mission_id, period_key, progress, status, updated_at)
                  select g, ${m.id}, ${p}, 1 + (g % 2), 'active', ${now} from generate_series(${FIRST_USER}::bigint, ${FIRST_USER + o.players - 1}::bigint) g`;
        }
        await q`analyze user_mission_progress`;
      } finally {
        await q.end();
      }
      const headers = Array.from({ length: o.signedPool }, () => {
        const id = FIRST_USER + Math.floor(Math.random() * o.players);
        return `tma ${signInitData(BOT_TOKEN, { id, languageCode: 'ko' }, now)}`;
      });
      const list = () => ({ path: '/api/mission', headers: { authorization: headers[Math.floor(Math.random() * headers.length)]! } });
      const bare = () => ({ path: '/bench/bare' });
      // the two must answer the same shape, or the ratio compares different work
      const sampleText = await (await fetch(`${server.url}/api/mission`, { headers: list().headers })).text();
      const sample = JSON.parse(sampleText);
      if (!Array.isArray(sample?.missions) || sample.missions.length < 2) throw new Error(`unexpected mission list ${sampleText.slice(0, 300)}`);
      const bareProc = await startBare(sampleText);

      log(`mission list: warm-up, then ${o.durationS} s each of /bench/bare and /api/mission at ${o.connections} connections`);
      let base, inproc, res;
      let cpuUsPerRequest: ReturnType<typeof cpuPerItem> | null = null;
      try {
        await cannon({ url: bareProc.url, connections: o.connections, duration: o.warmupS, next: bare });
        await cannon({ url: server.url, connections: o.connections, duration: o.warmupS, next: bare });
        await cannon({ url: server.url, connections: o.connections, duration: o.warmupS, next: list });
        base = await cannon({ url: bareProc.url, connections: o.connections, duration: o.durationS, next: bare });
        inproc = await cannon({ url: server.url, connections: o.connections, duration: o.durationS, next: bare });
        const cpu0 = cpuSnapshot(server.pid);
        res = await cannon({ url: server.url, connections: o.connections, duration: o.durationS, next: list });
        cpuUsPerRequest = cpuPerItem(cpu0, cpuSnapshot(server.pid), Math.max(1, res['2xx']));
      } finally {
        await bareProc.stop();
      }
      const rate = res['2xx'] / res.duration;
      const baseRate = base['2xx'] / base.duration;
      const inprocRate = inproc['2xx'] / inproc.duration;
      const fig = ratioFigure({
        name: 'missions',
        value: round(rate, 0),
        unit: 'req/s',
        baseline: round(baseRate, 0),
        goalRatio: 0.5,
        details: {
          baselineWhat: 'bare Hono route in its own process, same body',
          bodyBytes: Buffer.byteLength(sampleText),
          inProcessBareRate: round(inprocRate, 0),
          inProcessRatio: round(rate / inprocRate, 3),
          connections: o.connections,
          durationS: o.durationS,
          p50Ms: res.latency.p50,
          p99Ms: res.latency.p99,
          baselineP50Ms: base.latency.p50,
          baselineP99Ms: base.latency.p99,
          non2xx: res.non2xx + base.non2xx,
          errors: res.errors + base.errors + res.timeouts + base.timeouts,
          missionsPerList: sample.missions.length,
          cpuUsPerRequest,
        },
      });
      if (res.non2xx || res.errors || res.timeouts) {
        fig.pass = false;
        fig.note = `${res.non2xx} non-2xx, ${res.errors} errors`;
      } else fig.note = `p50 ${res.latency.p50} ms, p99 ${res.latency.p99} ms (bare ${base.latency.p50}/${base.latency.p99} ms; ${Buffer.byteLength(sampleText)} B body; bare in-process ${round(inprocRate, 0)}/s, ratio ${round(rate / inprocRate, 3)})`;
      return fig;
    } finally {
      await server.stop();
    }
  } finally {
    await b.dispose();
  }
}
