import { describe, expect, it, vi } from 'vitest';
import { ApiError, createApi } from './api';

/**
 * The client's answer to expired init data (docs/reliability.md, Init data age): the server says
 * 401 UNAUTHORIZED with reason INIT_DATA_EXPIRED; the client asks for fresh init data and retries
 * the request once with it.
 */
const problem = (status: number, body: Record<string, unknown>) =>
  new Response(JSON.stringify({ status, ...body }), { status, headers: { 'content-type': 'application/problem+json' } });
const expired = () => problem(401, { code: 'UNAUTHORIZED', detail: 'init data expired; reopen the app', reason: 'INIT_DATA_EXPIRED' });
const ok = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

/** A server that accepts only `valid` init data and calls every other one expired. */
function server(valid: string, other: () => Response = expired) {
  const calls: Array<{ path: string; auth: string | null; body: unknown }> = [];
  const fetch = (async (path: string, init: RequestInit) => {
    const auth = new Headers(init.headers).get('authorization');
    calls.push({ path, auth, body: init.body ?? null });
    return auth === `tma ${valid}` ? ok({ path }) : other();
  }) as unknown as typeof globalThis.fetch;
  return { calls, fetch };
}

describe('expired init data: the Mini App re-requests it and retries once', () => {
  it('a 401 INIT_DATA_EXPIRED gets fresh init data and the same request again, which succeeds', async () => {
    const srv = server('fresh');
    const refreshAuth = vi.fn(() => 'fresh');
    const api = createApi({ auth: () => 'stale', refreshAuth, fetch: srv.fetch });
    expect(await api.send('POST', '/api/mission/1/claim', { a: 1 }, { 'x-idempotency-key': 'k1' })).toEqual({ path: '/api/mission/1/claim' });
    expect(srv.calls).toEqual([
      { path: '/api/mission/1/claim', auth: 'tma stale', body: '{"a":1}' },
      { path: '/api/mission/1/claim', auth: 'tma fresh', body: '{"a":1}' },
    ]);
    expect(refreshAuth).toHaveBeenCalledTimes(1);
    // from then on the fresh init data is sent right away
    await api.get('/api/me');
    expect(srv.calls.at(-1)).toMatchObject({ path: '/api/me', auth: 'tma fresh' });
    expect(srv.calls).toHaveLength(3);
  });

  it('retries only once: still expired after the refresh, the 401 reaches the caller', async () => {
    const srv = server('never');
    const refreshAuth = vi.fn(() => 'also-old');
    const api = createApi({ auth: () => 'stale', refreshAuth, fetch: srv.fetch });
    const err = await api.get('/api/me').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 401, code: 'UNAUTHORIZED', extra: { reason: 'INIT_DATA_EXPIRED' } });
    expect(srv.calls.map((c) => c.auth)).toEqual(['tma stale', 'tma also-old']);
  });

  it('no newer init data (none, or the same string): no retry, the player is asked to reopen the app', async () => {
    for (const fresh of [null, 'stale']) {
      const srv = server('x');
      const api = createApi({ auth: () => 'stale', refreshAuth: () => fresh, fetch: srv.fetch });
      await expect(api.get('/api/me')).rejects.toMatchObject({ status: 401, extra: { reason: 'INIT_DATA_EXPIRED' } });
      expect(srv.calls).toHaveLength(1);
    }
    const failing = server('x');
    const api = createApi({ auth: () => 'stale', refreshAuth: () => Promise.reject(new Error('no Telegram')), fetch: failing.fetch });
    await expect(api.get('/api/me')).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(failing.calls).toHaveLength(1);
  });

  it('other 401s (a bad signature, no user) are not retried and ask for nothing', async () => {
    const srv = server('fresh', () => problem(401, { code: 'UNAUTHORIZED', detail: 'init data signature is invalid' }));
    const refreshAuth = vi.fn(() => 'fresh');
    const api = createApi({ auth: () => 'stale', refreshAuth, fetch: srv.fetch });
    await expect(api.get('/api/me')).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED', extra: { reason: undefined } });
    expect(refreshAuth).not.toHaveBeenCalled();
    expect(srv.calls).toHaveLength(1);
  });

  it('calls that expire at the same time share one refresh', async () => {
    const srv = server('fresh');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const refreshAuth = vi.fn(async () => (await gate, 'fresh'));
    const api = createApi({ auth: () => 'stale', refreshAuth, fetch: srv.fetch });
    const all = Promise.all([api.get('/api/me'), api.get('/api/mission'), api.get('/api/time')]);
    await vi.waitFor(() => expect(srv.calls).toHaveLength(3));
    release();
    expect(await all).toEqual([{ path: '/api/me' }, { path: '/api/mission' }, { path: '/api/time' }]);
    expect(refreshAuth).toHaveBeenCalledTimes(1);
    expect(srv.calls.filter((c) => c.auth === 'tma fresh')).toHaveLength(3);
  });
});
