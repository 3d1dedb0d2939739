import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createHarness, kst, ADMIN_ID, BOT_TOKEN, type Harness } from '../support/harness.js';
import { createBot } from '../../bot/createBot.js';
import { getBalance } from '../../core/missions/ledger.js';
import { BOT_INFO, buttonsOf, callbackUpdate, documentUpdate, recordCalls, textUpdate } from './support.js';

const ADMIN = { id: ADMIN_ID };
// BOM, CRLF, header, a blank line, two invalid lines (5 and 7), a duplicate (6)
const CSV = '\uFEFFuser_id\r\n1001\r\n1002\r\n\r\nabc\r\n1001\r\n-5\r\n1003\r\n1004\r\n';
const sha = (body: string) => createHash('sha256').update(body).digest('hex');

describe('/payout through the recorded transport (documents: the emulator has no getFile)', () => {
  let h: Harness;
  let fileServer: Server;
  const files = new Map<string, { path: string; size: number }>();
  const contents = new Map<string, string>();
  let bot: ReturnType<typeof createBot>;
  let rec: ReturnType<typeof recordCalls>;
  let gid: number;
  let downloads = 0;

  const addFile = (id: string, body: string) => {
    files.set(id, { path: `documents/${id}.csv`, size: Buffer.byteLength(body) });
    contents.set(`documents/${id}.csv`, body);
  };
  const upload = async (id: string, size?: number) =>
    bot.handleUpdate(documentUpdate(ADMIN, { fileId: id, fileName: 'winners.csv', size: size ?? files.get(id)!.size }));
  const balance = async (u: number) => (await getBalance(h.s.database, u)).diamonds;
  /** players who opened the app (so they are known players) */
  const known = async (...ids: number[]) => {
    for (const id of ids) h.s.activity.seen({ id });
    await h.s.activity.flush();
  };

  beforeAll(async () => {
    h = await createHarness({ at: kst('22:40:00') });
    // Telegram's file endpoint, served on loopback: <apiRoot>/file/bot<token>/<file_path>
    fileServer = createServer((req, res) => {
      const prefix = `/file/bot${BOT_TOKEN}/`;
      const body = req.url?.startsWith(prefix) ? contents.get(req.url.slice(prefix.length)) : undefined;
      downloads++;
      if (body === undefined) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/csv' }).end(body);
    });
    await new Promise<void>((r) => fileServer.listen(0, '127.0.0.1', () => r()));
    const apiRoot = `http://127.0.0.1:${(fileServer.address() as AddressInfo).port}`;
    bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO, apiRoot });
    rec = recordCalls(bot, files);
    gid = await h.missionId('golden_hour_play_3');
    // 1004 played and claimed inside the window: already paid for today's period
    h.clock.freeze(kst('21:40:00'));
    await h.play(1004, 3, 'x');
    await h.s.claim(1004, gid);
    h.clock.freeze(kst('22:40:00'));
    await known(1001, 1002, 1003, 2001, 2002);
    addFile('f1', CSV);
  });
  afterAll(async () => {
    await new Promise((r) => fileServer?.close(r));
    await h?.close();
  });

  it('previews valid, invalid (with line numbers), duplicate and already-paid rows, then pays on confirmation', async () => {
    await bot.handleUpdate(textUpdate(ADMIN, '/payout'));
    expect(rec.lastText()).toContain('CSV 파일을 보내 주세요');
    expect(rec.lastText()).toContain('(2026-11-27)');
    await upload('f1');
    const preview = rec.of('sendMessage').at(-1)!;
    const text = String(preview.payload.text);
    expect(text).toContain('행: 7');
    expect(text).toContain('유효: 4명');
    expect(text).toContain('지급 예정: 3명');
    expect(text).toContain('이미 지급됨: 1명');
    expect(text).toContain('잘못된 행: 2');
    expect(text).toContain('중복 행: 1');
    expect(text).toContain('5행: "abc"');
    expect(text).toContain('7행: "-5"');
    expect(rec.of('getFile')).toHaveLength(1);
    expect(await balance(1001)).toBe(0);

    const go = buttonsOf(preview).find((b) => b.callback_data?.startsWith('pay:go:'))!;
    expect(go.text).toContain('3');
    // the button carries the file's hash (a prefix: callback_data is at most 64 bytes)
    expect(go.callback_data).toMatch(new RegExp(`^pay:go:[0-9a-f]{16}:${sha(CSV).slice(0, 32)}$`));
    expect(Buffer.byteLength(go.callback_data!)).toBeLessThanOrEqual(64);
    await bot.handleUpdate(callbackUpdate(ADMIN, go.callback_data!));
    expect(rec.lastText()).toContain('지급: 3명');
    expect(rec.lastText()).toContain('이미 지급됨: 1명');
    for (const u of [1001, 1002, 1003]) expect(await getBalance(h.s.database, u)).toMatchObject({ diamonds: 100, xp: 500, tickets: 1 });
    expect(await balance(1004)).toBe(100);

    const progress = await h.s.database.query<{ user_id: string; status: string; claim_mode: string }>(
      sql`select user_id, status, claim_mode from user_mission_progress where mission_id = ${gid} and period_key = '2026-11-27' order by user_id`,
    );
    expect(progress.map((p) => [Number(p.user_id), p.status, p.claim_mode])).toEqual([
      [1001, 'claimed', 'payout'],
      [1002, 'claimed', 'payout'],
      [1003, 'claimed', 'payout'],
      [1004, 'claimed', 'manual'],
    ]);
    const batches = await h.s.database.query<{ requested: number; paid: number; already_paid: number; invalid: number }>(sql`select requested, paid, already_paid, invalid from payout_batches`);
    expect(batches).toEqual([{ requested: 4, paid: 3, already_paid: 1, invalid: 2 }]);
    const audit = await h.s.database.query<{ action: string; mission_id: number }>(sql`select action, mission_id from admin_audit_log where action = 'payout.execute'`);
    expect(audit).toEqual([{ action: 'payout.execute', mission_id: gid }]);
    const ledger = await h.s.database.query<{ source: string; n: number }>(sql`select source, count(*)::int as n from reward_ledger where mission_id = ${gid} group by source order by source`);
    expect(ledger).toEqual([
      { source: 'claim', n: 3 },
      { source: 'payout', n: 9 },
    ]);

    // pressing the same confirmation again pays nothing
    await bot.handleUpdate(callbackUpdate(ADMIN, go.callback_data!));
    expect(rec.of('answerCallbackQuery').at(-1)!.payload.text).toContain('만료');
    expect(await balance(1001)).toBe(100);
  });

  it('uploading the same file again pays nobody twice', async () => {
    await bot.handleUpdate(textUpdate(ADMIN, '/payout golden_hour_play_3 2026-11-27'));
    await upload('f1');
    const preview = rec.of('sendMessage').at(-1)!;
    expect(String(preview.payload.text)).toContain('지급 예정: 0명');
    expect(String(preview.payload.text)).toContain('이미 지급됨: 4명');
    expect(String(preview.payload.text)).toContain('지급할 사용자가 없습니다');
    expect(buttonsOf(preview)).toEqual([]);
    // even executing it directly through the HTTP route pays nobody
    const res = await h.req(`/api/admin/payouts?confirm=${sha(CSV)}&date=2026-11-27`, { method: 'POST', userId: ADMIN_ID, body: CSV, headers: { 'content-type': 'text/csv' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ paid: 0, alreadyPaid: 4, invalid: 2, duplicates: 1 });
    for (const u of [1001, 1002, 1003, 1004]) expect(await balance(u)).toBe(100);
  });

  it('POST /api/admin/payouts previews without paying and pays with confirm=<the preview\'s fileSha256>; players are refused', async () => {
    const body = 'id\n2001\n2002\nnope\n';
    const preview = await h.req('/api/admin/payouts?mission=golden_hour_play_3', { method: 'POST', userId: ADMIN_ID, body, headers: { 'content-type': 'text/csv' } });
    const p = (await preview.json()) as { fileSha256: string };
    expect(p).toMatchObject({ valid: 2, toPay: 2, alreadyPaid: 0, unknown: 0, invalidCount: 1, periodKey: '2026-11-27', fileSha256: sha(body) });
    expect(await balance(2001)).toBe(0);
    const player = await h.req(`/api/admin/payouts?confirm=${p.fileSha256}`, { method: 'POST', userId: 2001, body, headers: { 'content-type': 'text/csv' } });
    expect(player.status).toBe(403);
    const paid = await h.req(`/api/admin/payouts?confirm=${p.fileSha256}`, { method: 'POST', userId: ADMIN_ID, body, headers: { 'content-type': 'text/csv' } });
    expect(await paid.json()).toMatchObject({ paid: 2, alreadyPaid: 0 });
    expect(await balance(2001)).toBe(100);
  });

  it('refuses files over 1 MB before downloading them, and non-CSV documents', async () => {
    const before = rec.of('getFile').length;
    await bot.handleUpdate(textUpdate(ADMIN, '/payout'));
    files.set('big', { path: 'documents/big.csv', size: 2_000_000 });
    await upload('big');
    expect(rec.lastText()).toBe('파일이 너무 큽니다 (최대 1MB).');
    expect(rec.of('getFile').length).toBe(before);
    await bot.handleUpdate(documentUpdate(ADMIN, { fileId: 'pic', fileName: 'photo.png', mimeType: 'image/png', size: 10 }));
    expect(rec.lastText()).toBe('CSV 파일(.csv 또는 text/csv)을 보내 주세요.');
  });

  it('a file that turns out larger than announced is cut off at 1 MB while downloading', async () => {
    await bot.handleUpdate(textUpdate(ADMIN, '/payout'));
    addFile('liar', '1\n'.repeat(600_000));
    files.set('liar', { path: 'documents/liar.csv', size: 100 }); // Telegram's size says small
    await upload('liar', 100);
    expect(rec.lastText()).toBe('파일이 너무 큽니다 (최대 1MB).');
  });

  it('ids that are no known player are shown in the preview and paid only through the "incl. unknown ids" button', async () => {
    await known(3001);
    const body = 'user_id\n3001\n3002\n3003\n';
    addFile('unk', body);
    await bot.handleUpdate(textUpdate(ADMIN, '/payout'));
    await upload('unk');
    const preview = rec.of('sendMessage').at(-1)!;
    const text = String(preview.payload.text);
    expect(text).toContain('지급 예정: 1명');
    expect(text).toContain('알려진 플레이어가 아닌 ID 2개');
    expect(text).toContain('3002, 3003');
    const buttons = buttonsOf(preview);
    expect(buttons.map((b) => b.text)).toEqual(['💸 1명 지급', '⚠️ 미확인 ID 포함 3명 지급', '✖ 취소']);
    for (const b of buttons) expect(Buffer.byteLength(b.callback_data!)).toBeLessThanOrEqual(64);
    await bot.handleUpdate(callbackUpdate(ADMIN, buttons[0]!.callback_data!));
    expect(rec.lastText()).toContain('지급: 1명');
    expect(rec.lastText()).toContain('미확인 ID 제외: 2명');
    expect([await balance(3001), await balance(3002), await balance(3003)]).toEqual([100, 0, 0]);
    // the other button of the same preview is spent too: one confirmation per preview
    await bot.handleUpdate(callbackUpdate(ADMIN, buttons[1]!.callback_data!));
    expect(rec.of('answerCallbackQuery').at(-1)!.payload.text).toContain('만료');
    expect(await balance(3002)).toBe(0);

    // the same file again: only the unknown ids are left, and only their own button pays them
    await bot.handleUpdate(textUpdate(ADMIN, '/payout'));
    await upload('unk');
    const again = rec.of('sendMessage').at(-1)!;
    expect(String(again.payload.text)).toContain('지급 예정: 0명');
    expect(buttonsOf(again).map((b) => b.text)).toEqual(['⚠️ 미확인 ID 포함 2명 지급', '✖ 취소']);
    await bot.handleUpdate(callbackUpdate(ADMIN, buttonsOf(again)[0]!.callback_data!));
    expect(rec.lastText()).toContain('지급: 2명');
    expect(rec.lastText()).toContain('이미 지급됨: 1명');
    expect([await balance(3001), await balance(3002), await balance(3003)]).toEqual([100, 100, 100]);
  });

  it('a confirm button that carries another file\'s hash pays nothing; the previewed file\'s button still pays', async () => {
    await known(3101);
    const body = 'user_id\n3101\n';
    addFile('hash', body);
    await bot.handleUpdate(textUpdate(ADMIN, '/payout'));
    await upload('hash');
    const go = buttonsOf(rec.of('sendMessage').at(-1)!).find((b) => b.callback_data?.startsWith('pay:go:'))!;
    const forged = go.callback_data!.replace(/:[0-9a-f]{32}$/, `:${sha('user_id\n9999\n').slice(0, 32)}`);
    expect(forged).not.toBe(go.callback_data);
    await bot.handleUpdate(callbackUpdate(ADMIN, forged));
    expect(rec.of('answerCallbackQuery').at(-1)!.payload.text).toBe('파일 내용이 미리보기와 다릅니다. 다시 보내 주세요.');
    expect(await balance(3101)).toBe(0);
    await bot.handleUpdate(callbackUpdate(ADMIN, go.callback_data!));
    expect(rec.lastText()).toContain('지급: 1명');
    expect(await balance(3101)).toBe(100);
  });

  it('non-admins are refused /payout and their documents are ignored', async () => {
    const before = await h.s.database.query<{ n: number }>(sql`select count(*)::int as n from payout_batches`);
    rec.clear();
    await bot.handleUpdate(textUpdate({ id: 1001 }, '/payout'));
    expect(rec.lastText()).toBe('관리자 전용 명령입니다.');
    await bot.handleUpdate(documentUpdate({ id: 1001 }, { fileId: 'f1', fileName: 'winners.csv', size: 10 }));
    expect(rec.of('getFile')).toHaveLength(0);
    await bot.handleUpdate(callbackUpdate({ id: 1001 }, `pay:go:0123456789abcdef:${'0'.repeat(32)}`));
    await bot.handleUpdate(callbackUpdate({ id: 1001 }, `pay:all:0123456789abcdef:${'0'.repeat(32)}`));
    expect(rec.of('answerCallbackQuery').at(-1)!.payload.text).toBe('관리자 전용 명령입니다.');
    const after = await h.s.database.query<{ n: number }>(sql`select count(*)::int as n from payout_batches`);
    expect(after[0]!.n).toBe(before[0]!.n);
  });
});
