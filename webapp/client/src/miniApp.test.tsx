// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSession } from './App';
import { haptic, mainButtonAvailable, offerHomeScreenOnce, readLaunch, setMainButton, shareSupport, showBackButton, startTelegram } from './miniApp';
import { json } from './testing';
import { fakeTelegramClient, launchHash } from './testing.telegram';

/**
 * The Telegram bridge is @tma.js/sdk: these tests drive it through the mobile protocol exactly
 * as Telegram's apps do (postEvent out, receiveEvent in), on a Bot API 8.0 client.
 * miniApp.old.test.tsx runs the same app on a 6.9 client.
 */
const initData = 'query_id=AA&user=%7B%22id%22%3A1001%2C%22first_name%22%3A%22%EB%AF%BC%EC%88%98%22%2C%22language_code%22%3A%22en%22%7D&auth_date=1700000000&signature=sig&hash=abc';
const theme = { bg_color: '#ffffff', text_color: '#000000', button_color: '#3390ec' };

describe('launch and bridge through @tma.js/sdk on a Bot API 8.0 client', () => {
  const client = fakeTelegramClient(window, { safeArea: { top: 47, bottom: 34 }, contentSafeArea: { top: 46 } });
  beforeAll(() => {
    window.location.hash = launchHash({ initData, version: '8.0', platform: 'ios', theme });
    startTelegram(readLaunch());
  });

  it('reads tgWebAppData, the user language, platform and version from the URL hash, and keeps them for a reload', () => {
    expect(readLaunch()).toEqual({ initDataRaw: initData, languageCode: 'en', platform: 'ios', version: '8.0', startParam: undefined });
    // Telegram's reload drops the hash: the SDK's session copy is used
    history.replaceState(null, '', window.location.pathname);
    expect(readLaunch()?.initDataRaw).toBe(initData);
  });

  it('tells Telegram it is ready, applies the theme as --tg-theme-* variables and picks light or dark', () => {
    expect(client.of('web_app_ready')).toHaveLength(1);
    const s = document.documentElement.style;
    expect(s.getPropertyValue('--tg-theme-bg-color')).toBe('#ffffff');
    expect(s.getPropertyValue('--tg-theme-button-color')).toBe('#3390ec');
    expect(document.documentElement.dataset.scheme).toBe('light');
    client.emit('theme_changed', { theme_params: { bg_color: '#17212b', text_color: '#f5f5f5' } });
    expect(s.getPropertyValue('--tg-theme-bg-color')).toBe('#17212b');
    expect(document.documentElement.dataset.scheme).toBe('dark');
  });

  it('a phone goes full screen and the safe areas (system bars + Telegram buttons) become --tg-viewport-* variables', async () => {
    await vi.waitFor(() => expect(client.of('web_app_request_fullscreen')).toHaveLength(1));
    const s = document.documentElement.style;
    await vi.waitFor(() => expect(s.getPropertyValue('--tg-viewport-safe-area-inset-top')).toBe('47px'));
    expect(s.getPropertyValue('--tg-viewport-safe-area-inset-bottom')).toBe('34px');
    expect(s.getPropertyValue('--tg-viewport-content-safe-area-inset-top')).toBe('46px');
    client.emit('safe_area_changed', { top: 20, bottom: 0, left: 0, right: 0 });
    expect(s.getPropertyValue('--tg-viewport-safe-area-inset-top')).toBe('20px');
  });

  it('shows the back button and calls the handler on back_button_pressed; haptics go through Telegram', () => {
    const onBack = vi.fn();
    const off = showBackButton(onBack);
    expect(client.of('web_app_setup_back_button').at(-1)).toEqual({ is_visible: true });
    client.emit('back_button_pressed');
    expect(onBack).toHaveBeenCalledTimes(1);
    off();
    expect(client.of('web_app_setup_back_button').at(-1)).toEqual({ is_visible: false });
    client.emit('back_button_pressed');
    expect(onBack).toHaveBeenCalledTimes(1);
    haptic('success');
    expect(client.of('web_app_trigger_haptic_feedback').at(-1)).toEqual({ type: 'notification', notification_type: 'success' });
  });

  it('the main button shows the claim, spins while busy (presses ignored), and hides', () => {
    expect(mainButtonAvailable()).toBe(true);
    const onClick = vi.fn();
    setMainButton({ text: 'Claim · 💎 100', busy: false, onClick });
    expect(client.of('web_app_setup_main_button').at(-1)).toMatchObject({ is_visible: true, is_active: true, is_progress_visible: false, text: 'Claim · 💎 100' });
    client.emit('main_button_pressed');
    expect(onClick).toHaveBeenCalledTimes(1);
    setMainButton({ text: 'Claim · 💎 100', busy: true, onClick });
    expect(client.of('web_app_setup_main_button').at(-1)).toMatchObject({ is_visible: true, is_active: false, is_progress_visible: true });
    client.emit('main_button_pressed');
    expect(onClick).toHaveBeenCalledTimes(1);
    setMainButton(null);
    expect(client.of('web_app_setup_main_button').at(-1)).toMatchObject({ is_visible: false });
    client.emit('main_button_pressed');
    expect(onClick).toHaveBeenCalledTimes(1);
  });

  it('8.0 offers both shares and the home-screen shortcut once (not again, not when already added)', async () => {
    expect(shareSupport()).toEqual({ message: true, story: true });
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    expect(await offerHomeScreenOnce(storage)).toBe(true);
    expect(client.of('web_app_check_home_screen')).toHaveLength(1);
    expect(client.of('web_app_add_to_home_screen')).toHaveLength(1);
    expect(await offerHomeScreenOnce(storage)).toBe(false);
    expect(client.of('web_app_add_to_home_screen')).toHaveLength(1);
  });
});

describe('session: Telegram, dev preview, or "open from Telegram"', () => {
  afterEach(() => vi.restoreAllMocks());
  const bare = { location: { search: '', hash: '' } } as unknown as Window;
  const answer = (status: number) => (async () => (status === 200 ? json({ initData: 'signed-by-dev', user: { id: 1001, languageCode: 'ko' }, isAdmin: true }) : json({ code: status === 404 ? 'NOT_FOUND' : 'FORBIDDEN' }, status))) as unknown as typeof fetch;
  const launch = { initDataRaw: initData, languageCode: 'en', platform: 'ios', version: '8.0' };

  it('outside Telegram without DEV_MODE: no session (the app shows the open-from-Telegram page)', async () => {
    expect(await startSession(bare, answer(404), null)).toBeNull();
  });
  it('outside Telegram with a real BOT_TOKEN (dev login refused): no session either', async () => {
    expect(await startSession(bare, answer(403), null)).toBeNull();
  });
  it('outside Telegram in DEV_MODE: the dev signer logs in and the preview ribbon is on', async () => {
    expect(await startSession(bare, answer(200), null)).toEqual({ initData: 'signed-by-dev', devMode: true, preview: true, lang: 'ko', renew: expect.any(Function) });
  });
  it('inside Telegram: Telegram init data is used, language from the user, dev tools only with DEV_MODE', async () => {
    expect(await startSession(bare, answer(404), launch)).toEqual({ initData, devMode: false, preview: false, lang: 'en', renew: expect.any(Function) });
    expect(await startSession(bare, answer(403), launch)).toMatchObject({ initData, devMode: true, preview: false });
  });
  it('renewing expired init data: inside Telegram the launch params are read again, in the dev preview the dev signer logs in again', async () => {
    const relaunch = vi.fn(() => ({ ...launch, initDataRaw: 'fresh-from-telegram' }));
    const tg = await startSession(bare, answer(404), launch, relaunch);
    expect(await tg!.renew!()).toBe('fresh-from-telegram');
    expect(relaunch).toHaveBeenCalledTimes(1);
    const gone = await startSession(bare, answer(404), launch, () => null);
    expect(await gone!.renew!()).toBeNull();
    let logins = 0;
    const devFetch = (async () => json({ initData: `signed-by-dev-${++logins}`, user: { id: 1001, languageCode: 'ko' }, isAdmin: true })) as unknown as typeof fetch;
    const dev = await startSession(bare, devFetch, null);
    expect(dev!.initData).toBe('signed-by-dev-1');
    expect(await dev!.renew!()).toBe('signed-by-dev-2');
  });
});
