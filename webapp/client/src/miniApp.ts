/**
 * Telegram's side of the Mini App, through @tma.js/sdk (docs/miniapp.md): launch params, theme
 * and viewport as CSS variables, safe areas and full screen, the back and main buttons, haptics,
 * share and the home-screen shortcut. Every feature asks the SDK `isAvailable()` first — the SDK
 * knows which Bot API version (`tgWebAppVersion`) brought each method — so an older Telegram,
 * or a plain browser in dev preview, simply goes without it. Nothing here throws.
 */
import {
  addToHomeScreen,
  backButton,
  checkHomeScreenStatus,
  hapticFeedback,
  init,
  mainButton,
  miniApp,
  retrieveLaunchParams,
  retrieveRawInitData,
  shareMessage,
  shareStory,
  themeParams,
  viewport,
} from '@tma.js/sdk';

export interface LaunchInfo {
  initDataRaw: string;
  languageCode?: string;
  platform: string;
  /** the client's Bot API version, e.g. "8.0" */
  version: string;
  startParam?: string;
}

/**
 * Launch params from wherever Telegram put them (URL hash, the navigation entry after a
 * redirect, the SDK's session copy after a reload); null outside Telegram.
 */
export function readLaunch(): LaunchInfo | null {
  try {
    const lp = retrieveLaunchParams();
    const initDataRaw = retrieveRawInitData();
    if (!initDataRaw) return null;
    return {
      initDataRaw,
      languageCode: lp.tgWebAppData?.user?.language_code,
      platform: lp.tgWebAppPlatform,
      version: lp.tgWebAppVersion,
      startParam: lp.tgWebAppStartParam ?? lp.tgWebAppData?.start_param,
    };
  } catch {
    return null;
  }
}

const attempt = <T>(f: () => T): T | undefined => {
  try {
    return f();
  } catch {
    return undefined;
  }
};

/** Full screen only on phones: on desktop the window is the user's to size. */
const MOBILE = new Set(['ios', 'android', 'android_x']);

let started = false;

/**
 * Starts the SDK once inside Telegram: theme colours become `--tg-theme-*` variables, the
 * viewport and its safe areas `--tg-viewport-*` (styles.css reads them), the buttons are
 * mounted, and Telegram is told the app is ready. Phones go full screen where supported.
 */
export function startTelegram(launch: LaunchInfo | null): void {
  if (started || !launch) return;
  started = true;
  if (attempt(() => init()) === undefined) return;
  attempt(() => miniApp.mount.ifAvailable());
  attempt(() => themeParams.mount.ifAvailable());
  attempt(() => themeParams.bindCssVars.ifAvailable());
  const scheme = () => attempt(() => (document.documentElement.dataset.scheme = themeParams.isDark() ? 'dark' : 'light'));
  scheme();
  attempt(() => themeParams.isDark.sub(scheme));
  attempt(() => backButton.mount.ifAvailable());
  attempt(() => mainButton.mount.ifAvailable());
  attempt(() => miniApp.ready.ifAvailable());
  // the viewport asks Telegram for its size and insets; a client that never answers must not
  // hold the app: bind what we have after the timeout
  const bindViewport = () => attempt(() => !viewport.isCssVarsBound() && viewport.bindCssVars.ifAvailable());
  const mounting = attempt(() => (viewport.mount.isAvailable() ? viewport.mount({ timeout: 3000 }) : undefined));
  void Promise.resolve(mounting)
    .catch(() => undefined)
    .then(async () => {
      bindViewport();
      attempt(() => viewport.expand.ifAvailable());
      if (MOBILE.has(launch.platform) && attempt(() => viewport.requestFullscreen.isAvailable())) {
        await attempt(() => viewport.requestFullscreen({ timeout: 3000 }))?.catch(() => undefined);
      }
    });
}

/** Shows Telegram's back button while `handler` is set; returns the cleanup. */
export function showBackButton(handler: () => void): () => void {
  if (!attempt(() => backButton.show.isAvailable())) return () => {};
  attempt(() => backButton.show());
  const off = attempt(() => backButton.onClick(handler));
  return () => {
    attempt(() => off?.());
    attempt(() => backButton.hide.ifAvailable());
  };
}

export interface MainButtonState {
  text: string;
  /** the request runs: Telegram's progress spinner, presses ignored */
  busy: boolean;
  onClick: () => void;
}

/** Whether Telegram's bottom (main) button can be driven in this client. */
export function mainButtonAvailable(): boolean {
  return Boolean(attempt(() => mainButton.setParams.isAvailable()));
}

let mainClickOff: (() => void) | undefined;

/** Puts `state` on Telegram's main button, or hides it for null; false where it cannot. */
export function setMainButton(state: MainButtonState | null): boolean {
  if (!mainButtonAvailable()) return false;
  attempt(() => mainClickOff?.());
  mainClickOff = undefined;
  if (!state) {
    attempt(() => mainButton.setParams({ isVisible: false, isLoaderVisible: false }));
    return true;
  }
  // the SDK answers Left when no Telegram client is listening (e.g. a browser with a copied
  // launch URL): the caller then falls back to the in-page button
  const r = attempt(() => mainButton.setParamsFp({ text: state.text, isVisible: true, isEnabled: !state.busy, isLoaderVisible: state.busy, hasShineEffect: !state.busy }));
  if (!r || r._tag === 'Left') return false;
  mainClickOff = attempt(() => mainButton.onClick(() => !state.busy && state.onClick()));
  return true;
}

export function haptic(kind: 'success' | 'error' | 'warning'): void {
  attempt(() => hapticFeedback.notificationOccurred.ifAvailable(kind));
}

/** What this client can share: a prepared message (Bot API 8.0) and a story (7.8). */
export function shareSupport(): { message: boolean; story: boolean } {
  return { message: Boolean(attempt(() => shareMessage.isAvailable())), story: Boolean(attempt(() => shareStory.isAvailable())) };
}

/** Opens Telegram's share dialog for a message the bot prepared (savePreparedInlineMessage). */
export async function sharePreparedMessage(id: string): Promise<boolean> {
  try {
    await shareMessage(id);
    return true;
  } catch {
    return false;
  }
}

/** Opens the story editor with `mediaUrl`; the widget link (Premium only in Telegram) points back at the card. */
export function shareToStory(mediaUrl: string, text: string, link?: { url: string; name: string }): boolean {
  return attempt(() => (shareStory(mediaUrl, { text, ...(link ? { widgetLink: link } : {}) }), true)) ?? false;
}

const HOME_KEY = 'gh.homeScreenOffered';

/**
 * After the first claim, once per device: offers the home-screen shortcut where the client
 * supports it (Bot API 8.0) and the app is not already there.
 */
export async function offerHomeScreenOnce(storage: Pick<Storage, 'getItem' | 'setItem'> = localStorage): Promise<boolean> {
  try {
    if (storage.getItem(HOME_KEY) || !addToHomeScreen.isAvailable()) return false;
    const status = checkHomeScreenStatus.isAvailable() ? await checkHomeScreenStatus({ timeout: 3000 }).catch(() => 'unknown') : 'unknown';
    if (status === 'added' || status === 'unsupported') return false;
    storage.setItem(HOME_KEY, '1');
    addToHomeScreen();
    return true;
  } catch {
    return false;
  }
}
