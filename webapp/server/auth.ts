import type { MiddlewareHandler } from 'hono';
import { hashToken, sign, validate } from '@tma.js/init-data-node';
import { z } from 'zod';
import { DomainError, INIT_DATA_EXPIRED } from '../../core/domain/errors.js';
import type { Clock } from '../../core/platform/clock.js';

/**
 * Player authentication (docs/design.md, The HTTP API): `Authorization: tma <initDataRaw>`, signed by the bot
 * token per Telegram's algorithm. auth_date is checked against the injected clock, both ways:
 * older than INIT_DATA_MAX_AGE_S or more than a minute in the future is refused.
 */
export interface TelegramUser {
  id: number;
  firstName?: string;
  username?: string;
  languageCode?: string;
}

export interface AuthOptions {
  /** the bot token that signs init data; undefined → every request is refused */
  token: string | undefined;
  maxAgeS: number;
  clock: Clock;
  onUser?: (u: TelegramUser) => void;
}

/** Only used with DEV_MODE and no BOT_TOKEN: signs init data for local play. Not a secret. */
export const DEV_SIGNER_TOKEN = '1000000001:dev-signer-token-not-for-production';

const FUTURE_SKEW_S = 60;

interface Verified {
  authDateMs: number;
  user: TelegramUser | null;
}

/**
 * The fields the service reads from verified init data (docs/design.md, The HTTP API). Only these
 * are parsed: the library's full parse (every field, through valibot) was 6 % of a claim's CPU and
 * its result was read for four fields (docs/performance.md, claim). Unknown keys pass.
 */
const initDataUser = z.object({
  id: z.number(),
  first_name: z.string().optional(),
  username: z.string().optional(),
  language_code: z.string().optional(),
});

/** The bot token as Telegram's secret key (HMAC("WebAppData", token)), computed once per token. */
const secretKeys = new Map<string, ArrayBuffer>();
function secretKey(token: string): ArrayBuffer {
  let k = secretKeys.get(token);
  if (!k) {
    const b = hashToken(token);
    secretKeys.set(token, (k = new Uint8Array(b).buffer));
  }
  return k;
}

/** Everything about init data that depends only on its bytes and the token: signature and parse. */
function verifySignature(raw: string, token: string | undefined): Verified {
  if (!token) throw new DomainError('UNAUTHORIZED', 'authentication is not configured on this server (BOT_TOKEN)');
  if (!raw || raw.length > 8192) throw new DomainError('UNAUTHORIZED', 'missing or oversized init data');
  const params = new URLSearchParams(raw);
  for (const k of new Set(params.keys())) {
    if (params.getAll(k).length > 1) throw new DomainError('UNAUTHORIZED', `init data has a duplicated "${k}"`);
  }
  try {
    validate(params, secretKey(token), { expiresIn: 0, tokenHashed: true });
  } catch {
    throw new DomainError('UNAUTHORIZED', 'init data signature is invalid');
  }
  const authDate = params.get('auth_date');
  const userText = params.get('user');
  let u: z.infer<typeof initDataUser> | null = null;
  try {
    if (!authDate || !/^\d{1,12}$/.test(authDate)) throw new Error('auth_date');
    if (userText !== null) u = initDataUser.parse(JSON.parse(userText));
  } catch {
    throw new DomainError('UNAUTHORIZED', 'init data is malformed');
  }
  const user = u && Number.isSafeInteger(u.id) && u.id > 0 ? { id: u.id, firstName: u.first_name, username: u.username, languageCode: u.language_code } : null;
  return { authDateMs: Number(authDate) * 1000, user };
}

/** What depends on the clock (age, both ways) and the verdict on the user, in the original order. */
function checkVerified(v: Verified, o: Pick<AuthOptions, 'clock' | 'maxAgeS'>): TelegramUser {
  const ageS = (o.clock.nowMs() - v.authDateMs) / 1000;
  // `reason` tells the Mini App to re-read its init data and retry once (webapp/client/src/api.ts)
  if (ageS > o.maxAgeS) throw new DomainError('UNAUTHORIZED', 'init data expired; reopen the app', { reason: INIT_DATA_EXPIRED });
  if (ageS < -FUTURE_SKEW_S) throw new DomainError('UNAUTHORIZED', 'init data is dated in the future');
  if (!v.user) throw new DomainError('UNAUTHORIZED', 'init data has no user');
  return { ...v.user };
}

export function signInitData(token: string, user: { id: number; firstName?: string; username?: string; languageCode?: string }, authDate: Date, extra: { startParam?: string } = {}) {
  return sign(
    {
      user: { id: user.id, first_name: user.firstName ?? `Player ${user.id}`, username: user.username, language_code: user.languageCode ?? 'ko' },
      query_id: `dev-${user.id}`,
      start_param: extra.startParam,
    } as never,
    token,
    authDate,
  );
}

export type AuthEnv = { Variables: { user: TelegramUser } };

/** how many verified init data strings one process remembers (about 0.5 KB each) */
const VERIFIED_CACHE_MAX = 10_000;

export function tmaAuth(o: AuthOptions): MiddlewareHandler<AuthEnv> {
  // A Mini App sends the same init data on every call of a session: the HMAC and the parse depend
  // only on those bytes and the token, so they run once per string; the age is checked every time.
  // Only successes are remembered (docs/performance.md, mission list).
  const verified = new Map<string, Verified>();
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^tma (.+)$/s.exec(header);
    if (!m) throw new DomainError('UNAUTHORIZED', 'send Authorization: tma <initData>');
    const raw = m[1]!.trim();
    let v = verified.get(raw);
    if (!v) {
      v = verifySignature(raw, o.token);
      if (v.user) {
        if (verified.size >= VERIFIED_CACHE_MAX) verified.delete(verified.keys().next().value!);
        verified.set(raw, v);
      }
    }
    const user = checkVerified(v, o);
    c.set('user', user);
    o.onUser?.(user);
    await next();
  };
}

/** After tmaAuth: only the listed user ids pass (ADMIN_IDS; for demo play also TESTER_IDS). */
export function requireAdmin(adminIds: readonly number[], detail = 'admins only'): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const u = c.get('user');
    if (!u || !adminIds.includes(u.id)) throw new DomainError('FORBIDDEN', detail);
    await next();
  };
}
