// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from './App';
import { ApiError, createApi, type Api, type ClaimResult } from './api';
import { ClaimIntents, claimMission } from './claim';
import { GoldenCard } from './components/MissionCards';
import { goldenMission, json, kstMs } from './testing';

const ok: ClaimResult = { missionId: 1, periodKey: '2026-11-27', rewards: { diamonds: 100, xp: 500, tickets: 1 }, balances: { diamonds: 100, xp: 500, tickets: 1, vaultPoints: 60 }, claimedAt: '' };

/** An Api that answers claims from a script and records the idempotency keys it was sent. */
function scripted(answers: Array<ClaimResult | ApiError>) {
  const keys: string[] = [];
  const api: Api = {
    get: async () => {
      throw new Error('unused');
    },
    send: async (_m, _p, _b, headers) => {
      keys.push(headers!['X-Idempotency-Key']!);
      const a = answers.shift();
      if (!a || a instanceof ApiError) throw a ?? new ApiError(0, 'NETWORK');
      return a as never;
    },
  };
  return { api, keys };
}

let n = 0;
const intents = () => new ClaimIntents(() => `key-${++n}`);
const noSleep = { sleep: async () => {} };

describe('claim idempotency keys: one per claim intent', () => {
  it('a network error and a timeout are retried with the same key', async () => {
    const { api, keys } = scripted([new ApiError(0, 'NETWORK'), new ApiError(0, 'TIMEOUT'), ok]);
    const r = await claimMission(api, intents(), 1, noSleep);
    expect(r.balances.diamonds).toBe(100);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
  });

  it('after retries run out, the player pressing again still reuses the key (the first may have been applied)', async () => {
    const ci = intents();
    const first = scripted([new ApiError(503, 'SERVICE_UNAVAILABLE'), new ApiError(0, 'NETWORK'), new ApiError(409, 'REQUEST_IN_PROGRESS')]);
    await expect(claimMission(first.api, ci, 1, noSleep)).rejects.toMatchObject({ code: 'REQUEST_IN_PROGRESS' });
    const second = scripted([ok]);
    await claimMission(second.api, ci, 1, noSleep);
    expect(second.keys[0]).toBe(first.keys[0]);
  });

  it('RATE_LIMITED is not auto-retried, and the retry after the wait reuses the key', async () => {
    const ci = intents();
    const first = scripted([new ApiError(429, 'RATE_LIMITED', 'slow down', { retryAfterS: 2 })]);
    await expect(claimMission(first.api, ci, 1, noSleep)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(first.keys).toHaveLength(1);
    const second = scripted([ok]);
    await claimMission(second.api, ci, 1, noSleep);
    expect(second.keys[0]).toBe(first.keys[0]);
  });

  it('a new intent (after success, or after a definitive refusal) gets a new key', async () => {
    const ci = intents();
    const a = scripted([ok]);
    await claimMission(a.api, ci, 1, noSleep);
    const b = scripted([new ApiError(409, 'NOT_COMPLETED')]);
    await expect(claimMission(b.api, ci, 1, noSleep)).rejects.toMatchObject({ code: 'NOT_COMPLETED' });
    const c = scripted([ok]);
    await claimMission(c.api, ci, 1, noSleep);
    expect(new Set([a.keys[0], b.keys[0], c.keys[0]]).size).toBe(3);
  });

  it('each mission has its own intent', async () => {
    const ci = intents();
    expect(ci.keyFor(1)).not.toBe(ci.keyFor(2));
    expect(ci.keyFor(1)).toBe(ci.keyFor(1));
  });

  it('sends the key as X-Idempotency-Key with the tma Authorization header', async () => {
    const seen: Headers[] = [];
    const api = createApi({
      auth: () => 'query_id=1&hash=abc',
      fetch: (async (_u: RequestInfo | URL, init?: RequestInit) => {
        seen.push(new Headers(init?.headers));
        return json(ok);
      }) as typeof fetch,
    });
    await claimMission(api, new ClaimIntents(() => 'the-key'), 7, noSleep);
    expect(seen[0]!.get('x-idempotency-key')).toBe('the-key');
    expect(seen[0]!.get('authorization')).toBe('tma query_id=1&hash=abc');
  });
});

describe('claim button', () => {
  afterEach(cleanup);
  const completed = goldenMission({ status: 'completed', progress: 3 });
  const at = kstMs('21:40:00');

  it('is disabled while the claim is in flight', () => {
    render(<GoldenCard m={completed} now={at} fetchedAt={at} lang="ko" claim={{ inFlight: true }} onClaim={() => {}} />);
    const b = screen.getByTestId('claim-golden_hour_play_3') as HTMLButtonElement;
    expect(b.disabled).toBe(true);
    expect(b.textContent).toBe('받는 중…');
  });

  it('calls onClaim with the mission id and shows 완료', () => {
    const got: number[] = [];
    render(<GoldenCard m={completed} now={at} fetchedAt={at} lang="ko" onClaim={(id) => got.push(id)} />);
    expect(screen.getByTestId('golden-state').textContent).toBe('완료');
    fireEvent.click(screen.getByTestId('claim-golden_hour_play_3'));
    expect(got).toEqual([1]);
  });

  it('after success shows the reward and the new balance, and 수령 완료', () => {
    render(<GoldenCard m={{ ...completed, status: 'claimed' }} now={at} fetchedAt={at} lang="ko" claim={{ inFlight: false, success: ok }} onClaim={() => {}} />);
    expect(screen.getByTestId('golden-state').textContent).toBe('수령 완료');
    expect(screen.getByTestId('claim-success').textContent).toContain('💎 100 · XP 500 · 🎟️ 1');
    expect(screen.getByTestId('claim-balance').textContent).toBe('보유 💎 100 · 🎟️ 1');
    expect(screen.queryByTestId('claim-golden_hour_play_3')).toBeNull();
  });

  it('shows the Auto-Claim badge and no button for auto-claim missions', () => {
    render(<GoldenCard m={{ ...completed, autoClaim: true }} now={at} fetchedAt={at} lang="en" onClaim={() => {}} />);
    expect(screen.getByText('Auto-Claim')).toBeTruthy();
    expect(screen.queryByTestId('claim-golden_hour_play_3')).toBeNull();
  });
});

describe('claim in the app: RATE_LIMITED waits, then retries with the same key', () => {
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it('shows the wait on the disabled button, re-enables it, and the retry pays with the first key', async () => {
    vi.useFakeTimers({ now: kstMs('21:40:00'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const keys: string[] = [];
    const answers = [json({ code: 'RATE_LIMITED', detail: 'slow down', retryAfterS: 2 }, 429, { 'retry-after': '2' }), json(ok)];
    const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input);
      const now = new Date().toISOString();
      if (url === '/api/time') return json({ serverTime: now, local: '', tz: 'Asia/Seoul', clockGuard: 'off' });
      // like the server: balances and stamps change once the claim is paid
      const paid = keys.length === 2;
      if (url === '/api/me') return json({ user: { id: 1 }, diamonds: paid ? 100 : 0, xp: paid ? 500 : 0, stamps: paid ? 1 : 0, tickets: paid ? 1 : 0, vaultPoints: 0, isAdmin: false });
      if (url === '/api/mission') return json({ serverTime: now, missions: [goldenMission({ status: keys.length === 2 ? 'claimed' : 'completed', progress: 3 })] });
      if (url.endsWith('/claim')) {
        keys.push(new Headers(init?.headers).get('x-idempotency-key')!);
        return answers.shift()!;
      }
      return json({ show: false });
    }) as typeof fetch;
    render(<App session={{ initData: 'x', devMode: false, preview: false, lang: 'ko' }} fetchImpl={fetchImpl} />);
    const flush = (ms: number) => act(async () => void (await vi.advanceTimersByTimeAsync(ms)));
    await flush(10);
    const button = () => screen.getByTestId('claim-golden_hour_play_3') as HTMLButtonElement;
    fireEvent.click(button());
    await flush(10);
    expect(button().disabled).toBe(true);
    expect(button().textContent).toMatch(/^[12]초 후 다시 시도$/);
    expect(screen.getByTestId('claim-error').textContent).toMatch(/요청이 너무 많아요\. [12]초 후에/);
    await flush(2100);
    expect(button().disabled).toBe(false);
    expect(button().textContent).toBe('다시 시도');
    fireEvent.click(button());
    await flush(10);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect(screen.getByTestId('golden-state').textContent).toBe('수령 완료');
    expect(screen.getByTestId('wallet-diamonds').textContent).toBe('100');
    // the stamp count is the server's (GET /api/me after the claim), not computed in the client
    expect(screen.getByTestId('wallet').textContent).toContain('(1 스탬프)');
  });
});
