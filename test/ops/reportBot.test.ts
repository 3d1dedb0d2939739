import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, kst, ADMIN_ID, BOT_TOKEN, type Harness } from '../support/harness.js';
import { createBot } from '../../bot/createBot.js';
import { BOT_INFO, recordCalls, textUpdate } from '../bot/support.js';

describe('/report in the bot (recorded transport)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ at: kst('22:00:00') });
    await h.play(3001, 3, 'rb');
  });
  afterAll(async () => h?.close());

  const run = async (from: { id: number; languageCode?: string }, text: string) => {
    const bot = createBot({ s: h.s, token: BOT_TOKEN, botInfo: BOT_INFO });
    const rec = recordCalls(bot);
    await bot.handleUpdate(textUpdate(from, text));
    return rec;
  };

  it('an admin gets the report for the given date in Korean, with the CSV attached', async () => {
    const rec = await run({ id: ADMIN_ID }, '/report 2026-11-27');
    const text = String(rec.of('sendMessage')[0]?.payload.text);
    expect(text).toContain('골든아워 일일 리포트 — 2026-11-27');
    expect(text).toContain('참여 1명');
    expect(rec.of('sendDocument')).toHaveLength(1);
  });

  it('without a date, before the window opens, the report covers yesterday; English for non-Korean admins', async () => {
    h.clock.freeze(kst('10:00:00'));
    try {
      const rec = await run({ id: ADMIN_ID, languageCode: 'en' }, '/report');
      expect(String(rec.of('sendMessage')[0]?.payload.text)).toContain('Golden Hour daily report — 2026-11-26');
    } finally {
      h.clock.freeze(kst('22:00:00'));
    }
    const rec = await run({ id: ADMIN_ID, languageCode: 'en' }, '/report');
    expect(String(rec.of('sendMessage')[0]?.payload.text)).toContain('Golden Hour daily report — 2026-11-27');
  });

  it('a malformed date is answered with the usage, no report', async () => {
    const rec = await run({ id: ADMIN_ID }, '/report 27-11-2026');
    expect(rec.of('sendMessage')).toHaveLength(1);
    expect(String(rec.of('sendMessage')[0]?.payload.text)).toContain('/report YYYY-MM-DD');
    expect(rec.of('sendDocument')).toHaveLength(0);
  });

  it('anyone not in ADMIN_IDS is refused and gets no numbers', async () => {
    const rec = await run({ id: 3001 }, '/report 2026-11-27');
    expect(rec.texts()).toEqual(['관리자 전용 명령입니다.']);
    expect(rec.of('sendDocument')).toHaveLength(0);
  });
});
