/**
 * A stand-in for the Telegram client around the page (not bundled: only tests import this).
 * Telegram's mobile apps expose `window.TelegramWebviewProxy.postEvent(type, json)` and answer
 * through `window.Telegram.WebView.receiveEvent(type, data)`; this records what the app posts
 * and answers the requests @tma.js/sdk waits for, as a real client of that version would.
 */
export interface Posted {
  type: string;
  data: Record<string, unknown>;
}

export function launchHash(o: { initData: string; version: string; platform?: string; theme?: Record<string, string> }): string {
  const p = new URLSearchParams({ tgWebAppData: o.initData, tgWebAppVersion: o.version, tgWebAppPlatform: o.platform ?? 'ios' });
  if (o.theme) p.set('tgWebAppThemeParams', JSON.stringify(o.theme));
  return `#${p.toString()}`;
}

type W = Window & { TelegramWebviewProxy?: unknown; Telegram?: { WebView?: { receiveEvent?: (t: string, d?: unknown) => void } } };

export function fakeTelegramClient(win: Window = window, o: { safeArea?: { top: number; bottom: number }; contentSafeArea?: { top: number }; homeScreen?: string } = {}) {
  const posted: Posted[] = [];
  const w = win as W;
  const emit = (type: string, data?: unknown) => w.Telegram?.WebView?.receiveEvent?.(type, data);
  const later = (type: string, data?: unknown) => setTimeout(() => emit(type, data), 0);
  w.TelegramWebviewProxy = {
    postEvent(type: string, json: string) {
      const data = (json ? JSON.parse(json) : {}) as Record<string, unknown>;
      posted.push({ type, data });
      if (type === 'web_app_request_viewport') later('viewport_changed', { height: win.innerHeight, width: win.innerWidth, is_expanded: true, is_state_stable: true });
      if (type === 'web_app_request_safe_area') later('safe_area_changed', { top: o.safeArea?.top ?? 0, bottom: o.safeArea?.bottom ?? 0, left: 0, right: 0 });
      if (type === 'web_app_request_content_safe_area') later('content_safe_area_changed', { top: o.contentSafeArea?.top ?? 0, bottom: 0, left: 0, right: 0 });
      if (type === 'web_app_request_fullscreen') later('fullscreen_changed', { is_fullscreen: true });
      if (type === 'web_app_check_home_screen') later('home_screen_checked', { status: o.homeScreen ?? 'missed' });
    },
  };
  return { posted, emit, of: (type: string) => posted.filter((p) => p.type === type).map((p) => p.data) };
}
