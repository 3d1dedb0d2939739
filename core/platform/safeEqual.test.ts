import { describe, expect, it } from 'vitest';
import { safeEqual } from './safeEqual.js';

describe('safeEqual: one constant-time comparison for every shared secret', () => {
  it('matches only the exact secret', () => {
    expect(safeEqual('Bearer s3cret', 'Bearer s3cret')).toBe(true);
    expect(safeEqual('Bearer s3cre', 'Bearer s3cret')).toBe(false);
    expect(safeEqual('Bearer s3cret ', 'Bearer s3cret')).toBe(false);
    expect(safeEqual('bearer s3cret', 'Bearer s3cret')).toBe(false);
    expect(safeEqual('', 'Bearer s3cret')).toBe(false);
  });
  it('a missing value on either side never matches, not even another missing value', () => {
    expect(safeEqual(undefined, 'x')).toBe(false);
    expect(safeEqual('x', undefined)).toBe(false);
    expect(safeEqual(undefined, undefined)).toBe(false);
    expect(safeEqual(null, null)).toBe(false);
  });
});
