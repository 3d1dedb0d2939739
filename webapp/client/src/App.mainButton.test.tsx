// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/preact';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { App, startSession } from './App';
import { goldenMission, json } from './testing';
import { fakeTelegramClient, launchHash } from './testing.telegram';

/**
 * The claim through Telegram's main button, in the app: the button appears when the golden
 * mission is claimable, spins while the request runs, and goes away after; the card shows no
 * button of its own. A Bot API 8.0 client (the SDK via the mobile protocol).
 */
const initData = 'user=%7B%22id%22%3A1001%2C%22first_name%22%3A%22A%22%2C%22language_code%22%3A%22ko%22%7D&auth_date=1700000000&signature=s&hash=h';

describe('rule: the claim is the main button when a mission can be claimed', () => {
  const client = fakeTelegramClient(window);
  let release: () => void = () => {};
  let claimed = false;
  let claimCalls = 0;
  const fetchImpl = (async (input: RequestInfo | URL) => {
    const url = String(input);
    const now = new Date().toISOString();
    if (url === '/api/time') return json({ serverTime: now, local: '', tz: 'Asia/Seoul', clockGuard: 'off' });
    if (url === '/api/me') return json({ user: { id: 1001 }, diamonds: claimed ? 100 : 0, xp: 0, stamps: 0, tickets: 0, vaultPoints: 0, isAdmin: false });
    if (url === '/api/mission') {
      const open = goldenMission({ status: claimed ? 'claimed' : 'completed', progress: 3, isLocked: false });
      return json({ serverTime: now, missions: [{ ...open, window: { ...open.window!, opensAt: new Date(Date.now() - 60_000).toISOString(), closesAt: new Date(Date.now() + 3_600_000).toISOString() } }] });
    }
    if (url.endsWith('/claim')) {
      claimCalls++;
      await new Promise<void>((r) => (release = r));
      claimed = true;
      return json({ missionId: 1, periodKey: '2026-11-27', rewards: { diamonds: 100, xp: 500, tickets: 1 }, balances: { diamonds: 100, xp: 500, tickets: 1, vaultPoints: 0 }, claimedAt: now });
    }
    if (url === '/api/share/golden') return json({ preparedMessageId: 'p-1', link: 'https://t.me/b?start=golden' });
    return json({ show: false });
  }) as typeof fetch;

  beforeAll(() => {
    window.location.hash = launchHash({ initData, version: '8.0', platform: 'ios' });
  });
  afterAll(cleanup);

  it('shows 보상 받기 with the rewards on the main button, spins during the request, then hides; the card has no button', async () => {
    const session = await startSession(window, (async () => json({ code: 'NOT_FOUND' }, 404)) as unknown as typeof fetch);
    expect(session).toMatchObject({ initData, preview: false, lang: 'ko' });
    render(<App session={session!} fetchImpl={fetchImpl} />);
    const last = () => client.of('web_app_setup_main_button').at(-1);
    await vi.waitFor(() => expect(last()).toMatchObject({ is_visible: true, is_active: true, text: '보상 받기 · 💎 100 · XP 500 · 🎟️ 1' }));
    expect(screen.queryByTestId('claim-golden_hour_play_3')).toBeNull();
    expect(screen.getByTestId('claim-below-golden_hour_play_3').textContent).toBe('아래 버튼을 눌러 보상을 받으세요');
    await act(async () => client.emit('main_button_pressed'));
    await vi.waitFor(() => expect(last()).toMatchObject({ is_visible: true, is_active: false, is_progress_visible: true }));
    client.emit('main_button_pressed'); // a second press while busy claims nothing more
    await act(async () => release());
    await vi.waitFor(() => expect(screen.getByTestId('golden-card').dataset.status).toBe('claimed'));
    expect(claimCalls).toBe(1);
    await vi.waitFor(() => expect(last()).toMatchObject({ is_visible: false }));
    expect(client.of('web_app_trigger_haptic_feedback')).toContainEqual({ type: 'notification', notification_type: 'success' });
    await vi.waitFor(() => expect(screen.getByTestId('share-message')).toBeTruthy());
    expect(screen.getByTestId('share-story')).toBeTruthy();
  });
});
