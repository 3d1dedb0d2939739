import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const bad = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration is validated once at start (docs/design.md)', () => {
  it('no config at all gives the embedded default', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, dataDir: './data', goldenHourDefault: 'off', tz: 'Asia/Seoul', clockToleranceMs: 1000, initDataMaxAgeS: 86400, roles: ['api', 'bot', 'worker'], devMode: false, botMode: 'off' });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
  });
  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ GOLDEN_HOUR_ENABLED: 'yes' }, 'GOLDEN_HOUR_ENABLED'],
    [{ EVENT_TZ: 'Asia/Nowhere' }, 'EVENT_TZ'],
    [{ ADMIN_IDS: '1,abc' }, 'ADMIN_IDS'],
    [{ NTP_SERVERS: 'time.example:123' }, 'NTP_SERVERS'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
    [{ ROLES: 'api,cron' }, 'ROLES'],
    [{ BOT_TOKEN: 'nope' }, 'BOT_TOKEN'],
    [{ CLOCK_TOLERANCE_MS: '-5' }, 'CLOCK_TOLERANCE_MS'],
    [{ BOT_MODE: 'webhook', BOT_TOKEN: '123:abcdefghijklmnop' }, 'WEBHOOK_SECRET'],
    [{ BROADCAST_RATE: '100' }, 'BROADCAST_RATE'],
  ])('a bad value stops the process with a message naming the variable: %o', (env, name) => {
    expect(bad(env as Record<string, string>)).toContain(`${name}:`);
  });
  it('DEV_MODE=1 is refused together with NODE_ENV=production', () => {
    expect(bad({ DEV_MODE: '1', NODE_ENV: 'production' })).toMatch(/DEV_MODE.*production/);
    expect(bad({ DEV_MODE: '1' })).toMatch(/DEV_MODE.*NODE_ENV is unset/); // unset counts as production
    expect(loadConfig({ DEV_MODE: '1', NODE_ENV: 'development' }).devMode).toBe(true);
  });
  it('lists parse: ADMIN_IDS, TESTER_IDS, NTP_SERVERS, ROLES', () => {
    const c = loadConfig({ ADMIN_IDS: '1, 2', TESTER_IDS: '3', NTP_SERVERS: '127.0.0.1:1123,127.0.0.1:1124', ROLES: 'api' });
    expect(c.adminIds).toEqual([1, 2]);
    expect(c.testerIds).toEqual([3]);
    expect(c.ntpServers).toEqual(['127.0.0.1:1123', '127.0.0.1:1124']);
    expect(c.roles).toEqual(['api']);
  });
});
