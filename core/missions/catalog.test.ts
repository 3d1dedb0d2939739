import { describe, expect, it } from 'vitest';
import { goldenMissionOf, type Mission } from './catalog.js';

const mission = (over: Partial<Mission>): Mission => ({
  id: 1,
  logicKey: 'm',
  title: 'm',
  description: '',
  category: 'SPECIAL',
  actionType: 'PLAY_GAME',
  target: 3,
  rewards: { diamonds: 0, xp: 0, tickets: 0 },
  window: { start: '21:30:00', end: '22:30:00' },
  autoClaim: false,
  period: 'daily',
  isGoldenHour: true,
  vaultAccrualMultiplier: 2,
  active: true,
  sortOrder: 100,
  ...over,
});

describe('the golden-hour mission is the first active golden-hour mission with a window, in display order', () => {
  it('skips inactive and window-less golden missions even when they sort first', () => {
    const list = [mission({ id: 1, sortOrder: 0, active: false }), mission({ id: 2, sortOrder: 0, window: null }), mission({ id: 3, sortOrder: 5 })];
    expect(goldenMissionOf(list)?.id).toBe(3);
  });
  it('orders by sort_order, then id, whatever order the list comes in', () => {
    expect(goldenMissionOf([mission({ id: 9, sortOrder: 2 }), mission({ id: 7, sortOrder: 2 }), mission({ id: 8, sortOrder: 3 })])?.id).toBe(7);
  });
  it('ordinary missions never count, and none is undefined', () => {
    expect(goldenMissionOf([mission({ isGoldenHour: false })])).toBeUndefined();
    expect(goldenMissionOf([])).toBeUndefined();
  });
});
