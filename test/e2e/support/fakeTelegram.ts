/**
 * A stand-in for the Telegram app around the Mini App page in Chromium (no Telegram client can
 * run here). Telegram's mobile apps expose `window.TelegramWebviewProxy.postEvent(type, json)`
 * and answer through `window.Telegram.WebView.receiveEvent(type, data)`; this init script
 * records every call in `window.__tg.posted`, answers the requests @tma.js/sdk waits for, and
 * draws the phone's system bars and Telegram's full-screen buttons over the page (where a real
 * phone has them) so screenshots show whether anything sits under them.
 *
 * Mirrors webapp/client/src/testing.telegram.ts (the unit tests' copy), as plain browser JS.
 */
export interface FakeTelegramOptions {
  /** system bars (status bar, home indicator) in CSS px */
  safeArea: { top: number; bottom: number };
  /** Telegram's own buttons over the content in full screen */
  contentSafeArea: { top: number };
  homeScreen?: 'missed' | 'added' | 'unsupported';
}

export function fakeTelegramScript(o: FakeTelegramOptions): string {
  return `(() => {
  const o = ${JSON.stringify(o)};
  const posted = [];
  let fullscreen = false;
  const emit = (type, data) => window.Telegram && window.Telegram.WebView && window.Telegram.WebView.receiveEvent && window.Telegram.WebView.receiveEvent(type, data);
  const later = (type, data) => setTimeout(() => emit(type, data), 5);
  const insets = (top, bottom) => ({ top, bottom, left: 0, right: 0 });
  window.__tg = { posted, emit, of: (t) => posted.filter((p) => p.type === t).map((p) => p.data) };
  window.TelegramWebviewProxy = {
    postEvent(type, json) {
      const data = json ? JSON.parse(json) : {};
      posted.push({ type, data });
      if (type === 'web_app_request_viewport') later('viewport_changed', { height: innerHeight, width: innerWidth, is_expanded: true, is_state_stable: true });
      if (type === 'web_app_request_safe_area') later('safe_area_changed', fullscreen ? insets(o.safeArea.top, o.safeArea.bottom) : insets(0, o.safeArea.bottom));
      if (type === 'web_app_request_content_safe_area') later('content_safe_area_changed', fullscreen ? insets(o.contentSafeArea.top, 0) : insets(0, 0));
      if (type === 'web_app_request_fullscreen') {
        fullscreen = true;
        bars();
        later('fullscreen_changed', { is_fullscreen: true });
        later('safe_area_changed', insets(o.safeArea.top, o.safeArea.bottom));
        later('content_safe_area_changed', insets(o.contentSafeArea.top, 0));
      }
      if (type === 'web_app_check_home_screen') later('home_screen_checked', { status: o.homeScreen || 'missed' });
    },
  };
  // what the phone draws over a full-screen Mini App: status bar, Telegram's close/menu pill, home indicator
  function bars() {
    const draw = () => {
      if (document.getElementById('fake-system-bars')) return;
      const root = document.createElement('div');
      root.id = 'fake-system-bars';
      root.setAttribute('aria-hidden', 'true');
      const bar = (css, html) => { const d = document.createElement('div'); d.style.cssText = 'position:fixed;left:0;right:0;z-index:2147483647;pointer-events:none;display:flex;align-items:center;justify-content:space-between;padding:0 18px;font:600 14px system-ui;color:#fff;' + css; d.innerHTML = html; root.appendChild(d); };
      bar('top:0;height:' + o.safeArea.top + 'px;background:rgba(255,0,80,.35);', '<span>9:41</span><span>▂▄▆ 100%</span>');
      bar('top:' + o.safeArea.top + 'px;height:' + o.contentSafeArea.top + 'px;background:rgba(0,120,255,.30);', '<span style="background:rgba(0,0,0,.5);border-radius:14px;padding:4px 12px">✕ Close</span><span style="background:rgba(0,0,0,.5);border-radius:14px;padding:4px 12px">⌄ ⋯</span>');
      bar('bottom:0;height:' + o.safeArea.bottom + 'px;background:rgba(255,0,80,.35);justify-content:center;', '<span style="width:134px;height:5px;border-radius:3px;background:#fff"></span>');
      document.body.appendChild(root);
    };
    if (document.body) draw(); else document.addEventListener('DOMContentLoaded', draw);
  }
})();`;
}
