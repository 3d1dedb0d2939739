import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, kst, type Harness } from '../support/harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const user = async (id: number) =>
  (await h!.s.database.raw<{ language_code: string | null; last_active_at: Date | string }>('select language_code, last_active_at from users where id = $1', [id]))[0]!;
const at = async (id: number) => new Date((await user(id)).last_active_at).toISOString();

describe('activity is recorded cheaply (core/missions/activity.ts)', () => {
  it('a player is written at most once per minute; a new language is written at once', async () => {
    h = await createHarness({ at: kst('21:31:00') });
    const t0 = h.clock.now().toISOString();
    const id = 4242;
    h.s.activity.seen({ id, languageCode: 'ko' });
    await h.s.activity.flush();
    expect(await at(id)).toBe(t0);

    // every Mini App request says the language again: within the minute that is not news
    h.clock.advance(10_000);
    h.s.activity.seen({ id, languageCode: 'ko' });
    h.s.activity.seen({ id });
    await h.s.activity.flush();
    expect(await at(id)).toBe(t0);

    h.clock.advance(5_000);
    h.s.activity.seen({ id, languageCode: 'en' });
    await h.s.activity.flush();
    expect(await user(id)).toMatchObject({ language_code: 'en' });
    expect(await at(id)).toBe(new Date(Date.parse(t0) + 15_000).toISOString());

    h.clock.advance(45_000); // the next minute
    h.s.activity.seen({ id, languageCode: 'en' });
    await h.s.activity.flush();
    expect(await at(id)).toBe(new Date(Date.parse(t0) + 60_000).toISOString());
    const minutes = await h.s.database.raw<{ n: number | string }>('select count(*) as n from activity_minutes where user_id = $1', [id]);
    expect(Number(minutes[0]!.n)).toBe(2);
  });
});
