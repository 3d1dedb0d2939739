// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App, visibleTabs, type Session } from './App';
import type { Mission } from './api';
import { countdownTarget, shownStatus } from './missionState';
import { formatCountdown } from './serverClock';
import { goldenMission, json, kstMs } from './testing';

/**
 * A fake server whose clock is 2026-11-27 KST while the phone's clock says 2030 in another
 * zone: everything the card shows must come from the server's time.
 */
const PHONE_START = Date.parse('2030-06-01T03:00:00Z');
function fakeServer(serverStart: number) {
  const serverNow = () => serverStart + (Date.now() - PHONE_START);
  const calls: string[] = [];
  let toastShown = false;
  const status = (m: Mission, at: number): Mission => {
    const open = at >= kstMs('21:30:00') && at < kstMs('22:30:01');
    if (open) return { ...m, status: 'active', isLocked: false };
    const next = at >= kstMs('22:30:01');
    const opensAt = new Date(kstMs('21:30:00', next ? '2026-11-28' : '2026-11-27')).toISOString();
    const closesAt = new Date(kstMs('22:30:01', next ? '2026-11-28' : '2026-11-27')).toISOString();
    return { ...m, status: 'locked', isLocked: true, window: { ...m.window!, opensAt, closesAt } };
  };
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const method = init?.method ?? 'GET';
    calls.push(`${method} ${url}@${new Date(serverNow()).toISOString()}`);
    const now = serverNow();
    if (url === '/api/time') return json({ serverTime: new Date(now).toISOString(), local: '', tz: 'Asia/Seoul', clockGuard: 'off' });
    if (url === '/api/me') return json({ user: { id: 1 }, diamonds: 0, xp: 0, stamps: 0, tickets: 0, vaultPoints: 0, isAdmin: false });
    if (url === '/api/mission') return json({ serverTime: new Date(now).toISOString(), missions: [status(goldenMission(), now)] });
    if (url === '/api/toast/golden') {
      const open = now >= kstMs('21:30:00') && now < kstMs('22:30:01');
      return json({ show: open && !toastShown });
    }
    if (url === '/api/toast/golden/seen') {
      toastShown = true;
      return json({ recorded: true });
    }
    return json({ code: 'NOT_FOUND' }, 404);
  }) as typeof fetch;
  return { fetchImpl, calls, serverNow };
}

const session: Session = { initData: 'user=%7B%22id%22%3A1%7D&hash=x', devMode: false, preview: false, lang: 'ko' };

async function flush(ms = 0) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

describe('golden-hour card on server time', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: PHONE_START, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it('counts down to 21:30:00 from the server offset, not from the phone clock', async () => {
    const srv = fakeServer(kstMs('21:29:50'));
    render(<App session={session} fetchImpl={srv.fetchImpl} />);
    await flush(10);
    expect(screen.getByTestId('golden-card').dataset.status).toBe('locked');
    expect(screen.getByTestId('golden-state').textContent).toBe('준비 중');
    expect(screen.getByTestId('countdown').textContent).toBe('00:00:10');
    await flush(3000);
    expect(screen.getByTestId('countdown').textContent).toBe('00:00:07');
  });

  it('flips to 진행 중 at 21:30:00 without a reload, re-fetches, shows the toast once and the HOT badge', async () => {
    const srv = fakeServer(kstMs('21:29:58'));
    render(<App session={session} fetchImpl={srv.fetchImpl} />);
    await flush(10);
    expect(screen.getByTestId('golden-state').textContent).toBe('준비 중');
    expect(screen.queryByTestId('hot-badge')).toBeNull();
    const fetchesBefore = srv.calls.filter((c) => c.startsWith('GET /api/mission')).length;
    await flush(1000); // 21:29:59.01
    expect(screen.getByTestId('golden-state').textContent).toBe('준비 중');
    await flush(1000); // 21:30:00.01
    expect(screen.getByTestId('golden-state').textContent).toBe('진행 중');
    expect(screen.getByTestId('hot-badge')).toBeTruthy();
    await flush(50);
    expect(srv.calls.filter((c) => c.startsWith('GET /api/mission')).length).toBeGreaterThan(fetchesBefore);
    expect(screen.getByTestId('toast').textContent).toContain('골든아워가 시작되었습니다! 지금 플레이하고 2배 보상을 받으세요');
    expect(srv.calls.some((c) => c.startsWith('POST /api/toast/golden/seen'))).toBe(true);
    expect(screen.getByTestId('countdown').textContent).toBe('01:00:01');
  });

  it('22:30:00 still counts (진행 중, 00:00:01 left); 22:30:01 is 준비 중 again', async () => {
    const srv = fakeServer(kstMs('22:29:59'));
    render(<App session={session} fetchImpl={srv.fetchImpl} />);
    await flush(10);
    expect(screen.getByTestId('golden-state').textContent).toBe('진행 중');
    await flush(1000); // 22:30:00.01
    expect(screen.getByTestId('golden-state').textContent).toBe('진행 중');
    expect(screen.getByTestId('countdown').textContent).toBe('00:00:01');
    const fetchesBefore = srv.calls.filter((c) => c.startsWith('GET /api/mission')).length;
    await flush(1000); // 22:30:01.01
    expect(screen.getByTestId('golden-state').textContent).toBe('준비 중');
    expect(screen.queryByTestId('hot-badge')).toBeNull();
    await flush(50);
    // re-fetched at the flip; counting to tomorrow's 21:30:00
    expect(srv.calls.filter((c) => c.startsWith('GET /api/mission')).length).toBeGreaterThan(fetchesBefore);
    expect(screen.getByTestId('countdown').textContent).toBe('22:59:59');
  });
});

describe('shownStatus and countdownTarget at the edges', () => {
  const m = goldenMission({ status: 'active' });
  it('21:29:59.999 is locked, 21:30:00.000 is open, 22:30:00.999 is open, 22:30:01.000 is locked', () => {
    const fetched = kstMs('21:31:00');
    expect(shownStatus(m, kstMs('21:30:00') - 1, fetched)).toBe('locked');
    expect(shownStatus(m, kstMs('21:30:00'), fetched)).toBe('active');
    expect(shownStatus(m, kstMs('22:30:01') - 1, fetched)).toBe('active');
    expect(shownStatus(m, kstMs('22:30:01'), fetched)).toBe('locked');
  });
  it('a mission the server locked while its window was open (flag, clock guard) stays locked', () => {
    const locked = goldenMission({ status: 'locked' });
    expect(shownStatus(locked, kstMs('21:40:00'), kstMs('21:35:00'))).toBe('locked');
    expect(shownStatus(locked, kstMs('21:30:00'), kstMs('21:29:59'))).toBe('active');
  });
  it('claimed stays claimed after the window closes', () => {
    expect(shownStatus(goldenMission({ status: 'claimed' }), kstMs('23:00:00'), kstMs('21:40:00'))).toBe('claimed');
  });
  it('counts to the opening, then to the exclusive close, then to tomorrow', () => {
    expect(countdownTarget(m.window!, kstMs('21:00:00'))).toEqual({ kind: 'opens', at: kstMs('21:30:00') });
    expect(countdownTarget(m.window!, kstMs('21:30:00'))).toEqual({ kind: 'closes', at: kstMs('22:30:01') });
    expect(countdownTarget(m.window!, kstMs('22:30:01'))).toEqual({ kind: 'opens', at: kstMs('21:30:00', '2026-11-28') });
    expect(formatCountdown(kstMs('22:30:01') - kstMs('21:30:00'))).toBe('01:00:01');
    expect(formatCountdown(200)).toBe('00:00:01');
    expect(formatCountdown(-5)).toBe('00:00:00');
  });
});

describe('rule: the 주간 and 신규 tabs are shown only when they hold missions', () => {
  const daily = goldenMission({ id: 2, logicKey: 'daily_play_10', category: 'DAILY', isGoldenHour: false, window: null });
  it('golden + daily missions only: no tab bar at all', () => {
    expect(visibleTabs([goldenMission(), daily])).toEqual([]);
  });
  it('a weekly mission brings the 일일 and 주간 tabs, a new-player mission the 신규 tab', () => {
    expect(visibleTabs([goldenMission(), { ...daily, id: 3, category: 'WEEKLY' }])).toEqual(['DAILY', 'WEEKLY']);
    expect(visibleTabs([daily, { ...daily, id: 4, category: 'NEW' }])).toEqual(['DAILY', 'NEW']);
  });
  it('the app renders no tablist for the seed missions', async () => {
    vi.useFakeTimers({ now: PHONE_START, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const srv = fakeServer(kstMs('21:40:00'));
    render(<App session={session} fetchImpl={srv.fetchImpl} />);
    await flush(10);
    expect(screen.getByTestId('golden-card')).toBeTruthy();
    expect(screen.queryByRole('tablist')).toBeNull();
    expect(screen.queryByText('주간')).toBeNull();
    cleanup();
    vi.useRealTimers();
  });
});
