// @vitest-environment jsdom
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { haptic, mainButtonAvailable, offerHomeScreenOnce, readLaunch, setMainButton, shareSupport, showBackButton, startTelegram } from './miniApp';
import { fakeTelegramClient, launchHash } from './testing.telegram';

/** The same bridge on an older client (Bot API 7.0, Android): what 7.0 lacks is not offered. */
const initData = 'user=%7B%22id%22%3A1002%2C%22first_name%22%3A%22Old%22%7D&auth_date=1700000000&signature=sig&hash=abc';

describe('rule: every Telegram feature is feature-detected by the client version (7.0 client)', () => {
  const client = fakeTelegramClient(window, { safeArea: { top: 47, bottom: 34 } });
  beforeAll(() => {
    window.location.hash = launchHash({ initData, version: '7.0', platform: 'android' });
    startTelegram(readLaunch());
  });

  it('no full screen and no safe-area requests before 8.0; the viewport still binds', async () => {
    await vi.waitFor(() => expect(document.documentElement.style.getPropertyValue('--tg-viewport-height')).toMatch(/px$/));
    expect(client.of('web_app_request_fullscreen')).toEqual([]);
    expect(client.of('web_app_request_safe_area')).toEqual([]);
    expect(client.of('web_app_request_content_safe_area')).toEqual([]);
    expect(document.documentElement.style.getPropertyValue('--tg-viewport-safe-area-inset-top')).toBe('0px');
  });

  it('no share and no home-screen shortcut before 7.8 / 8.0: hidden, nothing posted', async () => {
    expect(shareSupport()).toEqual({ message: false, story: false });
    const storage = { getItem: () => null, setItem: vi.fn() };
    expect(await offerHomeScreenOnce(storage)).toBe(false);
    expect(storage.setItem).not.toHaveBeenCalled();
    expect(client.of('web_app_add_to_home_screen')).toEqual([]);
    expect(client.of('web_app_check_home_screen')).toEqual([]);
  });

  it('the main button, back button and haptics (6.1+) still work', () => {
    expect(mainButtonAvailable()).toBe(true);
    const onClick = vi.fn();
    setMainButton({ text: '보상 받기', busy: false, onClick });
    client.emit('main_button_pressed');
    expect(onClick).toHaveBeenCalledTimes(1);
    const onBack = vi.fn();
    showBackButton(onBack);
    client.emit('back_button_pressed');
    expect(onBack).toHaveBeenCalledTimes(1);
    haptic('error');
    expect(client.of('web_app_trigger_haptic_feedback').at(-1)).toEqual({ type: 'notification', notification_type: 'error' });
  });
});
