import type { MissionView } from '../../../core/missions/playerView';
import { INIT_DATA_EXPIRED } from '../../../core/domain/errors';
/**
 * The HTTP client: every call carries `Authorization: tma <initDataRaw>`; problem+json answers
 * become ApiError with the server's stable `code`; network failures and timeouts become
 * ApiError too (codes NETWORK / TIMEOUT) so callers can decide whether to retry.
 * A 401 with reason INIT_DATA_EXPIRED (init data older than the server's INIT_DATA_MAX_AGE_S)
 * asks `refreshAuth` for fresh init data and, when it gets a different one, retries the request
 * once with it (refused at the auth check, the first attempt changed nothing); from then on every
 * call sends the fresh one (docs/reliability.md, Init data age).
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail?: string,
    readonly extra: { retryAfterS?: number; field?: string; reason?: string; errors?: Array<{ field: string; message: string }> } = {},
  ) {
    super(detail ?? code);
    this.name = 'ApiError';
  }
  /** no answer reached us: the same request may or may not have been applied */
  get network() {
    return this.status === 0;
  }
}

export interface Api {
  get<T>(path: string): Promise<T>;
  send<T>(method: 'POST' | 'PUT' | 'PATCH', path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
}

export interface ApiOptions {
  auth: () => string | null;
  /** fresh init data after the server answered "expired" (re-read from Telegram, or a new dev login); null when there is none */
  refreshAuth?: () => string | null | Promise<string | null>;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function createApi(o: ApiOptions): Api {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const doFetch = o.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  async function once<T>(auth: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const h: Record<string, string> = { Accept: 'application/json', ...headers };
    if (auth) h.Authorization = `tma ${auth}`;
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), timeoutMs);
    let res: Response;
    try {
      res = await doFetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), signal: ctrl.signal });
    } catch (err) {
      throw new ApiError(0, ctrl.signal.aborted ? 'TIMEOUT' : 'NETWORK', String((err as Error)?.message ?? err));
    } finally {
      clearTimeout(timer);
    }
    const text = await res.text().catch(() => '');
    let data: unknown = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!res.ok) {
      const p = (data ?? {}) as { code?: string; detail?: string; retryAfterS?: number; field?: string; reason?: string; errors?: Array<{ field: string; message: string }> };
      const ra = Number(res.headers.get('retry-after'));
      const retryAfterS = typeof p.retryAfterS === 'number' ? p.retryAfterS : Number.isFinite(ra) && ra > 0 ? ra : undefined;
      throw new ApiError(res.status, p.code ?? `HTTP_${res.status}`, p.detail, { retryAfterS, field: p.field, reason: p.reason, errors: p.errors });
    }
    return data as T;
  }
  // init data that replaced the caller's after an "expired" answer; one refresh at a time
  let fresh: string | null = null;
  let refreshing: Promise<string | null> | null = null;
  const currentAuth = () => fresh ?? o.auth();
  async function refreshedAuth(sent: string | null): Promise<string | null> {
    if (!o.refreshAuth) return null;
    refreshing ??= Promise.resolve()
      .then(o.refreshAuth)
      .catch(() => null)
      .finally(() => (refreshing = null));
    const next = await refreshing;
    if (!next || next === sent) return null; // nothing newer: the player has to reopen the app
    fresh = next;
    return next;
  }
  async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const sent = currentAuth();
    try {
      return await once<T>(sent, method, path, body, headers);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401 && err.extra.reason === INIT_DATA_EXPIRED)) throw err;
      const next = await refreshedAuth(sent);
      if (!next) throw err;
      return once<T>(next, method, path, body, headers);
    }
  }
  return {
    get: (path) => call('GET', path),
    send: (method, path, body, headers) => call(method, path, body, headers),
  };
}

// ---- API shapes (docs/design.md, The HTTP API): the server's own view types, imported as types only (erased from the bundle)
export type { MissionStatus } from '../../../core/missions/playerView';
export type Mission = MissionView;
export type MissionWindow = NonNullable<MissionView['window']>;
export type Rewards = MissionView['rewards'];
export interface MissionList {
  serverTime: string;
  missions: Mission[];
}
export interface Balances {
  diamonds: number;
  xp: number;
  tickets: number;
  vaultPoints: number;
}
export interface Me extends Balances {
  user: { id: number; firstName: string | null; username: string | null; languageCode: string | null };
  stamps: number;
  isAdmin: boolean;
}
export interface ClaimResult {
  missionId: number;
  periodKey: string;
  rewards: Rewards;
  balances: Balances;
  claimedAt: string;
}
export interface TimeInfo {
  serverTime: string;
  local: string;
  tz: string;
  clockGuard: unknown;
}
