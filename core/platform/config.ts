import { z } from 'zod';
import { FLAG_STATES, type FlagState } from '../../db/schema.js';

/**
 * The one place that reads process.env (docs/design.md, Configuration). Everything else receives a Config.
 * A bad value stops the process with a message that names the variable.
 */

export type { FlagState };
export const ROLE_NAMES = ['api', 'bot', 'worker'] as const;
/**
 * The only NODE_ENV values that count as "not production". Anything else (unset, `Production`,
 * `staging`…) is treated as production: DEV_MODE is refused and /metrics needs METRICS_TOKEN
 * (docs/reliability.md, threat model).
 */
export const NON_PRODUCTION_ENVS = ['development', 'test'] as const;
export type Role = (typeof ROLE_NAMES)[number];

const idList = z
  .string()
  .default('')
  .transform((s, ctx) => {
    const out: number[] = [];
    for (const part of s.split(',').map((p) => p.trim()).filter(Boolean)) {
      if (!/^\d{1,16}$/.test(part)) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not a Telegram user id` });
        return z.NEVER;
      }
      out.push(Number(part));
    }
    return out;
  });

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .default(String(def))
    .transform((s, ctx) => {
      if (!/^-?\d+$/.test(s.trim())) {
        ctx.addIssue({ code: 'custom', message: `expected an integer, got "${s}"` });
        return z.NEVER;
      }
      const n = Number(s);
      if (n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be between ${min} and ${max}` });
        return z.NEVER;
      }
      return n;
    });

const num = (def: number, min: number, max: number) =>
  z
    .string()
    .default(String(def))
    .transform((s, ctx) => {
      const n = Number(s);
      if (s.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `expected a number between ${min} and ${max}, got "${s}"` });
        return z.NEVER;
      }
      return n;
    });

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s === '') return undefined;
      try {
        const u = new URL(s);
        if (!protocols.includes(u.protocol)) throw new Error();
        return s;
      } catch {
        ctx.addIssue({ code: 'custom', message: `expected a ${protocols.join(' or ')} URL` });
        return z.NEVER;
      }
    });

const hostPort = /^[A-Za-z0-9.\-:[\]]+:\d{1,5}$/;

const schema = z
  .object({
    NODE_ENV: z.string().optional(),
    PORT: int(3000, 0, 65535),
    HOST: z.string().default('0.0.0.0'),
    DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
    DATA_DIR: z.string().default('./data'),
    REDIS_URL: optionalUrl(['redis:', 'rediss:']),
    BOT_TOKEN: z
      .string()
      .optional()
      .refine((s) => !s || /^\d+:[A-Za-z0-9_-]{10,}$/.test(s), 'expected a token like 123456:ABC-DEF… from BotFather'),
    BOT_MODE: z.enum(['polling', 'webhook', 'off']).optional(),
    WEBHOOK_URL: optionalUrl(['https:', 'http:']),
    WEBHOOK_SECRET: z
      .string()
      .optional()
      .refine((s) => !s || /^[A-Za-z0-9_-]{1,256}$/.test(s), 'only A-Z, a-z, 0-9, _ and - (1–256 chars), as Telegram requires'),
    TELEGRAM_API_ROOT: optionalUrl(['https:', 'http:']),
    WEBAPP_URL: optionalUrl(['https:', 'http:']),
    ADMIN_IDS: idList,
    TESTER_IDS: idList,
    INGEST_TOKEN: z.string().optional(),
    METRICS_TOKEN: z.string().optional(),
    // processes without the api role (workers) serve /metrics, /healthz, /readyz on this port; 0 = off
    METRICS_PORT: int(0, 0, 65535),
    GOLDEN_HOUR_ENABLED: z.enum(FLAG_STATES).default('off'),
    EVENT_TZ: z
      .string()
      .default('Asia/Seoul')
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'unknown IANA time zone'),
    NTP_SERVERS: z
      .string()
      .default('')
      .transform((s, ctx) => {
        const list = s.split(',').map((p) => p.trim()).filter(Boolean);
        if (list.length === 0) return [];
        if (list.length !== 2 || !list.every((p) => hostPort.test(p))) {
          ctx.addIssue({ code: 'custom', message: 'expected two host:port entries, comma-separated' });
          return z.NEVER;
        }
        return list;
      }),
    CLOCK_TOLERANCE_MS: int(1000, 1, 60_000),
    CLOCK_CHECK_INTERVAL_S: int(60, 5, 3600),
    CLOCK_FAIL_CLOSE_AFTER: int(3, 1, 1000),
    INIT_DATA_MAX_AGE_S: int(86400, 1, 30 * 86400),
    // manual payouts for a period older than this many days (or in the future) are refused
    PAYOUT_MAX_AGE_DAYS: int(7, 0, 366),
    // evidence (each play and its verdicts, /why) is kept this many UTC days, then dropped whole
    EVIDENCE_RETENTION_DAYS: int(35, 2, 3660),
    ROLES: z
      .string()
      .default('api,bot,worker')
      .transform((s, ctx) => {
        const list = s.split(',').map((p) => p.trim()).filter(Boolean);
        const bad = list.filter((r) => !(ROLE_NAMES as readonly string[]).includes(r));
        if (bad.length || list.length === 0) {
          ctx.addIssue({ code: 'custom', message: `unknown role(s) ${bad.join(', ') || '(none)'}; use api, bot, worker` });
          return z.NEVER;
        }
        return [...new Set(list)] as Role[];
      }),
    DEV_MODE: z.enum(['0', '1', '']).default('0').transform((s) => s === '1'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    VAULT_POINTS_PER_PLAY: int(10, 0, 1_000_000),
    VAULT_DAILY_CAP: int(5_000_000, 0),
    // the bot token's free outbound budget, every process together (docs/broadcast.md)
    BOT_API_RATE: int(30, 1, 1000),
    BROADCAST_RATE: int(25, 1, 1000),
    BROADCAST_PAID: z.enum(['0', '1', '']).default('0').transform((s) => s === '1'),
    BROADCAST_STARS_BUDGET: int(0, 0, 100_000_000),
    ANNOUNCE_REACH_S: int(600, 1, 86_400),
    SCHEDULER_MAX_LATENESS_S: int(600, 0, 86400),
    ACTIVE_DAYS: int(3, 1, 60),
    BODY_LIMIT_BYTES: int(1_048_576, 1024, 50 * 1_048_576),
    CONSUMER_BATCH: int(2000, 1, 50_000),
    // Redis Streams consumer: batches applied at once (docs/performance.md)
    CONSUMER_IN_FLIGHT: int(2, 1, 8),
    PG_POOL_SIZE: int(16, 1, 500),
    // API processes sharing PORT (node:cluster); more than one needs Postgres and Redis
    API_PROCESSES: int(1, 1, 64),
    REMINDER_MINUTES_BEFORE_END: int(30, 0, 1440),
    // a crashed worker's unacknowledged queue entries are taken over after this idle time (XAUTOCLAIM)
    QUEUE_CLAIM_IDLE_MS: int(30_000, 100, 3_600_000),
  })
  .superRefine((c, ctx) => {
    if (c.DEV_MODE && !isNonProduction(c.NODE_ENV)) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEV_MODE'],
        message: `DEV_MODE=1 is accepted only with NODE_ENV=${NON_PRODUCTION_ENVS.join(' or ')}; NODE_ENV is ${c.NODE_ENV === undefined ? 'unset' : `"${c.NODE_ENV}"`}, which counts as production`,
      });
    }
    if (c.BOT_MODE === 'webhook') {
      if (!c.WEBHOOK_URL) ctx.addIssue({ code: 'custom', path: ['WEBHOOK_URL'], message: 'required when BOT_MODE=webhook' });
      if (!c.WEBHOOK_SECRET) ctx.addIssue({ code: 'custom', path: ['WEBHOOK_SECRET'], message: 'required when BOT_MODE=webhook' });
    }
    if ((c.BOT_MODE === 'webhook' || c.BOT_MODE === 'polling') && !c.BOT_TOKEN) {
      ctx.addIssue({ code: 'custom', path: ['BOT_TOKEN'], message: `required when BOT_MODE=${c.BOT_MODE}` });
    }
    if (c.API_PROCESSES > 1) {
      const roles = c.ROLES as readonly string[];
      const why = !roles.includes('api')
        ? `ROLES=${roles.join(',')} has no api role to run in them`
        : !c.DATABASE_URL || !c.REDIS_URL
          ? 'they share state only through Postgres and Redis: set DATABASE_URL and REDIS_URL (the embedded default keeps it in one process)'
          : c.DEV_MODE
            ? 'the dev clock lives in one process (DEV_MODE=1 is for one process)'
            : null;
      if (why) ctx.addIssue({ code: 'custom', path: ['API_PROCESSES'], message: `more than one API process: ${why}` });
    }
    if (c.BROADCAST_RATE > c.BOT_API_RATE) {
      ctx.addIssue({ code: 'custom', path: ['BROADCAST_RATE'], message: `the broadcasts' share cannot exceed BOT_API_RATE (${c.BOT_API_RATE}/s); faster sending is BROADCAST_PAID=1 with BROADCAST_STARS_BUDGET` });
    }
  });

export type Config = ReturnType<typeof toConfig>;

function isNonProduction(nodeEnv: string | undefined): boolean {
  return (NON_PRODUCTION_ENVS as readonly (string | undefined)[]).includes(nodeEnv);
}

function toConfig(e: z.output<typeof schema>) {
  return {
    nodeEnv: e.NODE_ENV,
    /** NODE_ENV is not development or test: fail closed (DEV_MODE refused, /metrics needs a token) */
    production: !isNonProduction(e.NODE_ENV),
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    redisUrl: e.REDIS_URL,
    botToken: e.BOT_TOKEN || undefined,
    botMode: e.BOT_MODE ?? (e.BOT_TOKEN ? 'polling' : 'off'),
    webhookUrl: e.WEBHOOK_URL,
    webhookSecret: e.WEBHOOK_SECRET || undefined,
    telegramApiRoot: e.TELEGRAM_API_ROOT,
    webappUrl: e.WEBAPP_URL ?? `http://localhost:${e.PORT}`,
    adminIds: e.ADMIN_IDS,
    testerIds: e.TESTER_IDS,
    ingestToken: e.INGEST_TOKEN || undefined,
    metricsToken: e.METRICS_TOKEN || undefined,
    metricsPort: e.METRICS_PORT || undefined,
    goldenHourDefault: e.GOLDEN_HOUR_ENABLED as FlagState,
    tz: e.EVENT_TZ,
    ntpServers: e.NTP_SERVERS,
    clockToleranceMs: e.CLOCK_TOLERANCE_MS,
    clockCheckIntervalS: e.CLOCK_CHECK_INTERVAL_S,
    clockFailCloseAfter: e.CLOCK_FAIL_CLOSE_AFTER,
    initDataMaxAgeS: e.INIT_DATA_MAX_AGE_S,
    payoutMaxAgeDays: e.PAYOUT_MAX_AGE_DAYS,
    evidenceRetentionDays: e.EVIDENCE_RETENTION_DAYS,
    roles: e.ROLES,
    devMode: e.DEV_MODE,
    logLevel: e.LOG_LEVEL,
    vaultPointsPerPlay: e.VAULT_POINTS_PER_PLAY,
    vaultDailyCap: e.VAULT_DAILY_CAP,
    broadcastRate: e.BROADCAST_RATE,
    broadcastPaid: e.BROADCAST_PAID,
    broadcastStarsBudget: e.BROADCAST_STARS_BUDGET,
    botApiRate: e.BOT_API_RATE,
    announceReachS: e.ANNOUNCE_REACH_S,
    schedulerMaxLatenessS: e.SCHEDULER_MAX_LATENESS_S,
    activeDays: e.ACTIVE_DAYS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    consumerBatch: e.CONSUMER_BATCH,
    consumerInFlight: e.CONSUMER_IN_FLIGHT,
    pgPoolSize: e.PG_POOL_SIZE,
    apiProcesses: e.API_PROCESSES,
    reminderMinutesBeforeEnd: e.REMINDER_MINUTES_BEFORE_END,
    queueClaimIdleMs: e.QUEUE_CLAIM_IDLE_MS,
  };
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses an environment (process.env by default). Throws ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') cleaned[k] = v;
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${String(i.path[0] ?? '?')}: ${i.message}`));
  }
  return toConfig(parsed.data);
}

/** A config for tests and tools: defaults plus overrides, without touching process.env. */
export function testConfig(overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...overrides });
}
