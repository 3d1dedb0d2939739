import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { createMetrics } from '../platform/metrics.js';
import { MemorySlotStore, OutboundBudget, isSendingMethod } from './budget.js';

const budget = (rate: number, bulk = rate) => new OutboundBudget({ ratePerS: rate, bulkRatePerS: bulk, botId: 'unit', metrics: createMetrics(), log: pino({ level: 'silent' }) });

describe('the outbound budget', () => {
  it('interactive answers go first: bulk waiting in the same budget yields to every interactive call queued after it', async () => {
    const b = budget(50);
    const order: string[] = [];
    const bulk = Array.from({ length: 10 }, (_, i) => b.acquire('bulk').then(() => order.push(`b${i}`)));
    await new Promise((r) => setTimeout(r, 30)); // some bulk slots go out
    const atArrival = order.length;
    const inter = Array.from({ length: 5 }, (_, i) => b.acquire('interactive', 1000 + i).then(() => order.push(`i${i}`)));
    await Promise.all([...bulk, ...inter]);
    const lastInteractive = Math.max(...order.map((x, i) => (x.startsWith('i') ? i : -1)));
    const bulkOvertaking = order.slice(atArrival, lastInteractive).filter((x) => x.startsWith('b')).length;
    // at most the slots already reserved in the pump's current batch (~50 ms of catch-up at 50/s)
    expect(bulkOvertaking).toBeLessThanOrEqual(3);
    expect(order.slice(lastInteractive + 1).every((x) => x.startsWith('b'))).toBe(true);
    expect(order.filter((x) => x.startsWith('i'))).toEqual(['i0', 'i1', 'i2', 'i3', 'i4']);
  });

  it('a 429 pauses the whole budget once: calls after it wait retry_after, overlapping pauses do not stack', async () => {
    let t = 0;
    const store = new MemorySlotStore(() => t);
    const keys = [{ key: 'g', intervalMs: 10, toleranceMs: 0 }];
    expect((await store.take(keys, Infinity)).waits).toEqual([0]);
    await store.pause(1000);
    await store.pause(1000);
    t = 5;
    await store.pause(900); // ends before the first pause: no effect
    const r = await store.take(keys, Infinity);
    expect(r.waits).toEqual([995]);
    // bulk (maxWait ~0) is refused while paused, nothing reserved
    expect((await store.take(keys, 1)).waits).toEqual([]);
  });

  it('bulk never takes more than its share (BROADCAST_RATE) of the bot rate', async () => {
    let t = 0;
    const store = new MemorySlotStore(() => t);
    const global = { key: 'g', intervalMs: 10, toleranceMs: 0 }; // 100/s
    const bulk = { key: 'b', intervalMs: 40, toleranceMs: 0 }; // 25/s
    let granted = 0;
    for (t = 0; t < 1000; t += 1) granted += (await store.take([global, bulk], 0, 5)).waits.length;
    expect(granted).toBe(25);
  });

  it('sending methods spend the budget, the others do not', () => {
    for (const m of ['sendMessage', 'editMessageText', 'answerCallbackQuery', 'sendDocument', 'copyMessage']) expect(isSendingMethod(m)).toBe(true);
    for (const m of ['getMe', 'getFile', 'setWebhook', 'setMyCommands', 'setChatMenuButton', 'sendChatAction']) expect(isSendingMethod(m)).toBe(false);
  });
});
