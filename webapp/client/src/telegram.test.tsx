// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startSession } from './App';
import { json } from './testing';
import { applyTheme, readLaunchParams, tg } from './telegram';

const initData = 'query_id=AA&user=%7B%22id%22%3A1001%2C%22first_name%22%3A%22%EB%AF%BC%EC%88%98%22%2C%22language_code%22%3A%22en%22%7D&auth_date=1700000000&hash=abc';

function fakeWindow(hash: string, search = ''): Window {
  const store = new Map<string, string>();
  return {
    location: { hash, search } as Location,
    sessionStorage: { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) } as Storage,
  } as unknown as Window;
}

afterEach(() => {
  delete (window as { TelegramWebviewProxy?: unknown }).TelegramWebviewProxy;
  document.documentElement.removeAttribute('style');
});

describe('launch params', () => {
  it('reads tgWebAppData, the user and the theme from the URL hash, and keeps them for a reload', () => {
    const theme = encodeURIComponent(JSON.stringify({ bg_color: '#ffffff', text_color: '#000000', evil: 'url(x)' }));
    const w = fakeWindow(`#tgWebAppData=${encodeURIComponent(initData)}&tgWebAppVersion=8.0&tgWebAppPlatform=ios&tgWebAppThemeParams=${theme}`);
    const lp = readLaunchParams(w);
    expect(lp.initDataRaw).toBe(initData);
    expect(lp.user).toMatchObject({ id: 1001, first_name: '민수', language_code: 'en' });
    expect(lp.themeParams).toEqual({ bg_color: '#ffffff', text_color: '#000000' });
    expect(lp.platform).toBe('ios');
    // Telegram's reload drops the hash: the session copy is used
    (w.location as { hash: string }).hash = '';
    expect(readLaunchParams(w).initDataRaw).toBe(initData);
  });

  it('without launch params there is no init data', () => {
    expect(readLaunchParams(fakeWindow('')).initDataRaw).toBeNull();
  });

  it('applies the Telegram theme as CSS variables and picks light or dark', () => {
    applyTheme({ bg_color: '#ffffff', button_color: '#3390ec' });
    const s = document.documentElement.style;
    expect(s.getPropertyValue('--tg-bg')).toBe('#ffffff');
    expect(s.getPropertyValue('--tg-button')).toBe('#3390ec');
    expect(document.documentElement.dataset.scheme).toBe('light');
  });

  it('shows the back button through the mobile bridge and calls the handler on back_button_pressed', () => {
    const posted: Array<[string, string]> = [];
    (window as unknown as { TelegramWebviewProxy: unknown }).TelegramWebviewProxy = { postEvent: (t: string, d: string) => posted.push([t, d]) };
    const onBack = vi.fn();
    const off = tg.backButton(onBack);
    expect(posted).toContainEqual(['web_app_setup_back_button', '{"is_visible":true}']);
    (window as unknown as { Telegram: { WebView: { receiveEvent(t: string, d: unknown): void } } }).Telegram.WebView.receiveEvent('back_button_pressed', null);
    expect(onBack).toHaveBeenCalledTimes(1);
    off();
    expect(posted).toContainEqual(['web_app_setup_back_button', '{"is_visible":false}']);
    tg.haptic('success');
    expect(posted).toContainEqual(['web_app_trigger_haptic_feedback', '{"type":"notification","notification_type":"success"}']);
  });
});

describe('session: Telegram, dev preview, or "open from Telegram"', () => {
  const answer = (status: number) => (async () => (status === 200 ? json({ initData: 'signed-by-dev', user: { id: 1001, languageCode: 'ko' }, isAdmin: true }) : json({ code: status === 404 ? 'NOT_FOUND' : 'FORBIDDEN' }, status))) as unknown as typeof fetch;

  it('outside Telegram without DEV_MODE: no session (the app shows the open-from-Telegram page)', async () => {
    expect(await startSession(fakeWindow(''), answer(404))).toBeNull();
  });
  it('outside Telegram with a real BOT_TOKEN (dev login refused): no session either', async () => {
    expect(await startSession(fakeWindow(''), answer(403))).toBeNull();
  });
  it('outside Telegram in DEV_MODE: the dev signer logs in and the preview ribbon is on', async () => {
    expect(await startSession(fakeWindow(''), answer(200))).toEqual({ initData: 'signed-by-dev', devMode: true, preview: true, lang: 'ko' });
  });
  it('inside Telegram: Telegram init data is used, language from the user, dev tools only with DEV_MODE', async () => {
    const w = fakeWindow(`#tgWebAppData=${encodeURIComponent(initData)}`);
    expect(await startSession(w, answer(404))).toEqual({ initData, devMode: false, preview: false, lang: 'en' });
    expect(await startSession(w, answer(403))).toMatchObject({ initData, devMode: true, preview: false });
  });
});
