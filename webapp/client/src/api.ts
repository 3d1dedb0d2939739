import type { MissionView } from '../../../core/missions/playerView';
/**
 * The HTTP client: every call carries `Authorization: tma <initDataRaw>`; problem+json answers
 * become ApiError with the server's stable `code`; network failures and timeouts become
 * ApiError too (codes NETWORK / TIMEOUT) so callers can decide whether to retry.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail?: string,
    readonly extra: { retryAfterS?: number; field?: string; errors?: Array<{ field: string; message: string }> } = {},
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
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function createApi(o: ApiOptions): Api {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const doFetch = o.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const h: Record<string, string> = { Accept: 'application/json', ...headers };
    const auth = o.auth();
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
      const p = (data ?? {}) as { code?: string; detail?: string; retryAfterS?: number; field?: string; errors?: Array<{ field: string; message: string }> };
      const ra = Number(res.headers.get('retry-after'));
      const retryAfterS = typeof p.retryAfterS === 'number' ? p.retryAfterS : Number.isFinite(ra) && ra > 0 ? ra : undefined;
      throw new ApiError(res.status, p.code ?? `HTTP_${res.status}`, p.detail, { retryAfterS, field: p.field, errors: p.errors });
    }
    return data as T;
  }
  return {
    get: (path) => call('GET', path),
    send: (method, path, body, headers) => call(method, path, body, headers),
  };
}

// ---- API shapes (DESIGN.md §4): the server's own view types, imported as types only (erased from the bundle)
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
