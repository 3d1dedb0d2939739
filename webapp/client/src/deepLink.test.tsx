// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { deepLinkTarget } from './App';

describe('deep link to the golden card (/start golden in the bot, the announcement button)', () => {
  it('reads startapp=golden from the bot button URL and card=golden from the announcement', () => {
    expect(deepLinkTarget('user=%7B%7D', { search: '?startapp=golden', hash: '' })).toBe('golden');
    expect(deepLinkTarget('user=%7B%7D', { search: '?card=golden&mission=1', hash: '' })).toBe('golden');
  });
  it('reads start_param from Telegram init data (t.me/bot/app?startapp=golden)', () => {
    expect(deepLinkTarget('start_param=golden&user=%7B%7D', { search: '', hash: '#tgWebAppData=x' })).toBe('golden');
  });
  it('is null without a link', () => {
    expect(deepLinkTarget('user=%7B%7D', { search: '', hash: '#tgWebAppData=x' })).toBeNull();
  });
});
