// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { App, startSession } from './App';
import { goldenMission, json } from './testing';
import { launchHash } from './testing.telegram';

/**
 * Launch params but no Telegram client listening (a launch URL opened in a plain browser tab):
 * the SDK cannot post to a main button, so the card keeps its own claim button.
 */
const initData = 'user=%7B%22id%22%3A1003%2C%22first_name%22%3A%22B%22%7D&auth_date=1700000000&signature=s&hash=h';

describe('rule: without a Telegram client to draw it, the claim falls back to the in-page button', () => {
  afterAll(cleanup);
  it('shows 보상 받기 in the card and claims from there', async () => {
    window.location.hash = launchHash({ initData, version: '8.0', platform: 'ios' });
    let claims = 0;
    const fetchImpl = (async (input: RequestInfo | URL) => {
      const url = String(input);
      const now = new Date().toISOString();
      if (url === '/api/time') return json({ serverTime: now, local: '', tz: 'Asia/Seoul', clockGuard: 'off' });
      if (url === '/api/me') return json({ user: { id: 1003 }, diamonds: 0, xp: 0, stamps: 0, tickets: 0, vaultPoints: 0, isAdmin: false });
      if (url === '/api/mission') {
        const m = goldenMission({ status: 'completed', progress: 3, isLocked: false });
        return json({ serverTime: now, missions: [{ ...m, window: { ...m.window!, opensAt: new Date(Date.now() - 60_000).toISOString(), closesAt: new Date(Date.now() + 3_600_000).toISOString() } }] });
      }
      if (url.endsWith('/claim')) {
        claims++;
        return json({ code: 'ALREADY_CLAIMED' }, 409);
      }
      return json({ show: false });
    }) as typeof fetch;
    const session = await startSession(window, (async () => json({ code: 'NOT_FOUND' }, 404)) as unknown as typeof fetch);
    expect(session?.initData).toBe(initData);
    render(<App session={session!} fetchImpl={fetchImpl} />);
    const button = await vi.waitFor(() => screen.getByTestId('claim-golden_hour_play_3'));
    expect(button.textContent).toBe('보상 받기');
    expect(screen.queryByTestId('claim-below-golden_hour_play_3')).toBeNull();
    fireEvent.click(button);
    await vi.waitFor(() => expect(claims).toBe(1));
  });
});
