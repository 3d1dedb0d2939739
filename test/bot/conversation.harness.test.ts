import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createHarness, ADMIN_ID, BOT_TOKEN, type Harness } from '../support/harness.js';
import { createBot } from '../../bot/createBot.js';
import { BOT_INFO, buttonsOf, callbackUpdate, recordCalls, textUpdate } from './support.js';

const ADMIN = { id: ADMIN_ID };

describe('/mission_edit conversation (recorded transport)', () => {
  let h: Harness;
  let gid: number;
  const newBot = () => {
    const bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
    return { bot, rec: recordCalls(bot) };
  };
  const auditCount = async () => (await h.s.database.query<{ n: number }>(sql`select count(*)::int as n from admin_audit_log where action = 'mission.update'`))[0]!.n;

  beforeAll(async () => {
    h = await createHarness();
    gid = await h.missionId('golden_hour_play_3');
  });
  afterAll(async () => h?.close());

  it('choose mission → field → value (bad values get a retry prompt) → confirm updates the mission with an audit row', async () => {
    const { bot, rec } = newBot();
    await bot.handleUpdate(textUpdate(ADMIN, '/mission_edit'));
    const pickMsg = rec.of('sendMessage').at(-1)!;
    expect(String(pickMsg.payload.text)).toContain('어떤 미션을 수정할까요?');
    expect(buttonsOf(pickMsg).map((b) => b.callback_data)).toContain(`me:m:${gid}`);

    await bot.handleUpdate(textUpdate(ADMIN, 'hello')); // not a button
    expect(rec.lastText()).toContain('버튼 중 하나를 눌러 주세요');

    await bot.handleUpdate(callbackUpdate(ADMIN, `me:m:${gid}`));
    expect(rec.lastText()).toContain('어떤 항목을 바꿀까요?');
    await bot.handleUpdate(callbackUpdate(ADMIN, 'me:f:target'));
    expect(rec.lastText()).toContain('현재: 3');

    await bot.handleUpdate(textUpdate(ADMIN, 'five'));
    expect(rec.lastText()).toContain('올바르지 않은 값입니다');
    await bot.handleUpdate(textUpdate(ADMIN, '0'));
    expect(rec.lastText()).toContain('must be at least 1');
    expect((await h.s.catalog.fresh(gid))!.target).toBe(3);

    await bot.handleUpdate(textUpdate(ADMIN, '5'));
    expect(rec.lastText()).toContain('3 → 5');
    const before = await auditCount();
    await bot.handleUpdate(callbackUpdate(ADMIN, 'me:ok'));
    expect(rec.lastText()).toContain('수정했습니다');
    expect((await h.s.catalog.fresh(gid))!.target).toBe(5);
    expect(await auditCount()).toBe(before + 1);
    // replays of the conversation reuse recorded API results: each prompt was sent exactly once
    expect(rec.texts().filter((t) => t.includes('어떤 미션을 수정할까요?'))).toHaveLength(1);
    expect(rec.of('sendMessage').filter((c) => String(c.payload.text).includes('현재: 3'))).toHaveLength(1);
  });

  it('the window field is validated like /golden_time', async () => {
    const { bot, rec } = newBot();
    await bot.handleUpdate(textUpdate(ADMIN, '/mission_edit'));
    await bot.handleUpdate(callbackUpdate(ADMIN, `me:m:${gid}`));
    await bot.handleUpdate(callbackUpdate(ADMIN, 'me:f:window'));
    await bot.handleUpdate(textUpdate(ADMIN, '22:00 22:00'));
    expect(rec.lastText()).toContain('시작과 끝 시각이 같습니다');
    await bot.handleUpdate(textUpdate(ADMIN, '23:30 00:30'));
    expect(rec.lastText()).toContain('21:30 22:30 → 23:30 00:30');
    await bot.handleUpdate(callbackUpdate(ADMIN, 'me:ok'));
    expect((await h.s.catalog.fresh(gid))!.window).toEqual({ start: '23:30:00', end: '00:30:00' });
  });

  it('/cancel leaves the conversation at any step and nothing changes', async () => {
    const { bot, rec } = newBot();
    const target = (await h.s.catalog.fresh(gid))!.target;
    const before = await auditCount();
    await bot.handleUpdate(textUpdate(ADMIN, '/mission_edit'));
    await bot.handleUpdate(callbackUpdate(ADMIN, `me:m:${gid}`));
    await bot.handleUpdate(callbackUpdate(ADMIN, 'me:f:target'));
    await bot.handleUpdate(textUpdate(ADMIN, '/cancel'));
    expect(rec.lastText()).toBe('취소했습니다.');
    rec.clear();
    await bot.handleUpdate(textUpdate(ADMIN, '9'));
    expect(rec.calls).toEqual([]); // no conversation is listening any more
    await bot.handleUpdate(callbackUpdate(ADMIN, 'me:ok'));
    expect(rec.of('answerCallbackQuery')[0]!.payload.text).toContain('만료');
    expect((await h.s.catalog.fresh(gid))!.target).toBe(target);
    expect(await auditCount()).toBe(before);
    await bot.handleUpdate(textUpdate(ADMIN, '/cancel'));
    expect(rec.lastText()).toBe('취소할 작업이 없습니다.');
  });

  it('non-admins cannot start it', async () => {
    const { bot, rec } = newBot();
    await bot.handleUpdate(textUpdate({ id: 1001 }, '/mission_edit'));
    expect(rec.lastText()).toBe('관리자 전용 명령입니다.');
  });

  it('with Redis configured, another bot instance continues the conversation (state is not in process memory)', async () => {
    const a = newBot();
    const b = newBot();
    await a.bot.handleUpdate(textUpdate(ADMIN, '/mission_edit'));
    await b.bot.handleUpdate(callbackUpdate(ADMIN, `me:m:${gid}`));
    if (h.s.stores.redis) {
      expect(b.rec.lastText()).toContain('어떤 항목을 바꿀까요?');
    } else {
      // embedded mode keeps conversations in this instance's memory: b knows nothing of it
      expect(b.rec.of('answerCallbackQuery')[0]!.payload.text).toContain('만료');
    }
    await a.bot.handleUpdate(textUpdate(ADMIN, '/cancel'));
    await b.bot.handleUpdate(textUpdate(ADMIN, '/cancel'));
  });
});
