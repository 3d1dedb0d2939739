import { describe, expect, it } from 'vitest';
import { clusterRoles } from './cluster.js';
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
  it('more than one API process needs Postgres, Redis and the api role, and one process for the dev clock', () => {
    const shared = { DATABASE_URL: 'postgres://h/db', REDIS_URL: 'redis://h:6379' };
    expect(bad({ API_PROCESSES: '2' })).toMatch(/API_PROCESSES: more than one API process: .*DATABASE_URL and REDIS_URL/);
    expect(bad({ API_PROCESSES: '2', DATABASE_URL: shared.DATABASE_URL })).toContain('API_PROCESSES:');
    expect(bad({ API_PROCESSES: '2', ...shared, ROLES: 'worker' })).toMatch(/API_PROCESSES: .*no api role/);
    expect(bad({ API_PROCESSES: '2', ...shared, DEV_MODE: '1', NODE_ENV: 'development' })).toMatch(/API_PROCESSES: .*dev clock/);
    expect(bad({ API_PROCESSES: '0' })).toContain('API_PROCESSES:');
    expect(loadConfig({ API_PROCESSES: '2', ...shared }).apiProcesses).toBe(2);
    expect(loadConfig({}).apiProcesses).toBe(1);
  });
  it('API processes take the api role, and the bot when its updates arrive over HTTP; the primary keeps the rest', () => {
    const roles = (env: Record<string, string>) => clusterRoles(loadConfig({ DATABASE_URL: 'postgres://h/db', REDIS_URL: 'redis://h:6379', API_PROCESSES: '2', ...env }));
    expect(roles({})).toEqual({ primary: ['bot', 'worker'], api: ['api'] });
    expect(roles({ BOT_TOKEN: '123:abcdefghijklmnop', BOT_MODE: 'polling' })).toEqual({ primary: ['bot', 'worker'], api: ['api'] });
    const hook = { BOT_TOKEN: '123:abcdefghijklmnop', BOT_MODE: 'webhook', WEBHOOK_URL: 'https://x.example', WEBHOOK_SECRET: 's' };
    expect(roles(hook)).toEqual({ primary: ['worker'], api: ['api', 'bot'] });
    expect(roles({ ROLES: 'api' })).toEqual({ primary: [], api: ['api'] });
  });
});
