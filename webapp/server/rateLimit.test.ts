import { describe, expect, it } from 'vitest';
import { addressKey } from './rateLimit.js';

describe('rate-limit keys: IPv6 addresses count by their /64', () => {
  it('addresses in one /64 share a key, whatever their spelling', () => {
    const k = addressKey('2001:db8:1:2::1');
    expect(k).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:eeee:dddd:cccc')).toBe(k);
    expect(addressKey('2001:DB8:1:2:0:0:0:2')).toBe(k);
    expect(addressKey('2001:db8:1:2::1%eth0')).toBe(k);
  });
  it('another /64 is another key', () => {
    expect(addressKey('2001:db8:1:3::1')).not.toBe(addressKey('2001:db8:1:2::1'));
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
  it('IPv4, also IPv4-mapped, stays the address itself', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });
});
