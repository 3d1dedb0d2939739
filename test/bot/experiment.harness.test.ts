import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createHarness, kst, ADMIN_ID, BOT_TOKEN, type Harness } from '../support/harness.js';
import { createBot } from '../../bot/createBot.js';
import { ko } from '../../bot/locales/ko.js';
import { en } from '../../bot/locales/en.js';
import { BOT_INFO, buttonsOf, callbackUpdate, recordCalls, textUpdate } from './support.js';

describe('/experiment (recorded transport)', () => {
  let h: Harness;
  let bot: ReturnType<typeof createBot>;
  let rec: ReturnType<typeof recordCalls>;
  beforeAll(async () => {
    h = await createHarness({ at: kst('21:45:00') });
    bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
    rec = recordCalls(bot);
  });
  afterAll(async () => h?.close());

  const rows = () => h.s.database.query(sql`select holdout_pct, effective_from from experiment_configs order by id`);

  it('a player is refused and nothing changes', async () => {
    await bot.handleUpdate(textUpdate({ id: 1001 }, '/experiment holdout 10'));
    expect(rec.lastText()).toBe(ko['admin.refused']);
    await bot.handleUpdate(callbackUpdate({ id: 1001 }, 'exp:holdout:10'));
    expect(await rows()).toEqual([]);
  });

  it('/experiment holdout 10 asks first, and the confirm button stores it from the next period', async () => {
    rec.clear();
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID }, '/experiment holdout 10'));
    expect(rec.lastText()).toContain('0% → 10%');
    expect(rec.lastText()).toContain('2026-11-28');
    expect(await rows()).toEqual([]);
    const data = buttonsOf(rec.of('sendMessage').at(-1)).map((b) => b.callback_data);
    expect(data).toEqual(['exp:holdout:10', 'exp:cancel']);
    await bot.handleUpdate(callbackUpdate({ id: ADMIN_ID }, 'exp:holdout:10'));
    expect(rec.lastText()).toContain('홀드아웃 10% · base 90%');
    expect(await rows()).toEqual([{ holdout_pct: 10, effective_from: '2026-11-28' }]);
  });

  it('/experiment shows the running split and the pending change, in English by language_code', async () => {
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID, languageCode: 'en' }, '/experiment'));
    expect(rec.lastText()).toContain('Split: experiment off');
    expect(rec.lastText()).toContain('Next change: holdout 10% · base 90% (from period 2026-11-28)');
  });

  it('/experiment off asks first; cancel changes nothing, confirm stores the off split', async () => {
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID }, '/experiment off'));
    await bot.handleUpdate(callbackUpdate({ id: ADMIN_ID }, 'exp:cancel'));
    expect(rec.lastText()).toBe(ko['common.cancelled']);
    expect(await rows()).toHaveLength(1);
    await bot.handleUpdate(callbackUpdate({ id: ADMIN_ID }, 'exp:off'));
    expect(rec.lastText()).toContain(ko['exp.off']);
    expect(await rows()).toEqual([{ holdout_pct: 0, effective_from: '2026-11-28' }]);
  });

  it('a bad argument shows the usage', async () => {
    await bot.handleUpdate(textUpdate({ id: ADMIN_ID }, '/experiment holdout 60'));
    expect(rec.lastText()).toBe(ko['exp.usage']);
  });

  it('the verdict reads in plain language in both locales', () => {
    expect(ko['exp.verdict.not_enough_data']).toBe('아직 데이터가 부족합니다');
    expect(en['exp.verdict.not_enough_data']).toBe('not enough data yet');
    expect(en['exp.verdict.lift']).toBe('a clear lift');
  });
});
