import type { MiddlewareHandler } from 'hono';
import { parse, sign, validate } from '@tma.js/init-data-node';
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

/** Everything about init data that depends only on its bytes and the token: signature and parse. */
function verifySignature(raw: string, token: string | undefined): Verified {
  if (!token) throw new DomainError('UNAUTHORIZED', 'authentication is not configured on this server (BOT_TOKEN)');
  if (!raw || raw.length > 8192) throw new DomainError('UNAUTHORIZED', 'missing or oversized init data');
  const params = new URLSearchParams(raw);
  for (const k of new Set(params.keys())) {
    if (params.getAll(k).length > 1) throw new DomainError('UNAUTHORIZED', `init data has a duplicated "${k}"`);
  }
  try {
    validate(raw, token, { expiresIn: 0 });
  } catch {
    throw new DomainError('UNAUTHORIZED', 'init data signature is invalid');
  }
  let data: ReturnType<typeof parse>;
  try {
    data = parse(raw);
  } catch {
    throw new DomainError('UNAUTHORIZED', 'init data is malformed');
  }
  const u = data.user;
  const user = u && Number.isSafeInteger(u.id) && u.id > 0 ? { id: u.id, firstName: u.first_name, username: u.username, languageCode: u.language_code } : null;
  return { authDateMs: data.auth_date.getTime(), user };
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
