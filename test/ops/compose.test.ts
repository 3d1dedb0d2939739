import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/platform/config.js';
import { parseYaml, readYaml } from './support/yamlFile.js';

/**
 * compose.yaml (docs/operations.md, "Compose"). With a Docker engine's compose plugin on the
 * machine, `docker compose config` is the judge; without it (CI and dev machines here have only
 * the docker client) the file is checked structurally with the yaml package: every role, its
 * image and command, an environment the real config loader accepts, replicas for the stateless
 * roles, and every ops/ file it mounts exists and is what Prometheus / Grafana expect.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const COMPOSE = path.join(root, 'compose.yaml');

type Service = {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  deploy?: { replicas?: number | string };
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] };
  secrets?: string[];
};
type Compose = { name: string; services: Record<string, Service>; volumes: Record<string, unknown>; secrets?: Record<string, unknown> };

/** `${VAR:-default}` / `${VAR}` as compose interpolates them with an empty environment; `${VAR:?msg}` (required) as the operator sets it. */
const interpolate = (v: string) =>
  v.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, k: string, op?: string, d?: string) => (op === '-' ? d! : op === '?' ? `operator-set-${k}` : ''));

function dockerComposeWorks(): boolean {
  const r = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0;
}

describe('compose.yaml: Postgres, Redis, api, worker and bot roles, Prometheus and Grafana from ops/', () => {
  const compose = readYaml<Compose>(COMPOSE);
  const svc = compose.services;
  const APP = ['api', 'worker', 'bot'] as const;

  it('is valid: `docker compose config` where the compose plugin works, and always the structure below', () => {
    if (dockerComposeWorks()) {
      const r = spawnSync('docker', ['compose', '-f', COMPOSE, 'config', '--format', 'json'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      const resolved = JSON.parse(r.stdout) as Compose;
      expect(Object.keys(resolved.services).sort()).toEqual(Object.keys(svc).sort());
    }
    expect(Object.keys(svc).sort()).toEqual(['api', 'bot', 'grafana', 'postgres', 'prometheus', 'redis', 'worker']);
    for (const [name, s] of Object.entries(svc)) expect(s.image, name).toMatch(/^[\w./-]+:[\w.-]+$/);
    for (const name of APP) {
      expect(svc[name]!.build, name).toBe('.');
      expect(svc[name]!.command, name).toEqual(['npx', 'tsx', 'scripts/start.ts']);
    }
    // named volumes are declared, bind mounts name files that exist in the repository
    for (const [name, s] of Object.entries(svc)) {
      for (const v of s.volumes ?? []) {
        const [src] = v.split(':');
        if (src!.startsWith('./')) expect(existsSync(path.join(root, src!)), `${name}: ${src}`).toBe(true);
        else expect(Object.keys(compose.volumes), `${name}: ${src}`).toContain(src);
      }
    }
  });

  it('every role runs on Postgres and Redis with an environment the config loader accepts, and waits for both to be healthy', () => {
    expect(svc.postgres!.healthcheck?.test.join(' ')).toMatch(/pg_isready/);
    expect(svc.redis!.healthcheck?.test.join(' ')).toMatch(/redis-cli.*ping/);
    expect(svc.redis!.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    const pg = svc.postgres!.environment!;
    for (const name of APP) {
      const env = Object.fromEntries(Object.entries(svc[name]!.environment!).map(([k, v]) => [k, interpolate(String(v))]));
      const config = loadConfig(env);
      expect(config.roles, name).toEqual([name]);
      expect(env.DATABASE_URL).toBe(`postgres://${pg.POSTGRES_USER}:${pg.POSTGRES_PASSWORD}@postgres:5432/${pg.POSTGRES_DB}`);
      expect(env.REDIS_URL).toBe('redis://redis:6379');
      expect(svc[name]!.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
      // every variable the file sets is documented for operators
      const documented = readFileSync(path.join(root, '.env.example'), 'utf8');
      for (const k of Object.keys(env)) expect(documented, `${name}: ${k}`).toMatch(new RegExp(`^${k}=`, 'm'));
    }
  });

  it('N replicas of api and worker (API_REPLICAS / WORKER_REPLICAS, default 2), exactly one polling bot', () => {
    expect(svc.api!.deploy?.replicas).toBe('${API_REPLICAS:-2}');
    expect(svc.worker!.deploy?.replicas).toBe('${WORKER_REPLICAS:-2}');
    expect(Number(interpolate(String(svc.api!.deploy!.replicas)))).toBeGreaterThanOrEqual(2);
    expect(svc.bot!.deploy?.replicas).toBe(1);
    // one host port per api replica; workers and the bot publish nothing
    expect(svc.api!.ports).toEqual(['3000-3009:3000']);
    expect(svc.worker!.ports).toBeUndefined();
    expect(svc.worker!.environment!.METRICS_PORT).toBe('9464');
  });

  it('Prometheus loads ops/prometheus/alerts.yml and scrapes every replica of every role on its metrics port', () => {
    const mounts = Object.fromEntries(svc.prometheus!.volumes!.map((v) => v.split(':')).map(([a, b]) => [b, a]));
    expect(mounts['/etc/prometheus/alerts.yml']).toBe('./ops/prometheus/alerts.yml');
    const prom = readYaml<{ rule_files: string[]; scrape_configs: { job_name: string; dns_sd_configs: { names: string[]; type: string; port: number }[]; authorization?: unknown }[] }>(path.join(root, mounts['/etc/prometheus/prometheus.yml']!));
    expect(prom.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    // production answers /metrics 401 without METRICS_TOKEN: every role requires it, Prometheus sends it from the secret
    for (const name of APP) expect(String(svc[name]!.environment!.METRICS_TOKEN), name).toMatch(/^\$\{METRICS_TOKEN:\?/);
    expect(svc.prometheus!.secrets).toEqual(['metrics_token']);
    expect(compose.secrets?.metrics_token).toEqual({ environment: 'METRICS_TOKEN' });
    for (const job of prom.scrape_configs) expect(job.authorization, job.job_name).toEqual({ type: 'Bearer', credentials_file: '/run/secrets/metrics_token' });
    const jobs = Object.fromEntries(prom.scrape_configs.map((j) => [j.job_name, j.dns_sd_configs[0]!]));
    expect(jobs.api).toEqual({ names: ['api'], type: 'A', port: Number(svc.api!.environment!.PORT) });
    expect(jobs.worker).toEqual({ names: ['worker'], type: 'A', port: Number(svc.worker!.environment!.METRICS_PORT) });
    expect(jobs.bot).toEqual({ names: ['bot'], type: 'A', port: Number(svc.bot!.environment!.METRICS_PORT) });
  });

  it('Grafana is provisioned with the Prometheus data source and ops/grafana/golden-hour.json', () => {
    const mounts = Object.fromEntries(svc.grafana!.volumes!.map((v) => v.split(':')).map(([a, b]) => [b, a]));
    const ds = readYaml<{ datasources: { type: string; url: string; isDefault: boolean }[] }>(path.join(root, mounts['/etc/grafana/provisioning/datasources/prometheus.yml']!));
    expect(ds.datasources).toEqual([expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090', isDefault: true })]);
    const dash = readYaml<{ providers: { type: string; options: { path: string } }[] }>(path.join(root, mounts['/etc/grafana/provisioning/dashboards/golden-hour.yml']!));
    const dir = dash.providers[0]!.options.path;
    expect(mounts[`${dir}/golden-hour.json`]).toBe('./ops/grafana/golden-hour.json');
    expect(JSON.parse(readFileSync(path.join(root, 'ops/grafana/golden-hour.json'), 'utf8')).uid).toBe('golden-hour');
  });

  it('the structural check can fail: a role without its image, or a missing ops file, is caught', () => {
    const broken = parseYaml<Compose>(readFileSync(COMPOSE, 'utf8').replace('./ops/prometheus/alerts.yml:', './ops/prometheus/nope.yml:'));
    const missing = broken.services.prometheus!.volumes!.map((v) => v.split(':')[0]!).filter((p) => p.startsWith('./') && !existsSync(path.join(root, p)));
    expect(missing).toEqual(['./ops/prometheus/nope.yml']);
    expect(() => loadConfig({ ROLES: 'worker', DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
  });
});
