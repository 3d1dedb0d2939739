import { signInitData } from '../webapp/server/auth.js';
import { periodKey, type PeriodKind } from '../core/domain/window.js';
import { startBare } from './baselines.js';
import { BOT_TOKEN, ROUNDS, TZ, cannon, cpuPerItem, cpuSnapshot, freshBackend, goldenNow, inTurn, log, medianRound, rateOf, ratioFigure, ratiosText, round, sqlClient, startServer, type Figure } from './support.js';

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

export const MISSIONS_DEFAULTS: MissionsOptions = { players: 100_000, signedPool: 5000, connections: 64, durationS: 8, warmupS: 2 };
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

      log(`mission list: warm-up, then ${ROUNDS} rounds of ${o.durationS} s each of /bench/bare (own process) and /api/mission at ${o.connections} connections`);
      let inproc;
      let rounds;
      try {
        await cannon({ url: bareProc.url, connections: o.connections, duration: o.warmupS, next: bare });
        await cannon({ url: server.url, connections: o.connections, duration: o.warmupS, next: bare });
        await cannon({ url: server.url, connections: o.connections, duration: o.warmupS, next: list });
        inproc = await cannon({ url: server.url, connections: o.connections, duration: o.durationS, next: bare });
        rounds = await medianRound(async (i) => {
          const floor = () => cannon({ url: bareProc.url, connections: o.connections, duration: o.durationS, next: bare });
          const ours = async () => {
            const cpu0 = cpuSnapshot(server.pid);
            const res = await cannon({ url: server.url, connections: o.connections, duration: o.durationS, next: list });
            return { res, cpuUsPerRequest: cpuPerItem(cpu0, cpuSnapshot(server.pid), Math.max(1, res['2xx'])) };
          };
          const [base, h] = await inTurn(i, floor, ours);
          return { ratio: rateOf(h.res) / rateOf(base), base, ...h };
        });
      } finally {
        await bareProc.stop();
      }
      const { base, res, cpuUsPerRequest } = rounds.median;
      const rate = rateOf(res);
      const baseRate = rateOf(base);
      const inprocRate = rateOf(inproc);
      const non2xx = rounds.all.reduce((n, r) => n + r.res.non2xx + r.base.non2xx, 0);
      const errors = rounds.all.reduce((n, r) => n + r.res.errors + r.base.errors + r.res.timeouts + r.base.timeouts, 0);
      const fig = ratioFigure({
        name: 'missions',
        value: round(rate, 0),
        unit: 'req/s',
        baseline: round(baseRate, 0),
        goalRatio: 0.5,
        details: {
          baselineWhat: 'bare Hono route in its own process, same body',
          rounds: rounds.all.map((r) => ({ ratio: round(r.ratio, 3), rate: round(rateOf(r.res), 0), baseline: round(rateOf(r.base), 0) })),
          bodyBytes: Buffer.byteLength(sampleText),
          inProcessBareRate: round(inprocRate, 0),
          inProcessRatio: round(rate / inprocRate, 3),
          connections: o.connections,
          durationS: o.durationS,
          p50Ms: res.latency.p50,
          p99Ms: res.latency.p99,
          baselineP50Ms: base.latency.p50,
          baselineP99Ms: base.latency.p99,
          non2xx,
          errors,
          missionsPerList: sample.missions.length,
          cpuUsPerRequest,
          loadGenerator: res.tool,
        },
      });
      if (non2xx || errors) {
        fig.pass = false;
        fig.note = `${non2xx} non-2xx, ${errors} errors`;
      } else fig.note = `rounds ${ratiosText(rounds.all)}; p50 ${round(res.latency.p50, 1)} ms, p99 ${round(res.latency.p99, 1)} ms (bare ${round(base.latency.p50, 1)}/${round(base.latency.p99, 1)} ms; ${Buffer.byteLength(sampleText)} B body; bare in-process ${round(inprocRate, 0)}/s, ratio ${round(rate / inprocRate, 3)})`;
      return fig;
    } finally {
      await server.stop();
    }
  } finally {
    await b.dispose();
  }
}
