import { describe, expect, it } from 'vitest';
import { coalesced, perOwner } from './coalesce.js';

describe('coalesced: calls of one event-loop turn are one batch', () => {
  it('calls made in the same turn share one batch, in call order; a later turn gets its own', async () => {
    const batches: number[][] = [];
    const load = coalesced(async (keys: readonly number[]) => {
      batches.push([...keys]);
      return keys.map((k) => k * 10);
    });
    expect(await Promise.all([load(1), load(2), load(3)])).toEqual([10, 20, 30]);
    expect(await load(4)).toBe(40);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('calls from separate I/O callbacks of one turn are batched too (setImmediate, not a microtask)', async () => {
    const batches: number[][] = [];
    const load = coalesced(async (keys: readonly number[]) => (batches.push([...keys]), keys.map(String)));
    const out: Promise<string>[] = [];
    await new Promise<void>((done) => {
      // two timers due in the same turn stand in for two requests read in one poll phase
      setTimeout(() => out.push(load(1)), 0);
      setTimeout(() => {
        out.push(load(2));
        done();
      }, 0);
    });
    expect(await Promise.all(out)).toEqual(['1', '2']);
    expect(batches).toEqual([[1, 2]]);
  });

  it('an Error for one key rejects only that call; a failed batch rejects all of its calls', async () => {
    const one = coalesced(async (keys: readonly number[]) => keys.map((k) => (k === 2 ? new Error('two') : k)));
    const r = await Promise.allSettled([one(1), one(2), one(3)]);
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const all = coalesced(async (): Promise<number[]> => {
      throw new Error('database down');
    });
    const f = await Promise.allSettled([all(1), all(2)]);
    expect(f.map((x) => (x.status === 'rejected' ? (x.reason as Error).message : 'ok'))).toEqual(['database down', 'database down']);
  });

  it('a batch holds at most maxBatchSize keys', async () => {
    const sizes: number[] = [];
    const load = coalesced(async (keys: readonly number[]) => (sizes.push(keys.length), [...keys]), 4);
    await Promise.all(Array.from({ length: 10 }, (_, i) => load(i)));
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('maxInFlight: while that many batches run, later calls wait and go together as one batch', async () => {
    const batches: number[][] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    const load = coalesced(
      async (keys: readonly number[]) => {
        batches.push([...keys]);
        if (keys[0] === 1) await held;
        return [...keys];
      },
      256,
      { maxInFlight: 1 },
    );
    const first = load(1);
    await new Promise((r) => setImmediate(r));
    // three later turns while the first batch is held: one batch for all of them, sent after it
    const later: Promise<number>[] = [];
    for (const k of [2, 3, 4]) {
      later.push(load(k));
      await new Promise((r) => setImmediate(r));
    }
    expect(batches).toEqual([[1]]);
    release();
    expect(await first).toBe(1);
    expect(await Promise.all(later)).toEqual([2, 3, 4]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
    // and unloaded, a call still goes at the end of its own turn
    expect(await load(5)).toBe(5);
    expect(batches.at(-1)).toEqual([5]);
  });

  it('perOwner makes one value per owner', () => {
    let made = 0;
    const of = perOwner((o: { n: number }) => ({ n: o.n, id: ++made }));
    const a = { n: 1 };
    expect(of(a)).toBe(of(a));
    expect(of({ n: 2 }).id).toBe(2);
  });
});
