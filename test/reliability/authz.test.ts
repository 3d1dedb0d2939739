import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createHarness, ADMIN_ID, BOT_TOKEN, TESTER_ID, type Harness } from '../support/harness.js';
import { assertInvariants, databaseFingerprint } from '../support/invariants.js';
import { ConfigError, loadConfig } from '../../core/platform/config.js';
import { createBot } from '../../bot/createBot.js';
import { ADMIN_COMMANDS, commandMenu } from '../../bot/commands.js';
import { WEBHOOK_PATH, webhookQueue, webhookRoute } from '../../bot/run.js';
import { createApp } from '../../webapp/server/app.js';
import { ko } from '../../bot/locales/ko.js';
import { BOT_INFO, callbackUpdate, documentUpdate, recordCalls, textUpdate } from '../bot/support.js';
import { ROOT } from './support/fixtures.js';

/**
 * Authorization and web hardening. The admin route table is derived from the Hono app
 * itself (`app.routes`), and the admin command table from the bot's advertised command list, so a
 * new route or command without the guard fails here without anyone updating a list.
 */
const PLAYER = 4242;
const WEBAPP = 'https://gh.example.com';

type Route = { method: string; path: string };
const concrete = (p: string) => p.replace(/:[A-Za-z_]+(\{[^}]*\})?/g, '1').replace(/\*$/, 'x');

function routesOf(app: { routes: Array<{ method: string; path: string }> }): Route[] {
  const seen = new Map<string, Route>();
  for (const r of app.routes) {
    if (r.method === 'ALL') continue; // middleware (auth, cors, limits), not endpoints
    seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
  }
  return [...seen.values()];
}

describe('authorization', () => {
  let h: Harness;
  let fingerprint: string;
  let routes: Route[];

  beforeAll(async () => {
    h = await createHarness({ env: { WEBAPP_URL: WEBAPP } });
    await h.play(PLAYER, 3, 'authz');
    routes = routesOf(h.app);
    fingerprint = await databaseFingerprint(h.s.database);
  });
  afterAll(async () => h?.close());

  const unchanged = async () => expect(await databaseFingerprint(h.s.database)).toBe(fingerprint);
  const call = (r: Route, authorization?: string) =>
    h.app.request(concrete(r.path), {
      method: r.method,
      headers: { ...(authorization ? { authorization } : {}), 'content-type': 'application/json', 'x-idempotency-key': 'authz-1' },
      body: r.method === 'GET' || r.method === 'HEAD' ? undefined : JSON.stringify({ state: 'off', title: 'pwned', startTime: '00:00:00', endTime: '23:59:59' }),
    });

  it('the route table is derived from the app and covers the documented admin routes', () => {
    const admin = routes.filter((r) => r.path.startsWith('/api/admin/')).map((r) => `${r.method} ${r.path}`);
    for (const expected of ['GET /api/admin/missions', 'POST /api/admin/missions', 'PATCH /api/admin/missions/:id', 'GET /api/admin/flags/golden-hour', 'PUT /api/admin/flags/golden-hour', 'GET /api/admin/audit', 'POST /api/admin/payouts']) {
      expect(admin).toContain(expected);
    }
  });

  it('every /api/admin route refuses anonymous (401), players (403) and testers (403), and changes nothing', async () => {
    const admin = routes.filter((r) => r.path.startsWith('/api/admin/'));
    expect(admin.length).toBeGreaterThan(5);
    for (const r of admin) {
      const anon = await call(r);
      expect(anon.status, `${r.method} ${r.path} anonymous`).toBe(401);
      for (const who of [PLAYER, TESTER_ID]) {
        const res = await call(r, h.auth(who));
        expect(res.status, `${r.method} ${r.path} as ${who}`).toBe(403);
        expect(((await res.json()) as { code: string }).code).toBe('FORBIDDEN');
      }
    }
    await unchanged();
  });

  it('every /api/admin route lets an admin through the guard (the table is not vacuous)', async () => {
    for (const r of routes.filter((r) => r.path.startsWith('/api/admin/') && r.method === 'GET')) {
      const res = await call(r, h.auth(ADMIN_ID));
      expect([401, 403], `${r.method} ${r.path} as admin`).not.toContain(res.status);
    }
  });

  it('admin-looking routes live under /api/admin/ (where the guard is), and every other /api route needs a player', async () => {
    const PUBLIC = new Set(['/api/time', '/api/events']);
    for (const r of routes) {
      if (/admin|payout|audit|report|flag/i.test(r.path) && r.path.startsWith('/api/')) expect(r.path, `${r.method} ${r.path}`).toMatch(/^\/api\/admin\//);
      if (!r.path.startsWith('/api/') || PUBLIC.has(r.path)) continue;
      const res = await call(r);
      expect(res.status, `${r.method} ${r.path} anonymous`).toBe(401);
    }
    await unchanged();
  });

  it('/api/events needs the ingest token, not a player session', async () => {
    const res = await h.app.request('/api/events', { method: 'POST', headers: { authorization: h.auth(ADMIN_ID), 'content-type': 'application/json' }, body: '{"events":[{"userId":1,"type":"PLAY_GAME","actionId":"x"}]}' });
    expect(res.status).toBe(401);
    await unchanged();
  });

  it('the dev clock, dev login and dev play do not exist without DEV_MODE', async () => {
    expect(routes.filter((r) => r.path.startsWith('/api/dev'))).toEqual([]);
    expect((await h.app.request('/api/dev/login', { method: 'POST' })).status).toBe(404);
    const clock = await h.app.request('/api/dev/clock', { method: 'PUT', headers: { authorization: h.auth(ADMIN_ID), 'content-type': 'application/json' }, body: '{"offsetMs":3600000}' });
    expect(clock.status).toBe(404);
    expect((await h.app.request('/api/dev/play', { method: 'POST', headers: { authorization: h.auth(PLAYER) } })).status).toBe(404);
    await unchanged();
  });

  describe('bot commands', () => {
    // the admin command menu the bot advertises (bot/commands.ts), its admin list, and docs/design.md
    const advertised = commandMenu('ko', true).map((c) => c.command).filter((c) => !['start', 'missions'].includes(c));
    const DESIGN = ['golden', 'golden_on', 'golden_off', 'golden_dry', 'golden_time', 'mission_edit', 'audit', 'report', 'why', 'broadcast_test', 'payout'];
    // /cancel only ends the caller's own conversation: not an admin action
    const commands = [...new Set([...advertised, ...ADMIN_COMMANDS, ...DESIGN])].filter((c) => c !== 'cancel');
    const ARGS: Record<string, string> = { golden_time: ' 00:00 23:59', why: ` ${PLAYER}`, report: ' 2026-11-27' };
    const refusal = ko['admin.refused'];

    it('the command table is not empty', () => {
      expect(advertised.length).toBeGreaterThan(5);
      expect(commands).toEqual(expect.arrayContaining(DESIGN));
    });

    it.each(['golden', 'golden_on', 'golden_off', 'golden_dry', 'golden_time', 'mission_edit', 'audit', 'report', 'why', 'broadcast_test', 'payout'])('/%s from a non-admin is refused and nothing changes', async (cmd) => {
      expect(commands).toContain(cmd);
      const bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
      const rec = recordCalls(bot);
      await bot.handleUpdate(textUpdate({ id: PLAYER }, `/${cmd}${ARGS[cmd] ?? ''}`));
      const texts = rec.texts();
      for (const t of texts) expect(t, `/${cmd}`).toBe(refusal);
      // a command the bot answers for admins must also answer non-admins with the refusal
      if (texts.length === 0) {
        const probe = await createHarness({ env: { WEBAPP_URL: WEBAPP } });
        try {
          const adminBot = createBot({ s: probe.s, token: BOT_TOKEN, botInfo: BOT_INFO });
          const adminRec = recordCalls(adminBot);
          await adminBot.handleUpdate(textUpdate({ id: ADMIN_ID }, `/${cmd}${ARGS[cmd] ?? ''}`));
          expect(adminRec.texts(), `/${cmd} answers admins but is silent to others`).toEqual([]);
        } finally {
          await probe.close();
        }
      }
      await unchanged();
    });

    it('every advertised admin command refuses a non-admin (table from bot/run.ts)', async () => {
      for (const cmd of commands) {
        const bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
        const rec = recordCalls(bot);
        await bot.handleUpdate(textUpdate({ id: PLAYER }, `/${cmd}${ARGS[cmd] ?? ''}`));
        for (const t of rec.texts()) expect(t, `/${cmd}`).toBe(refusal);
      }
      await unchanged();
    });

    it.each(['adm:flag:on', 'adm:flag:off', `adm:time:${ADMIN_ID}:000000:235959`, 'adm:cancel', `pay:go:0123456789abcdef:${'0'.repeat(32)}`, `pay:all:0123456789abcdef:${'0'.repeat(32)}`, 'me:pick:1'])('the confirmation button %s pressed by a non-admin is refused', async (data) => {
      const bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
      const rec = recordCalls(bot);
      await bot.handleUpdate(callbackUpdate({ id: PLAYER }, data));
      // refused, or (for a conversation button with no conversation behind it) told it expired
      for (const c of rec.of('answerCallbackQuery')) if (c.payload.text !== undefined) expect([refusal, ko['common.expired']]).toContain(c.payload.text);
      for (const t of rec.texts()) expect([refusal, ko['common.expired']]).toContain(t);
      expect(rec.of('editMessageText').map((c) => c.payload.text)).toEqual([]);
      await unchanged();
    });

    it('a CSV document sent by a non-admin is never downloaded or previewed', async () => {
      const bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
      const rec = recordCalls(bot, new Map([['evil', { path: 'documents/evil.csv', size: 20 }]]));
      await bot.handleUpdate(textUpdate({ id: PLAYER }, '/payout'));
      await bot.handleUpdate(documentUpdate({ id: PLAYER }, { fileId: 'evil', fileName: 'winners.csv', size: 20 }, '/payout'));
      expect(rec.of('getFile')).toEqual([]);
      for (const t of rec.texts()) expect(t).toBe(refusal);
      await unchanged();
    });

    it('webhook without or with a wrong secret → 401 and no update is processed', async () => {
      const bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
      const rec = recordCalls(bot);
      const app = createApp(h.s, { mount: [webhookRoute(bot, 'the-right-secret', webhookQueue(bot, h.s))] });
      const post = (headers: Record<string, string>) =>
        app.request(WEBHOOK_PATH, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(textUpdate({ id: ADMIN_ID }, '/golden_on')) });
      expect((await post({})).status).toBe(401);
      expect((await post({ 'X-Telegram-Bot-Api-Secret-Token': 'wrong' })).status).toBe(401);
      expect((await post({ 'X-Telegram-Bot-Api-Secret-Token': '' })).status).toBe(401);
      expect(rec.calls).toEqual([]);
      await unchanged();
    });
  });

  it('after all of it: invariants hold, the player was paid nothing', async () => {
    const [b] = await h.s.database.query<{ n: number }>(sql`select count(*)::int as n from reward_ledger`);
    expect(b!.n).toBe(0);
    await assertInvariants(h.s.database);
  });
});

describe('/metrics honours METRICS_TOKEN', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ env: { METRICS_TOKEN: 'm3trics-s3cret' } });
  });
  afterAll(async () => h?.close());

  it('no token or a wrong one → 401 problem; the right bearer → Prometheus text', async () => {
    const none = await h.app.request('/metrics');
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    expect((await h.app.request('/metrics', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await h.app.request('/metrics', { headers: { authorization: 'm3trics-s3cret' } })).status).toBe(401);
    const ok = await h.app.request('/metrics', { headers: { authorization: 'Bearer m3trics-s3cret' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('mission_claim_total');
  });
});

describe('DEV_MODE is refused in production', () => {
  it('loadConfig refuses DEV_MODE=1 with NODE_ENV=production, naming DEV_MODE', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DEV_MODE: '1' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production', DEV_MODE: '1' })).toThrow(/DEV_MODE/);
    expect(loadConfig({ NODE_ENV: 'production' }).devMode).toBe(false);
  });

  it('the process refuses to start with DEV_MODE=1 and NODE_ENV=production (exit 78, message names DEV_MODE)', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'production', DEV_MODE: '1', PORT: '0' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/DEV_MODE/);
  });

  it('with DEV_MODE=1 (not production) the dev routes exist — the guard above is real', async () => {
    const h = await createHarness({ env: { DEV_MODE: '1' } });
    try {
      expect(routesOf(h.app).some((r) => r.path === '/api/dev/clock')).toBe(true);
    } finally {
      await h.close();
    }
  });
});

describe('web hardening', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({
      env: { WEBAPP_URL: WEBAPP },
      app: {
        mount: [
          (app) => {
            // stands in for the built Mini App that scripts/start.ts serves at /
            app.get('/', (c) => c.html('<!doctype html><div id="app"></div>'));
            app.get('/boom', () => {
              const e = new Error('select password from users where id = 1 -- at Object.<anonymous> (/work/main/core/secret.ts:42:7)');
              throw e;
            });
          },
        ],
      },
    });
  });
  afterAll(async () => h?.close());

  it('CORS allows only the WEBAPP_URL origin', async () => {
    const pre = (origin: string) =>
      h.app.request('/api/mission', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    const good = await pre(WEBAPP);
    expect(good.headers.get('access-control-allow-origin')).toBe(WEBAPP);
    for (const evil of ['https://evil.example', 'null', 'https://gh.example.com.evil.io', 'http://gh.example.com']) {
      const res = await pre(evil);
      expect([null, WEBAPP]).toContain(res.headers.get('access-control-allow-origin'));
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    }
    const simple = await h.app.request('/api/time', { headers: { origin: 'https://evil.example' } });
    expect(simple.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
  });

  it('the Mini App is served with a CSP that works inside Telegram and the usual security headers', async () => {
    const res = await h.app.request('/');
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toMatch(/script-src 'self'(;|$)/); // no inline or remote scripts
    expect(csp).toMatch(/frame-ancestors [^;]*https:\/\/web\.telegram\.org/); // Telegram Web embeds the app
    expect(res.headers.get('x-frame-options')).toBeNull(); // would break the Telegram Web iframe
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBeTruthy();
    expect(res.headers.get('strict-transport-security')).toBeTruthy();
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('request bodies over the limit are refused with 413 on every API route', async () => {
    const big = JSON.stringify({ title: 'x'.repeat(2 * 1024 * 1024) });
    const admin = await h.app.request('/api/admin/missions', { method: 'POST', headers: { authorization: h.auth(ADMIN_ID), 'content-type': 'application/json' }, body: big });
    expect(admin.status, await admin.clone().text()).toBe(413);
    const claim = await h.app.request('/api/mission/1/claim', { method: 'POST', headers: { authorization: h.auth(PLAYER), 'x-idempotency-key': 'k1' }, body: big });
    expect(claim.status, await claim.clone().text()).toBe(413);
  });

  it('an unexpected error answers a generic 500 problem: no stack trace, no SQL, no file paths', async () => {
    const res = await h.app.request('/boom');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text).code).toBe('INTERNAL');
    expect(text).not.toMatch(/select|password|\.ts:\d+|\/work\/|Object\.<anonymous>/i);
  });

  it('a real database error (a missing table) is a generic 500 too, and the server stays up', async () => {
    await h.s.database.query(sql`alter table balances rename to balances_gone`);
    try {
      const res = await h.req('/api/me', { userId: PLAYER });
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(text).not.toMatch(/balances|relation|select|\.ts:\d+/i);
    } finally {
      await h.s.database.query(sql`alter table balances_gone rename to balances`);
    }
    expect((await h.req('/api/me', { userId: PLAYER })).status).toBe(200);
  });
});
