/**
 * Telegram Mini App launch and bridge, without loading anything from the internet at run time.
 * Launch params come from the official `window.Telegram.WebApp` when a host page provides it,
 * else from `tgWebAppData` & co. in the URL hash (or query), which is how Telegram opens every
 * Mini App; they are kept in sessionStorage so a reload inside Telegram keeps the session.
 * Outgoing calls use the documented postEvent protocol (mobile proxy, desktop notify, web iframe).
 */
export interface TelegramUserLite {
  id: number;
  first_name?: string;
  username?: string;
  language_code?: string;
}

export interface LaunchParams {
  initDataRaw: string | null;
  user: TelegramUserLite | null;
  themeParams: Record<string, string>;
  platform: string;
  version: string;
}

const STORE_KEY = 'gh.launch';

type AnyWindow = Window & {
  Telegram?: { WebApp?: OfficialWebApp; WebView?: { receiveEvent?: (t: string, d: unknown) => void } };
  TelegramWebviewProxy?: { postEvent(type: string, data: string): void };
  external?: { notify?: (s: string) => void };
};

interface OfficialWebApp {
  initData?: string;
  platform?: string;
  version?: string;
  themeParams?: Record<string, string>;
  ready?: () => void;
  expand?: () => void;
  BackButton?: { show(): void; hide(): void; onClick(f: () => void): void; offClick(f: () => void): void };
  HapticFeedback?: { notificationOccurred(t: 'success' | 'error' | 'warning'): void; impactOccurred(s: string): void };
  onEvent?: (e: string, f: () => void) => void;
}

function parseUser(initDataRaw: string | null): TelegramUserLite | null {
  if (!initDataRaw) return null;
  try {
    const u = new URLSearchParams(initDataRaw).get('user');
    return u ? (JSON.parse(u) as TelegramUserLite) : null;
  } catch {
    return null;
  }
}

function parseTheme(raw: string | null): Record<string, string> {
  if (!raw) return {};
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    const out: Record<string, string> = {};
    for (const [k, c] of Object.entries(v)) if (typeof c === 'string' && /^#[0-9a-f]{3,8}$/i.test(c)) out[k] = c;
    return out;
  } catch {
    return {};
  }
}

/** Reads launch params from (in order) the official WebApp object, the URL, then the session cache. */
export function readLaunchParams(win: Window = window): LaunchParams {
  const w = win as AnyWindow;
  const official = w.Telegram?.WebApp;
  if (official?.initData) {
    return {
      initDataRaw: official.initData,
      user: parseUser(official.initData),
      themeParams: official.themeParams ?? {},
      platform: official.platform ?? 'unknown',
      version: official.version ?? '0',
    };
  }
  const fromUrl = new URLSearchParams(win.location.hash.replace(/^#/, ''));
  const query = new URLSearchParams(win.location.search);
  const pick = (k: string) => fromUrl.get(k) ?? query.get(k);
  const initDataRaw = pick('tgWebAppData');
  if (initDataRaw) {
    const lp: LaunchParams = {
      initDataRaw,
      user: parseUser(initDataRaw),
      themeParams: parseTheme(pick('tgWebAppThemeParams')),
      platform: pick('tgWebAppPlatform') ?? 'unknown',
      version: pick('tgWebAppVersion') ?? '0',
    };
    try {
      win.sessionStorage.setItem(STORE_KEY, JSON.stringify(lp));
    } catch {
      /* storage may be disabled */
    }
    return lp;
  }
  try {
    const cached = win.sessionStorage.getItem(STORE_KEY);
    if (cached) return JSON.parse(cached) as LaunchParams;
  } catch {
    /* ignore */
  }
  return { initDataRaw: null, user: null, themeParams: {}, platform: 'browser', version: '0' };
}

type Listener = (data: unknown) => void;
const listeners = new Map<string, Set<Listener>>();

function emit(type: string, data: unknown) {
  for (const f of listeners.get(type) ?? []) f(data);
}

function postEvent(type: string, data: Record<string, unknown> = {}) {
  const w = window as AnyWindow;
  try {
    if (w.TelegramWebviewProxy?.postEvent) w.TelegramWebviewProxy.postEvent(type, JSON.stringify(data));
    else if (typeof w.external?.notify === 'function') w.external.notify(JSON.stringify({ eventType: type, eventData: data }));
    else if (window.parent !== window) window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data }), 'https://web.telegram.org');
  } catch {
    /* outside Telegram nothing listens */
  }
}

let installed = false;
function installReceiver() {
  if (installed) return;
  installed = true;
  const w = window as AnyWindow;
  // mobile clients call window.Telegram.WebView.receiveEvent; web clients postMessage a JSON string
  w.Telegram = w.Telegram ?? {};
  if (!w.Telegram.WebApp) w.Telegram.WebView = { ...(w.Telegram.WebView ?? {}), receiveEvent: emit };
  window.addEventListener('message', (e) => {
    if (typeof e.data !== 'string') return;
    try {
      const m = JSON.parse(e.data) as { eventType?: string; eventData?: unknown };
      if (m.eventType && listeners.has(m.eventType)) emit(m.eventType, m.eventData);
    } catch {
      /* not ours */
    }
  });
}

function on(type: string, f: Listener): () => void {
  installReceiver();
  let set = listeners.get(type);
  if (!set) listeners.set(type, (set = new Set()));
  set.add(f);
  return () => set!.delete(f);
}

const THEME_VARS: Record<string, string> = {
  bg_color: '--tg-bg',
  secondary_bg_color: '--tg-bg2',
  section_bg_color: '--tg-card',
  text_color: '--tg-text',
  hint_color: '--tg-hint',
  link_color: '--tg-link',
  button_color: '--tg-button',
  button_text_color: '--tg-button-text',
  destructive_text_color: '--tg-danger',
};

export function applyTheme(theme: Record<string, string>, root: HTMLElement = document.documentElement) {
  for (const [k, v] of Object.entries(theme)) {
    const name = THEME_VARS[k];
    if (name) root.style.setProperty(name, v);
  }
  if (theme.bg_color) {
    // pick light or dark defaults for what the theme does not give
    const hex = theme.bg_color.replace('#', '');
    const n = parseInt(hex.length === 3 ? hex.replace(/./g, '$&$&') : hex.slice(0, 6), 16);
    const lum = ((n >> 16) & 255) * 0.299 + ((n >> 8) & 255) * 0.587 + (n & 255) * 0.114;
    root.dataset.scheme = lum > 150 ? 'light' : 'dark';
  }
}

/** The few Telegram features the app uses, through the official object when present. */
export const tg = {
  init(lp: LaunchParams) {
    const official = (window as AnyWindow).Telegram?.WebApp;
    applyTheme(lp.themeParams);
    if (official) {
      official.ready?.();
      official.expand?.();
      official.onEvent?.('themeChanged', () => applyTheme(official.themeParams ?? {}));
      return;
    }
    if (!lp.initDataRaw) return;
    on('theme_changed', (d) => applyTheme(((d as { theme_params?: Record<string, string> })?.theme_params) ?? {}));
    postEvent('web_app_ready');
    postEvent('web_app_expand');
  },
  /** Shows Telegram's back button while `handler` is set; returns the cleanup. */
  backButton(handler: () => void): () => void {
    const official = (window as AnyWindow).Telegram?.WebApp?.BackButton;
    if (official) {
      official.onClick(handler);
      official.show();
      return () => {
        official.offClick(handler);
        official.hide();
      };
    }
    const off = on('back_button_pressed', handler);
    postEvent('web_app_setup_back_button', { is_visible: true });
    return () => {
      off();
      postEvent('web_app_setup_back_button', { is_visible: false });
    };
  },
  haptic(kind: 'success' | 'error' | 'warning') {
    const official = (window as AnyWindow).Telegram?.WebApp?.HapticFeedback;
    if (official) official.notificationOccurred(kind);
    else postEvent('web_app_trigger_haptic_feedback', { type: 'notification', notification_type: kind });
  },
};
