import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';
import type { Config, Role } from './config.js';
import type { Metrics } from './metrics.js';

/**
 * API processes sharing one port on one machine (`API_PROCESSES` > 1, docs/operations.md,
 * Scaling). Node 20 has no `reusePort`, so the primary forks them with `node:cluster`, which
 * hands each accepted connection to one of them in turn. The primary keeps the roles that must
 * not multiply with the API (long polling, the worker) and answers `/metrics` for all of them:
 * a scraper reaches one port, so the process it lands on asks the primary, which sums every
 * process's registry (prom-client's `AggregatorRegistry`; gauges say how they combine).
 *
 * @example
 * if (config.apiProcesses > 1 && cluster.isPrimary) forkApiProcesses({ processes: config.apiProcesses, log, registry })
 */

/** The API processes take the api role, and the bot when its updates arrive over HTTP (webhook); the primary the rest. */
export function clusterRoles(config: Pick<Config, 'roles' | 'botMode'>): { primary: Role[]; api: Role[] } {
  const withApi = (r: Role) => r === 'api' || (r === 'bot' && config.botMode === 'webhook');
  return { primary: config.roles.filter((r) => !withApi(r)), api: config.roles.filter(withApi) };
}

type Message =
  | { gh: 'metrics?'; id: number }
  | { gh: 'metrics'; id: number; text?: string; error?: string }
  | { gh: 'collect'; id: number }
  | { gh: 'collected'; id: number; metrics: MetricObjectWithValues<MetricValue<string>>[] };

/** the API processes not yet exited */
const alive = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());

const isMessage = (m: unknown): m is Message => typeof m === 'object' && m !== null && typeof (m as { gh?: unknown }).gh === 'string';

export interface ApiClusterOptions {
  processes: number;
  log: Logger;
  /** the primary's own registry (the roles it runs), summed with the API processes' */
  registry?: Registry;
  /** once, when every API process of the start listens */
  onListening?: (port: number) => void;
  /** how long a scrape waits for each process's figures */
  collectTimeoutMs?: number;
  /** an API process died before it ever listened (a port in use, a bad start): it would die again; default: exit 1 */
  onFailedStart?: (code: number | null) => void;
}

export interface ApiCluster {
  /** SIGTERM to each (each closes its server gracefully), SIGKILL after `graceMs` */
  stop(graceMs?: number): Promise<void>;
}

/** Primary side: forks the API processes, restarts one that dies, answers their /metrics requests. */
export function forkApiProcesses(o: ApiClusterOptions): ApiCluster {
  const collectTimeoutMs = o.collectTimeoutMs ?? 3000;
  let stopping = false;
  let listening = 0;
  let nextId = 1;
  const pending = new Map<number, { want: Set<number>; got: MetricObjectWithValues<MetricValue<string>>[][]; done: () => void }>();

  const collect = async (): Promise<string> => {
    const id = nextId++;
    const live = alive().filter((w) => w.isConnected());
    const got: MetricObjectWithValues<MetricValue<string>>[][] = [];
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        o.log.warn({ missing: [...(pending.get(id)?.want ?? [])] }, 'metrics: an API process did not answer in time; the scrape has the others');
        pending.delete(id);
        resolve();
      }, collectTimeoutMs);
      const done = () => {
        clearTimeout(t);
        pending.delete(id);
        resolve();
      };
      pending.set(id, { want: new Set(live.map((w) => w.id)), got, done });
      if (live.length === 0) done();
      for (const w of live) w.send({ gh: 'collect', id } satisfies Message);
    });
    if (o.registry) got.push(await o.registry.getMetricsAsJSON());
    return AggregatorRegistry.aggregate(got).metrics();
  };

  const onMessage = (w: Worker, m: unknown) => {
    if (!isMessage(m)) return;
    if (m.gh === 'collected') {
      const p = pending.get(m.id);
      if (!p || !p.want.delete(w.id)) return;
      p.got.push(m.metrics);
      if (p.want.size === 0) p.done();
    } else if (m.gh === 'metrics?') {
      collect().then(
        (text) => w.isConnected() && w.send({ gh: 'metrics', id: m.id, text } satisfies Message),
        (err) => w.isConnected() && w.send({ gh: 'metrics', id: m.id, error: String(err) } satisfies Message),
      );
    }
  };

  const fork = () => cluster.fork();
  cluster.on('message', onMessage);
  const listened = new Set<number>();
  cluster.on('listening', (w, address) => {
    listened.add(w.id);
    o.log.info({ apiPid: w.process.pid, port: address.port }, 'api process listening');
    if (++listening === o.processes) o.onListening?.(address.port);
  });
  cluster.on('exit', (w, code, signal) => {
    for (const p of pending.values()) if (p.want.delete(w.id) && p.want.size === 0) p.done();
    if (stopping) return;
    if (!listened.has(w.id)) {
      o.log.fatal({ apiPid: w.process.pid, code, signal }, 'an api process exited before it listened (see its error above); stopping');
      stopping = true;
      for (const other of alive()) other.process.kill('SIGTERM');
      (o.onFailedStart ?? (() => process.exit(1)))(code);
      return;
    }
    // a crash: the others keep serving; a replacement starts after a second (not in a tight loop)
    o.log.error({ apiPid: w.process.pid, code, signal }, 'api process exited; starting another');
    setTimeout(() => !stopping && fork(), 1000).unref();
  });
  for (let i = 0; i < o.processes; i++) fork();

  return {
    async stop(graceMs = 9000) {
      stopping = true;
      await Promise.all(
        alive().map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.isDead()) return resolve();
              const t = setTimeout(() => w.process.kill('SIGKILL'), graceMs);
              w.once('exit', () => {
                clearTimeout(t);
                resolve();
              });
              w.process.kill('SIGTERM');
            }),
        ),
      );
      cluster.off('message', onMessage);
    },
  };
}

/**
 * API-process side: `/metrics` answers with every process's figures, fetched from the primary;
 * the primary's collection requests get this process's registry after `refresh` (gauges that are
 * set when read, such as whether the window is open).
 */
export function joinApiCluster(metrics: Metrics, refresh: () => Promise<void>, timeoutMs = 5000): void {
  let nextId = 1;
  const waiting = new Map<number, (m: Extract<Message, { gh: 'metrics' }>) => void>();
  process.on('message', (m: unknown) => {
    if (!isMessage(m)) return;
    if (m.gh === 'collect') {
      refresh()
        .catch(() => undefined)
        .then(() => metrics.registry.getMetricsAsJSON())
        .then((json) => process.send?.({ gh: 'collected', id: m.id, metrics: json } satisfies Message));
    } else if (m.gh === 'metrics') {
      waiting.get(m.id)?.(m);
    }
  });
  metrics.text = () =>
    new Promise<string>((resolve, reject) => {
      const id = nextId++;
      const t = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('the primary did not answer with the metrics'));
      }, timeoutMs);
      waiting.set(id, (m) => {
        clearTimeout(t);
        waiting.delete(id);
        if (m.text !== undefined) resolve(m.text);
        else reject(new Error(m.error ?? 'no metrics'));
      });
      process.send?.({ gh: 'metrics?', id } satisfies Message);
    });
}
