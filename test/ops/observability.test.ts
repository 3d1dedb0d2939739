import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { parseYaml, readYaml } from './support/yamlFile.js';

/**
 * The dashboard and the alert rules may only reference metrics the app exports (docs/design.md).
 * A real instance is started on 127.0.0.1:0 and its /metrics scraped over HTTP.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dashboard = JSON.parse(readFileSync(path.join(root, 'ops/grafana/golden-hour.json'), 'utf8'));
const rules = readYaml(path.join(root, 'ops/prometheus/alerts.yml')) as {
  groups: { name: string; rules: { alert: string; expr: string; for?: string; labels: Record<string, string>; annotations: Record<string, string> }[] }[];
};

/** The families the issue requires, with their type and labels. */
const REQUIRED: Record<string, { type: string; labels: string[] }> = {
  mission_claim_total: { type: 'counter', labels: ['result'] },
  mission_progress_total: { type: 'counter', labels: ['result'] },
  events_ingested_total: { type: 'counter', labels: ['type'] },
  event_queue_lag_seconds: { type: 'gauge', labels: [] },
  rate_limited_total: { type: 'counter', labels: ['route'] },
  idempotency_replay_total: { type: 'counter', labels: [] },
  ntp_preflight_total: { type: 'counter', labels: ['result'] },
  clock_offset_seconds: { type: 'gauge', labels: ['source'] },
  notification_total: { type: 'counter', labels: ['kind', 'result'] },
  http_request_duration_seconds: { type: 'histogram', labels: ['route', 'method', 'status'] },
  golden_hour_window_open: { type: 'gauge', labels: [] },
  golden_hour_flag_state: { type: 'gauge', labels: ['state'] },
};

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** Metric names referenced by a PromQL expression (functions, labels, keywords and durations removed). */
export function metricNames(expr: string): string[] {
  const s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // strings
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges / subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // grouping label lists
    .replace(/\boffset\s+\d+[smhdwy]/g, ' ');
  const out = new Set<string>();
  for (const m of s.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const name = m[0];
    const after = s.slice(m.index! + name.length).trimStart();
    if (after.startsWith('(')) continue; // a function or aggregation
    if (PROMQL_WORDS.has(name.toLowerCase())) continue;
    if (/^\d/.test(name)) continue;
    // skip the exponent/unit of numbers like 1e9
    const before = s.slice(0, m.index!);
    if (/\d$/.test(before)) continue;
    out.add(name);
  }
  return [...out];
}

/** Every expression in a Grafana dashboard: panel targets (rows included) and annotations. */
function dashboardExprs(d: { panels?: unknown[]; annotations?: { list?: { expr?: string }[] } }): string[] {
  const out: string[] = [];
  const walk = (panels: unknown[] = []) => {
    for (const p of panels as { targets?: { expr?: string }[]; panels?: unknown[] }[]) {
      for (const t of p.targets ?? []) if (t.expr) out.push(t.expr);
      walk(p.panels);
    }
  };
  walk(d.panels);
  for (const a of d.annotations?.list ?? []) if (a.expr) out.push(a.expr);
  return out;
}

/** Names a scrape makes queryable: each family, plus _bucket/_sum/_count for histograms and summaries. */
function exportedNames(text: string): { names: Set<string>; types: Map<string, string> } {
  const names = new Set<string>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)/.exec(line);
    if (!m) continue;
    const [, name, type] = m as unknown as [string, string, string];
    types.set(name, type);
    names.add(name);
    if (type === 'histogram') for (const suf of ['_bucket', '_sum', '_count']) names.add(name + suf);
    if (type === 'summary') for (const suf of ['_sum', '_count']) names.add(name + suf);
    if (type === 'counter' && !name.endsWith('_total')) names.add(`${name}_total`);
  }
  return { names, types };
}

describe('metrics, dashboard and alert rules', () => {
  let h: Harness;
  let server: ServerType;
  let base: string;
  let scrape: string;
  const METRICS_TOKEN = 'scrape-secret-for-tests';

  beforeAll(async () => {
    h = await createHarness({ env: { METRICS_TOKEN } });
    const port = await new Promise<number>((resolve) => {
      server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(info.port));
    });
    base = `http://127.0.0.1:${port}`;
    // some traffic so labelled series exist too
    await h.play(501, 3);
    const gid = await h.missionId('golden_hour_play_3');
    await fetch(`${base}/api/mission/${gid}/claim`, { method: 'POST', headers: { authorization: h.auth(501), 'x-idempotency-key': 'k-obs-1' } });
    await fetch(`${base}/api/mission/${gid}/claim`, { method: 'POST', headers: { authorization: h.auth(501), 'x-idempotency-key': 'k-obs-1' } });
    const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    scrape = await res.text();
  });
  afterAll(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await h?.close();
  });

  it('/metrics on a running instance exports every family the issue names, with the right type, plus process metrics', () => {
    const { types } = exportedNames(scrape);
    for (const [name, want] of Object.entries(REQUIRED)) expect({ name, type: types.get(name) }).toEqual({ name, type: want.type });
    expect(types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(types.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);
  });

  it('/metrics refuses a scrape without the METRICS_TOKEN bearer', async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  });

  it('series carry only the low-cardinality labels declared (no user ids, route templates not raw paths)', () => {
    const labelNames = new Set<string>();
    for (const line of scrape.split('\n')) {
      if (line.startsWith('#') || !line.includes('{')) continue;
      const name = line.slice(0, line.indexOf('{'));
      const family = Object.keys(REQUIRED).find((f) => name === f || name === `${f}_bucket` || name === `${f}_sum` || name === `${f}_count`);
      for (const m of line.slice(line.indexOf('{')).matchAll(/([a-zA-Z_]\w*)="/g)) {
        labelNames.add(m[1]!);
        if (family) expect([...REQUIRED[family]!.labels, 'le']).toContain(m[1]);
      }
    }
    for (const bad of ['user', 'userId', 'user_id', 'chat', 'chat_id']) expect(labelNames.has(bad)).toBe(false);
    expect(scrape).toContain('route="/api/mission/:id/claim"');
    expect(scrape).not.toMatch(/route="\/api\/mission\/\d+/);
    expect(scrape).toMatch(/mission_claim_total\{result="ok"\} 1/);
    expect(scrape).toMatch(/idempotency_replay_total 1/);
    expect(scrape).toMatch(/events_ingested_total\{type="PLAY_GAME"\} 3/);
  });

  it('every metric referenced by ops/grafana/golden-hour.json is exported', () => {
    const { names } = exportedNames(scrape);
    const exprs = dashboardExprs(dashboard);
    expect(exprs.length).toBeGreaterThan(15);
    const referenced = new Set(exprs.flatMap(metricNames));
    expect(referenced.size).toBeGreaterThan(10);
    expect([...referenced].filter((n) => !names.has(n))).toEqual([]);
  });

  it('the dashboard has the panels operators need: ingest and lag, progress rate, claims, 429s, clock, notifications, p99', () => {
    const titles: string[] = dashboard.panels.map((p: { title: string }) => p.title);
    for (const t of ['Events ingested / s', 'Event queue lag', 'Progress success rate', 'Claims by result', '429 rate limited / s', 'Clock offset by source', 'Notifications by result', 'HTTP latency p99 by route']) {
      expect(titles).toContain(t);
    }
    const ids = dashboard.panels.map((p: { id: number }) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.timezone).toBe('Asia/Seoul');
  });

  it('every metric referenced by ops/prometheus/alerts.yml is exported', () => {
    const { names } = exportedNames(scrape);
    const all = rules.groups.flatMap((g) => g.rules);
    expect(all.length).toBeGreaterThanOrEqual(5);
    const referenced = new Set(all.flatMap((r) => metricNames(r.expr)));
    expect([...referenced].filter((n) => !names.has(n))).toEqual([]);
  });

  it('alert rules cover clock offset > 1 s, preflight failed, lag > 30 s in the window, claim errors > 5%, notification failures > 10%', () => {
    const all = rules.groups.flatMap((g) => g.rules);
    const find = (metric: string, threshold: RegExp) => all.find((r) => metricNames(r.expr).includes(metric) && threshold.test(r.expr.replace(/\s+/g, ' ')));
    expect(find('clock_offset_seconds', /> 1\b/)).toBeDefined();
    expect(find('ntp_preflight_total', /result="fail"/)).toBeDefined();
    const lag = find('event_queue_lag_seconds', /> 30\b/);
    expect(lag && metricNames(lag.expr)).toContain('golden_hour_window_open');
    expect(find('mission_claim_total', /> 0\.05\b/)).toBeDefined();
    expect(find('notification_total', /> 0\.10?\b/)).toBeDefined();
    for (const r of all) {
      expect(r.alert).toMatch(/^[A-Z][A-Za-z0-9]+$/);
      expect(['critical', 'warning']).toContain(r.labels.severity);
      expect(r.annotations.summary).toBeTruthy();
      expect(r.annotations.runbook).toMatch(/^docs\/playbooks\/incidents\.md#/);
    }
  });

  it('every alert runbook link points at a section that exists in docs/playbooks/incidents.md', () => {
    const doc = readFileSync(path.join(root, 'docs/playbooks/incidents.md'), 'utf8');
    // GitHub's heading slugs: lower case, punctuation dropped, spaces to dashes
    const anchors = new Set([...doc.matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1]!.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')));
    for (const r of rules.groups.flatMap((g) => g.rules)) expect(anchors).toContain(r.annotations.runbook!.split('#')[1]);
  });

  it('the PromQL name extractor ignores functions, labels, grouping, ranges and numbers', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{route!="x"}[5m])))')).toEqual([
      'http_request_duration_seconds_bucket',
    ]);
    expect(metricNames('max(a_total) > 30 and on() max(b) == 1')).toEqual(['a_total', 'b']);
    expect(metricNames('sum(x) by (instance) / 1e9')).toEqual(['x']);
  });

  it('the rule file has the shape Prometheus loads: groups of rules, each an alert with expr, a duration `for` and labels', () => {
    expect(Object.keys(rules)).toEqual(['groups']);
    for (const g of rules.groups) {
      expect(g.name).toMatch(/\S/);
      for (const r of g.rules) {
        expect(Object.keys(r).every((k) => ['alert', 'expr', 'for', 'labels', 'annotations', 'keep_firing_for'].includes(k)), JSON.stringify(Object.keys(r))).toBe(true);
        expect(typeof r.expr).toBe('string');
        if (r.for !== undefined) expect(r.for).toMatch(/^\d+(ms|s|m|h|d)$/);
      }
    }
    expect(new Set(rules.groups.flatMap((g) => g.rules.map((r) => r.alert))).size).toBe(rules.groups.flatMap((g) => g.rules).length);
  });

  it('YAML is read with a full parser: flow collections and block scalars parse, a duplicate key or a tab indent is an error', () => {
    expect(parseYaml('a: [1, 2]\nb: {c: "x # y"}\nd: |\n  l1\n  l2\n# c\ne: no\n')).toEqual({ a: [1, 2], b: { c: 'x # y' }, d: 'l1\nl2\n', e: 'no' });
    expect(() => parseYaml('expr: up\nexpr: down\n', 'dup.yml')).toThrow(/dup\.yml: Map keys must be unique/);
    expect(() => parseYaml('groups:\n\t- name: x\n', 'tab.yml')).toThrow(/tab\.yml/);
  });
});
