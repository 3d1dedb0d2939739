import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHarness, ADMIN_ID, BOT_TOKEN, INGEST_TOKEN, type Harness } from '../support/harness.js';
import { assertInvariants, databaseFingerprint } from '../support/invariants.js';
import { signData } from '@tma.js/init-data-node';
import { signInitData } from '../../webapp/server/auth.js';
import { createBot } from '../../bot/createBot.js';
import { BOT_INFO, recordCalls, textUpdate } from '../bot/support.js';

/**
 * Hostile input: every malformed request gets a clear 4xx problem with a stable code,
 * the server stays up, and the database is unchanged (fingerprint of every business table).
 */
const CODES = new Set(['VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'UNAUTHORIZED', 'IDEMPOTENCY_KEY_REQUIRED', 'IDEMPOTENCY_KEY_INVALID', 'MISSION_NOT_FOUND', 'NOT_FOUND', 'BAD_REQUEST']);

async function expectProblem(res: Response, status: number | number[], code?: string) {
  const statuses = Array.isArray(status) ? status : [status];
  const text = await res.text();
  expect(statuses, text).toContain(res.status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  const body = JSON.parse(text) as { code: string; status: number; detail?: string };
  expect(body.status).toBe(res.status);
  if (code) expect(body.code).toBe(code);
  else expect(CODES.has(body.code), body.code).toBe(true);
  // no stack traces or SQL leak into problems
  expect(text).not.toMatch(/\bat [\w.<>]+ \(|\.ts:\d+|node_modules|select .* from|insert into/i);
  return body;
}

describe('hostile input is refused with a stable 4xx and changes nothing', () => {
  let h: Harness;
  let gid: number;
  let fingerprint: string;

  beforeAll(async () => {
    h = await createHarness();
    gid = await h.missionId('golden_hour_play_3');
    await h.play(1001, 3, 'base'); // a completed, unclaimed mission: a hostile claim must not pay it
    fingerprint = await databaseFingerprint(h.s.database);
  });
  afterAll(async () => h?.close());

  const unchanged = async () => {
    await h.s.queue.drain();
    expect(await databaseFingerprint(h.s.database)).toBe(fingerprint);
    expect((await h.app.request('/healthz')).status).toBe(200);
  };
  const postEvents = (body: string, headers: Record<string, string> = {}) =>
    h.app.request('/api/events', { method: 'POST', headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json', ...headers }, body });
  const good = { userId: 1, type: 'PLAY_GAME', actionId: 'a-1' };

  describe('POST /api/events', () => {
    it.each([
      ['an array body', '[]'],
      ['a string body', '"events"'],
      ['a number body', '42'],
      ['null', 'null'],
      ['events not an array', '{"events":"x"}'],
      ['events an object', '{"events":{"0":{}}}'],
      ['events of numbers', '{"events":[1,2,3]}'],
      ['an empty list', '{"events":[]}'],
      ['userId as a string', JSON.stringify({ events: [{ ...good, userId: '1' }] })],
      ['userId a float', JSON.stringify({ events: [{ ...good, userId: 1.5 }] })],
      ['a negative userId', JSON.stringify({ events: [{ ...good, userId: -7 }] })],
      ['userId 0', JSON.stringify({ events: [{ ...good, userId: 0 }] })],
      ['a huge userId', '{"events":[{"userId":1e308,"type":"PLAY_GAME","actionId":"x"}]}'],
      ['a userId beyond 2^53', '{"events":[{"userId":9007199254740993,"type":"PLAY_GAME","actionId":"x"}]}'],
      ['a huge amount', JSON.stringify({ events: [{ ...good, amount: 1e300 }] })],
      ['a negative amount', JSON.stringify({ events: [{ ...good, amount: -1 }] })],
      ['an unknown type', JSON.stringify({ events: [{ ...good, type: 'WIN_JACKPOT' }] })],
      ['a unicode action id', JSON.stringify({ events: [{ ...good, actionId: '게임-１' }] })],
      ['an emoji action id', JSON.stringify({ events: [{ ...good, actionId: '🎮' }] })],
      ['an action id with a space', JSON.stringify({ events: [{ ...good, actionId: 'a b' }] })],
      ['an empty action id', JSON.stringify({ events: [{ ...good, actionId: '' }] })],
      ['a 129-char action id', JSON.stringify({ events: [{ ...good, actionId: 'x'.repeat(129) }] })],
      ['an unknown field', JSON.stringify({ events: [{ ...good, bonus: 1000 }] })],
      ['a __proto__ key', '{"events":[{"userId":1,"type":"PLAY_GAME","actionId":"p-1","__proto__":{"isAdmin":true}}]}'],
      ['a constructor key', '{"events":[{"userId":1,"type":"PLAY_GAME","actionId":"p-2","constructor":{"prototype":{"isAdmin":true}}}]}'],
      ['a top-level __proto__', '{"__proto__":{"events":[]},"events":[{"userId":1,"type":"PLAY_GAME","actionId":"p-3"}]}'],
      ['a __proto__ key spelled with JSON escapes', '{"events":[{"userId":1,"type":"PLAY_GAME","actionId":"p-4","\\u005f_proto\\u005f_":{"isAdmin":true}}]}'],
      ['1001 events', JSON.stringify({ events: Array.from({ length: 1001 }, (_, i) => ({ ...good, actionId: `m-${i}` })) })],
      ['one bad event among good ones', JSON.stringify({ events: [good, { ...good, actionId: 'ok-2' }, { ...good, userId: -1 }] })],
      ['not JSON', '{"events": [ {"userId": 1,'],
      ['an empty body', ''],
    ])('%s → 400', async (_name, body) => {
      await expectProblem(await postEvents(body), 400);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      await unchanged();
    });

    it('a forbidden key is named whether spelled out or behind JSON escapes (the parse without a reviver is only for bodies that cannot hold one)', async () => {
      for (const key of ['__proto__', '\\u005f_proto\\u005f_', 'constructor', 'constr\\u0075ctor']) {
        const body = await expectProblem(await postEvents(`{"events":[{"userId":1,"type":"PLAY_GAME","actionId":"k-1","${key}":{"isAdmin":true}}]}`), 400, 'VALIDATION_FAILED');
        expect(body.detail).toMatch(/forbidden key "(__proto__|constructor)"/);
      }
      await unchanged();
    });

    it('a 10 MB body → 413 PAYLOAD_TOO_LARGE', async () => {
      const big = JSON.stringify({ events: [{ ...good, actionId: 'x'.repeat(10 * 1024 * 1024) }] });
      await expectProblem(await postEvents(big), 413, 'PAYLOAD_TOO_LARGE');
      await unchanged();
    });

    it('a non-JSON content type → 415, no or a wrong ingest token → 401', async () => {
      await expectProblem(await postEvents(JSON.stringify({ events: [good] }), { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      await expectProblem(await postEvents(JSON.stringify({ events: [good] }), { authorization: '' }), 401, 'UNAUTHORIZED');
      await expectProblem(await postEvents(JSON.stringify({ events: [good] }), { authorization: `Bearer ${INGEST_TOKEN}x` }), 401, 'UNAUTHORIZED');
      await expectProblem(await postEvents(JSON.stringify({ events: [good] }), { authorization: `tma ${INGEST_TOKEN}` }), 401, 'UNAUTHORIZED');
      await unchanged();
    });

    it('property: any event with at least one hostile field is refused as a whole (fast-check)', async () => {
      const badUserId = fc.oneof(fc.string(), fc.double().filter((d) => !Number.isSafeInteger(d) || d <= 0), fc.integer({ max: 0 }), fc.constant(null), fc.boolean(), fc.array(fc.nat()));
      const badType = fc.oneof(fc.string().filter((s) => s !== 'PLAY_GAME' && s !== 'DEPOSIT'), fc.integer(), fc.constant(null));
      const badActionId = fc.oneof(
        fc.string({ unit: 'grapheme', minLength: 1 }).filter((s) => !/^[\x21-\x7e]+$/.test(s)),
        fc.string({ minLength: 129, maxLength: 300, unit: fc.constantFrom('a', 'b') }),
        fc.constant(''),
        fc.integer(),
      );
      const badAmount = fc.oneof(fc.double({ min: -1e300, max: -Number.MIN_VALUE, noNaN: true }), fc.constant(1e13), fc.string(), fc.boolean());
      const hostileEvent = fc
        .tuple(fc.constantFrom('userId', 'type', 'actionId', 'amount', 'extra'), badUserId, badType, badActionId, badAmount, fc.string({ minLength: 1, maxLength: 8 }))
        .map(([field, u, t, a, n, k]) => {
          const e: Record<string, unknown> = { userId: 42, type: 'PLAY_GAME', actionId: `fc-${k.length}` };
          if (field === 'userId') e.userId = u;
          if (field === 'type') e.type = t;
          if (field === 'actionId') e.actionId = a;
          if (field === 'amount') e.amount = n;
          if (field === 'extra') e[['userId', 'type', 'actionId', 'amount'].includes(k) ? `${k}_` : k] = 1;
          return e;
        });
      await fc.assert(
        fc.asyncProperty(fc.array(fc.constant(good), { maxLength: 3 }), hostileEvent, fc.nat(3), async (goods, bad, at) => {
          const events = goods.map((g, i) => ({ ...g, actionId: `g-${i}` }));
          events.splice(Math.min(at, events.length), 0, bad as typeof good);
          const res = await postEvents(JSON.stringify({ events }));
          await expectProblem(res, 400, 'VALIDATION_FAILED');
        }),
        { numRuns: 150 },
      );
      await unchanged();
    });

    it('property: arbitrary JSON values as the body never get 202 or a 5xx (fast-check)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.jsonValue(), async (v) => {
          const res = await postEvents(JSON.stringify(v));
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
        }),
        { numRuns: 150 },
      );
      await unchanged();
    });
  });

  describe('admin mission input', () => {
    const admin = (method: string, path: string, body: unknown) => h.req(path, { method, userId: ADMIN_ID, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const base = { logicKey: 'rel_hostile', title: 'ok', actionType: 'PLAY_GAME', target: 3 };

    it.each([
      ['24:00:00 as a start', { startTime: '24:00:00', endTime: '01:00:00' }, 'startTime'],
      ['21:60:00 as an end', { startTime: '21:30:00', endTime: '21:60:00' }, 'endTime'],
      ['start = end', { startTime: '21:30:00', endTime: '21:30:00' }, 'endTime'],
      // a PATCH merges with the stored window, so "one of two" means clearing the other
      ['only a start', { startTime: '21:00:00', endTime: null }, 'endTime'],
      ['only an end', { startTime: null, endTime: '22:00:00' }, 'startTime'],
      ['a time with garbage', { startTime: '21:30:00; drop table missions', endTime: '22:30:00' }, undefined],
      ['a negative reward', { rewards: { diamonds: -100 } }, 'rewards.diamonds'],
      ['an enormous reward', { rewards: { diamonds: 1e15 } }, 'rewards.diamonds'],
      ['a fractional reward', { rewards: { xp: 0.5 } }, 'rewards.xp'],
      ['a string reward', { rewards: { tickets: '1' } }, 'rewards.tickets'],
      ['a 10k-character title', { title: 'x'.repeat(10_000) }, 'title'],
      ['an empty title', { title: '   ' }, 'title'],
      ['a control character in the title', { title: 'a\u0000b' }, 'title'],
      ['a zero target', { target: 0 }, 'target'],
      ['a negative target', { target: -3 }, 'target'],
      ['an unknown field', { isAdmin: true }, undefined],
      ['a vault multiplier of 1000', { vaultAccrualMultiplier: 1000 }, 'vaultAccrualMultiplier'],
    ])('PATCH with %s → 400 VALIDATION_FAILED', async (_name, patch, field) => {
      const body = await expectProblem(await admin('PATCH', `/api/admin/missions/${gid}`, patch), 400, 'VALIDATION_FAILED');
      if (field) expect(JSON.stringify(body)).toContain(field);
      await unchanged();
    });

    it.each([
      ['24:00:00', { ...base, startTime: '24:00:00', endTime: '01:00:00' }],
      ['start = end', { ...base, startTime: '10:00:00', endTime: '10:00:00' }],
      ['one of two times', { ...base, startTime: '10:00:00' }],
      ['a negative reward', { ...base, rewards: { xp: -1 } }],
      ['a 10k-character title', { ...base, title: 't'.repeat(10_000) }],
      ['a bad logic key', { ...base, logicKey: '../../etc' }],
      ['a __proto__ key', `{"logicKey":"rel_proto","title":"p","actionType":"PLAY_GAME","target":1,"__proto__":{"active":false}}`],
    ])('POST with %s → 400 VALIDATION_FAILED', async (_name, body) => {
      await expectProblem(await admin('POST', '/api/admin/missions', body), 400, 'VALIDATION_FAILED');
      await unchanged();
    });

    it('HTML/script in a title is stored verbatim and served as JSON, never as markup', async () => {
      const title = '<script>alert(1)</script><img src=x onerror=alert(2)>';
      const res = await admin('POST', '/api/admin/missions', { ...base, logicKey: 'rel_html', title });
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toContain('application/json');
      const list = await h.req('/api/mission', { userId: 1001 });
      expect(list.headers.get('content-type')).toContain('application/json');
      expect(((await list.json()) as { missions: { title: string }[] }).missions.map((m) => m.title)).toContain(title);
      // the bot sends titles as plain text (no parse_mode), so markup is shown, never interpreted
      const bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
      const rec = recordCalls(bot);
      await bot.handleUpdate(textUpdate({ id: 1001 }, '/missions'));
      const sent = rec.calls.filter((c) => c.method === 'sendMessage' || c.method === 'editMessageText');
      expect(sent.length).toBeGreaterThan(0);
      for (const c of sent) expect(c.payload.parse_mode).toBeUndefined();
      expect(sent.map((c) => String(c.payload.text)).join('\n')).toContain(title);
      // undo, so the fingerprint still describes the original catalog
      const id = ((await res.json()) as { id: number }).id;
      await h.s.database.query((await import('drizzle-orm')).sql`delete from admin_audit_log where mission_id = ${id}`);
      await h.s.database.query((await import('drizzle-orm')).sql`delete from missions where id = ${id}`);
      await h.s.catalog.invalidate();
    });

    it('property: random invalid JSON patches are refused and change nothing, never 5xx (fast-check)', async () => {
      const badTime = fc.oneof(fc.string().filter((t) => t !== '' && !/^\d\d:\d\d(:\d\d)?$/.test(t)), fc.integer());
      await fc.assert(
        fc.asyncProperty(
          // never a valid value: no time-shaped or empty strings, no whole positive targets
          fc
            .record(
              {
                startTime: fc.oneof(badTime, fc.constant(null)),
                endTime: badTime,
                target: fc.oneof(fc.integer({ max: 0 }), fc.double().filter((d) => !Number.isInteger(d)), fc.string()),
              },
              { requiredKeys: [] },
            )
            .filter((r) => Object.keys(r).length > 0),
          async (patch) => {
            const res = await admin('PATCH', `/api/admin/missions/${gid}`, patch);
            expect(res.status).toBe(400);
          },
        ),
        { numRuns: 100 },
      );
      await unchanged();
    });
  });

  describe('idempotency keys', () => {
    const claimWith = (headers: Record<string, string>) => h.app.request(`/api/mission/${gid}/claim`, { method: 'POST', headers: { authorization: h.auth(1001), ...headers } });

    it.each([
      ['no key', {}, 'IDEMPOTENCY_KEY_REQUIRED'],
      ['an empty key', { 'x-idempotency-key': '' }, 'IDEMPOTENCY_KEY_REQUIRED'],
      ['a 256-character key', { 'x-idempotency-key': 'k'.repeat(256) }, 'IDEMPOTENCY_KEY_INVALID'],
      ['a 10k-character key', { 'x-idempotency-key': 'k'.repeat(10_000) }, 'IDEMPOTENCY_KEY_INVALID'],
      ['a non-ASCII key (Latin-1)', { 'x-idempotency-key': 'cl\u00e9-1' }, 'IDEMPOTENCY_KEY_INVALID'],
      ['a key with a space', { 'x-idempotency-key': 'a b' }, 'IDEMPOTENCY_KEY_INVALID'],
      ['a key with a tab', { 'idempotency-key': 'a\tb' }, 'IDEMPOTENCY_KEY_INVALID'],
    ])('%s → 400 %s, nothing paid', async (_name, headers, code) => {
      await expectProblem(await claimWith(headers as Record<string, string>), 400, code);
      await unchanged();
    });

    it('a UTF-8 key sent as raw bytes is refused too', async () => {
      // fetch refuses non-Latin-1 header values, so send the UTF-8 bytes the way a raw client would
      const raw = Buffer.from('키-123', 'utf8').toString('latin1');
      await expectProblem(await claimWith({ 'x-idempotency-key': raw }), 400, 'IDEMPOTENCY_KEY_INVALID');
      await unchanged();
    });
  });

  describe('initData', () => {
    const me = (authorization: string) => h.app.request('/api/me', { headers: { authorization } });
    const valid = () => signInitData(BOT_TOKEN, { id: 1001 }, h.clock.now());

    it.each<[string, () => string]>([
      ['no Authorization header', () => ''],
      ['a Bearer scheme', () => `Bearer ${valid()}`],
      ['an empty tma value', () => 'tma '],
      ['missing hash', () => `tma ${new URLSearchParams([...new URLSearchParams(valid())].filter(([k]) => k !== 'hash')).toString()}`],
      ['missing signature and hash', () => `tma ${new URLSearchParams([...new URLSearchParams(valid())].filter(([k]) => k !== 'hash' && k !== 'signature')).toString()}`],
      ['a tampered user id', () => `tma ${valid().replace(/%22id%22%3A1001/, '%22id%22%3A9001')}`],
      ['a tampered auth_date', () => {
        const p = new URLSearchParams(valid());
        p.set('auth_date', String(Number(p.get('auth_date')) + 1));
        return `tma ${p.toString()}`;
      }],
      ['another bot’s token', () => `tma ${signInitData('987654321:another-bot-token-xyz', { id: 1001 }, h.clock.now())}`],
      ['expired (older than INIT_DATA_MAX_AGE_S)', () => `tma ${signInitData(BOT_TOKEN, { id: 1001 }, new Date(h.clock.nowMs() - 86_401_000))}`],
      ['a far-future auth_date', () => `tma ${signInitData(BOT_TOKEN, { id: 1001 }, new Date(h.clock.nowMs() + 3600_000))}`],
      ['a duplicated user key', () => `tma ${valid()}&user=${encodeURIComponent(JSON.stringify({ id: 9001, first_name: 'x' }))}`],
      ['a duplicated hash key', () => {
        const v = valid();
        return `tma ${v}&hash=${new URLSearchParams(v).get('hash')}`;
      }],
      ['garbage', () => 'tma %%%&&&==='],
      ['an oversized value', () => `tma ${'a='.repeat(10_000)}`],
    ])('%s → 401 UNAUTHORIZED', async (_name, header) => {
      await expectProblem(await me(header()), 401, 'UNAUTHORIZED');
      await unchanged();
    });

    /** init data with these fields, correctly signed by the bot token: only the content is wrong */
    const signedWith = (fields: Record<string, string>) => {
      const p = new URLSearchParams(fields);
      const check = [...p].map(([k, v]) => `${k}=${v}`).sort().join('\n');
      p.set('hash', signData(check, BOT_TOKEN));
      return `tma ${p.toString()}`;
    };
    const nowS = () => String(Math.floor(h.clock.nowMs() / 1000));

    it.each<[string, () => Record<string, string>]>([
      ['a user that is not JSON', () => ({ auth_date: nowS(), user: '{id:1001' })],
      ['a user id given as a string', () => ({ auth_date: nowS(), user: JSON.stringify({ id: '1001' }) })],
      ['a fractional user id', () => ({ auth_date: nowS(), user: JSON.stringify({ id: 1001.5 }) })],
      ['a non-numeric auth_date', () => ({ auth_date: 'yesterday', user: JSON.stringify({ id: 1001 }) })],
      ['no user at all', () => ({ auth_date: nowS() })],
    ])('correctly signed, but %s → 401 UNAUTHORIZED', async (_name, fields) => {
      await expectProblem(await me(signedWith(fields())), 401, 'UNAUTHORIZED');
      await unchanged();
    });

    it('correctly signed with fields the service does not read → 200 as that user', async () => {
      const res = await me(signedWith({ auth_date: nowS(), query_id: 'q1', chat_type: 'private', user: JSON.stringify({ id: 1001, first_name: '민지', is_premium: true, language_code: 'en' }) }));
      expect(res.status).toBe(200);
      expect((await res.json()).user).toEqual({ id: 1001, firstName: '민지', username: null, languageCode: 'en' });
    });

    it('property: random strings after "tma " are refused (fast-check)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.string({ maxLength: 400 }), async (s) => {
          const res = await me(`tma ${s.replace(/[\r\n\0]/g, '')}`);
          expect(res.status).toBe(401);
        }),
        { numRuns: 150 },
      );
      await unchanged();
    });
  });

  describe('CSV payouts (POST /api/admin/payouts)', () => {
    const payout = (body: string, query = '', ct = 'text/csv') =>
      h.app.request(`/api/admin/payouts${query}`, { method: 'POST', headers: { authorization: h.auth(ADMIN_ID), 'content-type': ct }, body });
    /** the confirm that pays this very body (its sha256, as the preview returns it) */
    const confirm = (body: string) => `confirm=${createHash('sha256').update(body).digest('hex')}`;

    it('a million rows → 413, nothing paid', async () => {
      const csv = 'user_id\n' + Array.from({ length: 1_000_000 }, (_, i) => String(100_000 + i)).join('\n');
      await expectProblem(await payout(csv, `?${confirm(csv)}`), 413, 'PAYLOAD_TOO_LARGE');
      await unchanged();
    });

    it('an unknown mission or a bad date → 4xx, nothing paid', async () => {
      await expectProblem(await payout('1001\n', `?${confirm('1001\n')}&mission=nope`), 404, 'MISSION_NOT_FOUND');
      await expectProblem(await payout('1001\n', `?${confirm('1001\n')}&date=2026-13-45`), 400);
      await expectProblem(await payout('1001\n', `?${confirm('1001\n')}`, 'application/json'), 415, 'UNSUPPORTED_MEDIA_TYPE');
      await unchanged();
    });

    it('BOM, CRLF, blank lines, duplicates and non-numeric ids: the preview sorts them and pays nobody', async () => {
      const csv = '\uFEFFuser_id\r\n1001\r\n\r\n1001\r\nabc\r\n-5\r\n1e3\r\n0x10\r\n 1002 \r\n99999999999999999\r\n';
      const res = await payout(csv);
      expect(res.status).toBe(200);
      const p = (await res.json()) as { valid: number; invalidCount: number; duplicateCount: number };
      expect(p).toMatchObject({ valid: 2, duplicateCount: 1 });
      expect(p.invalidCount).toBe(5);
      await unchanged();
    });

    it('re-running the same file pays nobody twice (ledger and invariants)', async () => {
      const csv = 'user_id\n7001\n7002\n7003\n';
      // ids no player used yet: paid only with includeUnknown=1 (security.test.ts)
      const first = (await (await payout(csv, `?${confirm(csv)}&includeUnknown=1`)).json()) as { paid: number };
      const second = (await (await payout(csv, `?${confirm(csv)}&includeUnknown=1`)).json()) as { paid: number; alreadyPaid: number };
      expect(first.paid).toBe(3);
      expect(second).toMatchObject({ paid: 0, alreadyPaid: 3 });
      await assertInvariants(h.s.database);
      fingerprint = await databaseFingerprint(h.s.database);
    });
  });

  it('after all of it: invariants hold and nothing was paid to the completed player', async () => {
    const res = await h.req('/api/me', { userId: 1001 });
    expect(((await res.json()) as { diamonds: number }).diamonds).toBe(0);
    await assertInvariants(h.s.database);
  });
});
