import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomUUID } from 'node:crypto';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/platform/config.js';
import { sql } from 'drizzle-orm';
import { createHarness, ADMIN_ID, TESTER_ID, type Harness } from '../support/harness.js';

/**
 * Security hardening rules (docs/reliability.md, threat model), each proved over the real app.
 */
const PLAYER = 5151;

describe('DEV_MODE=1 is accepted only with NODE_ENV development or test', () => {
  it.each(['development', 'test'])('NODE_ENV=%s with DEV_MODE=1 starts in dev mode', (env) => {
    expect(loadConfig({ NODE_ENV: env, DEV_MODE: '1' }).devMode).toBe(true);
  });
  it.each([undefined, 'production', 'Production', 'prod', 'staging', 'dev', 'TEST'])('NODE_ENV=%s with DEV_MODE=1 is refused naming DEV_MODE', (env) => {
    const e = { NODE_ENV: env, DEV_MODE: '1' };
    expect(() => loadConfig(e)).toThrow(ConfigError);
    expect(() => loadConfig(e)).toThrow(/^[\s\S]*DEV_MODE: DEV_MODE=1 is accepted only with NODE_ENV=development or test/);
  });
  it('without DEV_MODE any NODE_ENV starts, and only development and test count as non-production', () => {
    expect(loadConfig({}).production).toBe(true);
    expect(loadConfig({ NODE_ENV: 'staging' }).production).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }).production).toBe(false);
    expect(loadConfig({ NODE_ENV: 'test' }).production).toBe(false);
  });
});

describe('/api/dev/play is for admins and testers only', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ env: { DEV_MODE: '1' } });
  });
  afterAll(async () => h?.close());

  // in dev mode init data is judged on real time (the dev clock jumps), so sign it now
  const as = (userId: number) => ({ authorization: h.auth(userId, { authDate: new Date() }) });

  it('a player gets 403 FORBIDDEN and nothing is queued; a tester and an admin get 202', async () => {
    const refused = await h.req('/api/dev/play', { method: 'POST', headers: as(PLAYER) });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe('FORBIDDEN');
    for (const who of [TESTER_ID, ADMIN_ID]) expect((await h.req('/api/dev/play', { method: 'POST', headers: as(who) })).status).toBe(202);
    await h.s.queue.drain();
    const { stamps } = (await (await h.req('/api/me', { headers: as(PLAYER) })).json()) as { stamps: number };
    expect(stamps).toBe(0);
  });
});

describe('/metrics in production needs METRICS_TOKEN', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ env: { NODE_ENV: 'production' } });
  });
  afterAll(async () => h?.close());

  it('production without METRICS_TOKEN: 401 problem to everyone, with or without a bearer', async () => {
    const cases: Array<Record<string, string>> = [{}, { authorization: 'Bearer ' }, { authorization: 'Bearer anything' }];
    for (const headers of cases) {
      const res = await h.app.request('/metrics', { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(await res.text()).not.toContain('mission_claim_total');
    }
  });
});

describe('unknown /api/* paths are 404 problems, never the Mini App page', () => {
  let h: Harness;
  beforeAll(async () => {
    // the mount stands in for the built Mini App, whose catch-all answers every other path with index.html
    h = await createHarness({ app: { mount: [(app) => app.get('*', (c) => c.html('<!doctype html><div id="app"></div>'))] } });
  });
  afterAll(async () => h?.close());

  it.each(['/api/nope', '/api//admin/missions', '/api/Admin/missions', '/api/mission/1/claim/x', '/api/'])('GET %s → 404 application/problem+json', async (p) => {
    const res = await h.app.request(p, { headers: { authorization: h.auth(ADMIN_ID) } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(((await res.json()) as { code: string }).code).toBe('NOT_FOUND');
  });
  it('the page itself is still served outside /api', async () => {
    const res = await h.app.request('/some/client/route');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
  });
});

describe('every admin query parameter is validated (400 VALIDATION_FAILED)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => h?.close());

  it.each([
    '/api/admin/audit?limit=1.5',
    '/api/admin/audit?limit=abc',
    '/api/admin/audit?limit=0',
    '/api/admin/audit?limit=1e3',
    '/api/admin/audit?limit=1&limit=2',
    '/api/admin/audit?lmit=5',
    '/api/admin/reports/daily?date=2026-13-45',
    '/api/admin/reports/daily?date=yesterday',
    '/api/admin/reports/daily?format=xls',
    '/api/admin/missions?x=1',
    '/api/admin/flags/golden-hour?state=on',
  ])('%s → 400 VALIDATION_FAILED', async (p) => {
    const res = await h.req(p, { userId: ADMIN_ID });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('VALIDATION_FAILED');
  });
  it('good values still work: limit=20, a real date, format=csv', async () => {
    expect((await h.req('/api/admin/audit?limit=20', { userId: ADMIN_ID })).status).toBe(200);
    expect((await h.req('/api/admin/reports/daily?date=2026-11-27', { userId: ADMIN_ID })).status).toBe(200);
    const csv = await h.req('/api/admin/reports/daily?date=2026-11-27&format=csv', { userId: ADMIN_ID });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
  });
});

describe('claim rate limit: a per-player bucket across addresses', () => {
  let h: Harness;
  let server: ServerType;
  let port: number;
  beforeAll(async () => {
    // no clientIp override: the address is the real socket's
    // a window of 10 minutes: the bucket of 20 cannot refill while a slow machine sends the 30
    h = await createHarness({ app: { clientIp: undefined, claimRateLimit: { points: 20, durationS: 600 } } });
    server = await new Promise<ServerType>((resolve) => {
      const srv = serve({ fetch: h.app.fetch, port: 0, hostname: '0.0.0.0' }, () => resolve(srv));
    });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await h?.close();
  });

  const claimFrom = (localAddress: string, missionId: number) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, localAddress, method: 'POST', path: `/api/mission/${missionId}/claim`, headers: { authorization: h.auth(PLAYER), 'x-idempotency-key': randomUUID(), 'content-length': '0' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });

  it('one player from three loopback addresses (127.0.0.2, .3, .4) hits the per-player limit of 20', async () => {
    const id = await h.missionId('golden_hour_play_3');
    // 10 from each address: no (address, player) pair goes over 20, the player's 30 do
    const statuses = await Promise.all(['127.0.0.2', '127.0.0.3', '127.0.0.4'].flatMap((a) => Array.from({ length: 10 }, () => claimFrom(a, id))));
    const limited = statuses.filter((s) => s === 429).length;
    expect(limited).toBe(10);
    expect(statuses.filter((s) => s !== 429).every((s) => s === 409)).toBe(true); // NOT_COMPLETED: the limit let them through to the rule
    // another player on the same addresses has a bucket of their own
    const other = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, localAddress: '127.0.0.2', method: 'POST', path: `/api/mission/${id}/claim`, headers: { authorization: h.auth(PLAYER + 1), 'x-idempotency-key': randomUUID(), 'content-length': '0' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(other).toBe(409);
  });
});

describe('manual payouts: the CSV parsed by csv-parse, and only for a recent, past period', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => h?.close());

  const payout = (body: string, q: string) =>
    h.app.request(`/api/admin/payouts${q}`, { method: 'POST', headers: { authorization: h.auth(ADMIN_ID), 'content-type': 'text/csv' }, body });
  const paidUsers = async () =>
    (await h.s.database.query<{ user_id: string | number }>(sql`select distinct user_id from reward_ledger where source = 'payout' order by user_id`)).map((r) => Number(r.user_id));
  const sha = (body: string) => createHash('sha256').update(body).digest('hex');
  /** players who opened the app (so they are known players) */
  const known = async (...ids: number[]) => {
    for (const id of ids) h.s.activity.seen({ id });
    await h.s.activity.flush();
  };

  it('a quoted, many-column CSV export with a BOM pays the right players (the user_id column, not the first)', async () => {
    const csv =
      '\uFEFF"name","note","user_id","score"\r\n' +
      '"Kim, Minsu","said ""hi""; left",7101,12\r\n' +
      '"Lee","multi\nline note",7102,9\r\n' +
      '"7999","first column is not the id",7103,1\r\n';
    await known(7101, 7102, 7103);
    const preview = (await (await payout(csv, '?date=2026-11-27')).json()) as { valid: number; toPayIds: number[]; invalidCount: number };
    expect(preview).toMatchObject({ valid: 3, invalidCount: 0, toPayIds: [7101, 7102, 7103] });
    const res = await payout(csv, `?date=2026-11-27&confirm=${sha(csv)}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ paid: 3 });
    expect(await paidUsers()).toEqual([7101, 7102, 7103]);
  });

  it.each([
    ['a day in the future', '2026-11-28'],
    ['a day more than PAYOUT_MAX_AGE_DAYS (7) back', '2026-11-19'],
  ])('%s → 400 VALIDATION_FAILED, nothing paid', async (_what, date) => {
    const before = await paidUsers();
    await known(7201);
    const res = await payout('user_id\n7201\n', `?date=${date}&confirm=${sha('user_id\n7201\n')}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string; field: string })).toMatchObject({ code: 'VALIDATION_FAILED', field: 'date' });
    expect(await paidUsers()).toEqual(before);
  });

  it('seven days back is still allowed', async () => {
    const res = await payout('user_id\n7301\n', '?date=2026-11-20');
    expect(res.status).toBe(200);
  });

  it('an id that is no known player is previewed as unknown and paid only with includeUnknown=1', async () => {
    await known(7401);
    // 7402 never played nor opened the app or the bot; 7403 has a users row only from a blocked announcement
    await h.s.database.query(sql`insert into users (id, blocked_at) values (7403, now())`);
    const csv = 'user_id\n7401\n7402\n7403\n';
    const preview = (await (await payout(csv, '?date=2026-11-27')).json()) as Record<string, unknown>;
    expect(preview).toMatchObject({ valid: 3, toPay: 1, toPayIds: [7401], unknown: 2, unknownIds: [7402, 7403], fileSha256: sha(csv) });
    const plain = await payout(csv, `?date=2026-11-27&confirm=${sha(csv)}`);
    expect(await plain.json()).toMatchObject({ requested: 3, paid: 1, alreadyPaid: 0, unknownSkipped: 2 });
    expect((await paidUsers()).filter((u) => u > 7400 && u < 7500)).toEqual([7401]);
    const forced = await payout(csv, `?date=2026-11-27&confirm=${sha(csv)}&includeUnknown=1`);
    expect(await forced.json()).toMatchObject({ requested: 3, paid: 2, alreadyPaid: 1, unknownSkipped: 0 });
    expect((await paidUsers()).filter((u) => u > 7400 && u < 7500)).toEqual([7401, 7402, 7403]);
  });

  describe('confirming is bound to the previewed file (confirm=<fileSha256>)', () => {
    const ledgerRows = async () => (await h.s.database.query<{ n: number }>(sql`select count(*)::int as n from reward_ledger where source = 'payout'`))[0]!.n;
    const batches = async () => (await h.s.database.query<{ n: number }>(sql`select count(*)::int as n from payout_batches`))[0]!.n;
    const csv = 'user_id\n7501\n7502\n';
    beforeAll(async () => known(7501, 7502));

    it.each([
      ['confirm=1', '1'],
      ['an empty confirm', ''],
      ['another file\'s hash', sha('user_id\n7501\n')],
      ['a hash that is not 64 hex digits', sha(csv).slice(0, 40)],
    ])('%s pays nothing: 409 PAYOUT_NOT_CONFIRMED, no ledger rows, no batch', async (_what, confirm) => {
      const [rows, runs] = [await ledgerRows(), await batches()];
      const res = await payout(csv, `?date=2026-11-27&confirm=${confirm}`);
      expect(res.status).toBe(409);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(await res.json()).toMatchObject({ code: 'PAYOUT_NOT_CONFIRMED', field: 'confirm' });
      expect([await ledgerRows(), await batches()]).toEqual([rows, runs]);
    });

    it('the previewed file\'s sha256 (upper or lower case) pays it', async () => {
      const preview = (await (await payout(csv, '?date=2026-11-27')).json()) as { fileSha256: string; toPay: number };
      expect(preview).toMatchObject({ fileSha256: sha(csv), toPay: 2 });
      const res = await payout(csv, `?date=2026-11-27&confirm=${preview.fileSha256.toUpperCase()}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ paid: 2, fileSha256: sha(csv) });
      expect((await paidUsers()).filter((u) => u > 7500 && u < 7600)).toEqual([7501, 7502]);
    });
  });
});

describe('expired init data is told apart: 401 UNAUTHORIZED with reason INIT_DATA_EXPIRED', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => h?.close());
  const me = (authorization: string) => h.app.request('/api/me', { headers: { authorization } });

  it('init data older than INIT_DATA_MAX_AGE_S (24 h) → 401 UNAUTHORIZED, reason INIT_DATA_EXPIRED (the Mini App re-reads it and retries)', async () => {
    const res = await me(h.auth(PLAYER, { authDate: new Date(h.clock.nowMs() - 86_401_000) }));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'UNAUTHORIZED', reason: 'INIT_DATA_EXPIRED' });
  });

  it('other refusals carry no reason (nothing for the client to retry); a day-old one still passes', async () => {
    const tampered = h.auth(PLAYER).replace(`%22id%22%3A${PLAYER}`, `%22id%22%3A${PLAYER + 1}`);
    for (const header of ['tma garbage', tampered, h.auth(PLAYER, { authDate: new Date(h.clock.nowMs() + 3_600_000) })]) {
      const res = await me(header);
      expect(res.status).toBe(401);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body.code).toBe('UNAUTHORIZED');
      expect(body).not.toHaveProperty('reason');
    }
    expect((await me(h.auth(PLAYER, { authDate: new Date(h.clock.nowMs() - 86_000_000) }))).status).toBe(200);
  });
});
