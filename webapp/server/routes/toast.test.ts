import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, kst, type Harness } from '../../../test/support/harness.js';

describe('golden-hour toast: once per user per KST day, remembered by the server', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('is not offered before 21:30:00 and is offered once the window opens', async () => {
    h = await createHarness({ at: kst('21:29:59') });
    expect(await (await h.req('/api/toast/golden', { userId: 1 })).json()).toMatchObject({ show: false });
    h.clock.freeze(kst('21:30:00'));
    expect(await (await h.req('/api/toast/golden', { userId: 1 })).json()).toMatchObject({ show: true, day: '2026-11-27' });
  });

  it('after "seen" it is not offered again that day, to that user only; the next day it is', async () => {
    h = await createHarness({ at: kst('21:31:00') });
    const seen = await h.req('/api/toast/golden/seen', { userId: 1, method: 'POST' });
    expect(await seen.json()).toMatchObject({ recorded: true });
    // a second device marking it seen again changes nothing
    expect(await (await h.req('/api/toast/golden/seen', { userId: 1, method: 'POST' })).json()).toMatchObject({ recorded: false });
    expect(await (await h.req('/api/toast/golden', { userId: 1 })).json()).toMatchObject({ show: false });
    expect(await (await h.req('/api/toast/golden', { userId: 2 })).json()).toMatchObject({ show: true });
    h.clock.freeze(kst('21:31:00', '2026-11-28'));
    expect(await (await h.req('/api/toast/golden', { userId: 1 })).json()).toMatchObject({ show: true, day: '2026-11-28' });
  });

  it('is never offered while the golden-hour flag is off', async () => {
    h = await createHarness({ at: kst('21:45:00'), env: { GOLDEN_HOUR_ENABLED: 'off' } });
    expect(await (await h.req('/api/toast/golden', { userId: 1 })).json()).toMatchObject({ show: false });
  });

  it('needs Telegram auth', async () => {
    h = await createHarness();
    expect((await h.req('/api/toast/golden')).status).toBe(401);
  });
});
