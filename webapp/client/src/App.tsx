import type { ComponentType } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, createApi, type Api, type Mission } from './api';
import { ClaimIntents } from './claim';
import { errorMessage, langOf, t, type Lang } from './i18n';
import { goldenOpen } from './missionState';
import { ServerClock } from './serverClock';
import { readLaunch, showBackButton, startTelegram, type LaunchInfo } from './miniApp';
import { BottomNav, OpenFromTelegram, Toast, WalletPage, WalletStrip, type Page } from './components/Chrome';
import { GoldenCard, MissionCard, type ClaimView } from './components/MissionCards';
import { SharePanel, type ShareOffer } from './components/SharePanel';
import { useClaims, useDemoPlay, useGoldenShare, useGoldenToast, useMainButton, usePlayerData, useServerNow, type MissionState } from './hooks';

export interface Session {
  initData: string;
  /** DEV_MODE on the server: demo play button, dev clock */
  devMode: boolean;
  /** signed by the dev signer outside Telegram: shows the preview ribbon */
  preview: boolean;
  lang: Lang;
  /** fresh init data when the server says ours expired: Telegram's, re-read, or a new dev login */
  renew?: () => Promise<string | null>;
}

export interface AdminProps {
  api: Api;
  clock: ServerClock;
  lang: Lang;
  devMode: boolean;
  onChanged: () => void;
}

/** Finds who we are: Telegram launch params, else the dev signer when the server runs DEV_MODE. */
export async function startSession(
  win: Window = window,
  fetchImpl?: typeof fetch,
  launch: LaunchInfo | null = readLaunch(),
  relaunch: () => LaunchInfo | null = readLaunch,
): Promise<Session | null> {
  startTelegram(launch);
  const q = new URLSearchParams(win.location.search);
  const bare = createApi({ auth: () => null, fetch: fetchImpl });
  let devMode = false;
  let dev: { initData: string; user: { languageCode?: string } } | null = null;
  const userId = q.get('devUser');
  const devLogin = () =>
    bare.send<{ initData: string; user: { languageCode?: string } }>('POST', '/api/dev/login', {
      ...(userId ? { userId: Number(userId) } : {}),
      ...(q.get('lang') ? { languageCode: q.get('lang') } : {}),
    });
  try {
    dev = await devLogin();
    devMode = true;
  } catch (err) {
    // 403: dev routes exist but a real BOT_TOKEN is set (Telegram signs sessions); 404: no DEV_MODE
    if (err instanceof ApiError && err.status === 403) devMode = true;
  }
  // Telegram gives fresh init data only with the launch params; re-reading them picks up a newer
  // copy (the app reopened, a reload) — otherwise the player is asked to reopen the app
  if (launch) return { initData: launch.initDataRaw, devMode, preview: false, lang: langOf(launch.languageCode), renew: async () => relaunch()?.initDataRaw ?? null };
  if (dev) return { initData: dev.initData, devMode, preview: true, lang: langOf(dev.user.languageCode), renew: async () => (await devLogin().catch(() => null))?.initData ?? null };
  return null;
}

/** `startapp=golden` (bot button) or `card=golden` (announcement) on the Mini App URL, or `start_param` in Telegram's init data (t.me link). */
export function deepLinkTarget(initData: string, loc: Pick<Location, 'search' | 'hash'>): string | null {
  const fromInit = new URLSearchParams(initData).get('start_param');
  const q = new URLSearchParams(loc.search);
  const h = new URLSearchParams(loc.hash.replace(/^#/, ''));
  return fromInit ?? q.get('startapp') ?? q.get('card') ?? q.get('tgWebAppStartParam') ?? h.get('tgWebAppStartParam');
}

type Tab = 'DAILY' | 'WEEKLY' | 'NEW';
const TABS: readonly Tab[] = ['DAILY', 'WEEKLY', 'NEW'];
const TAB_OF: Record<string, Tab> = { DAILY: 'DAILY', SPECIAL: 'DAILY', WEEKLY: 'WEEKLY', NEW: 'NEW' };
const tabOf = (m: Mission): Tab => (m.isGoldenHour ? 'DAILY' : (TAB_OF[m.category] ?? 'DAILY'));
const TAB_LABEL = { DAILY: 'tabDaily', WEEKLY: 'tabWeekly', NEW: 'tabNew' } as const;

/** Only tabs that hold a mission are shown, and no tab bar at all when one tab holds them all. */
export function visibleTabs(missions: Mission[]): Tab[] {
  const used = new Set(missions.map(tabOf));
  const tabs = TABS.filter((k) => used.has(k));
  return tabs.length > 1 ? tabs : [];
}

export interface AppProps {
  session: Session;
  fetchImpl?: typeof fetch;
  /** poll intervals; dev mode polls fast because the dev clock can jump */
  timeSyncMs?: number;
  missionPollMs?: number;
  loadAdmin?: () => Promise<ComponentType<AdminProps>>;
}

const defaultLoadAdmin = () => import('./admin/AdminPage').then((m) => m.AdminPage);

interface MissionsPageProps {
  lang: Lang;
  list: MissionState;
  loadError: string | null;
  now: number;
  tab: Tab;
  onTab: (t: Tab) => void;
  claims: Record<number, ClaimView>;
  onClaim: (id: number) => Promise<void>;
  mainId: number | undefined;
  share: ShareOffer | null;
  demo: { playing: boolean; onPlay: () => void } | null;
}

/** The missions page: tabs (only those with missions), the golden-hour card, the demo play button, the other missions. */
function MissionsPage({ lang, list, loadError, now, tab, onTab, claims, onClaim, mainId, share, demo }: MissionsPageProps) {
  const missions = list?.missions ?? [];
  const tabs = visibleTabs(missions);
  const shownTab = tabs.includes(tab) ? tab : 'DAILY';
  const golden = shownTab === 'DAILY' ? missions.filter((m) => m.isGoldenHour) : [];
  const others = missions.filter((m) => !m.isGoldenHour && tabOf(m) === shownTab);
  const fetchedAt = list?.fetchedAt ?? now;
  return (
    <>
      {tabs.length > 0 && (
        <div class="tabs" role="tablist" data-testid="tabs">
          {tabs.map((k) => (
            <button type="button" role="tab" key={k} aria-selected={shownTab === k} class={shownTab === k ? 'on' : ''} onClick={() => onTab(k)}>
              {t(lang, TAB_LABEL[k])}
            </button>
          ))}
        </div>
      )}
      {!list && !loadError && <p class="hint center">{t(lang, 'loading')}</p>}
      {loadError && !list && (
        <p class="claim-err center" role="alert">
          {t(lang, 'loadFailed')}: {errorMessage(lang, loadError)}
        </p>
      )}
      {golden.map((m) => (
        <GoldenCard key={m.id} m={m} now={now} fetchedAt={fetchedAt} lang={lang} claim={claims[m.id]} onClaim={onClaim} viaMainButton={mainId === m.id}>
          {claims[m.id]?.success && share && <SharePanel lang={lang} offer={share} />}
        </GoldenCard>
      ))}
      {demo && list && (
        <button type="button" class="btn play" disabled={demo.playing} onClick={demo.onPlay} data-testid="play-round">
          {demo.playing ? t(lang, 'playing') : t(lang, 'playRound')}
        </button>
      )}
      {others.map((m) => (
        <MissionCard key={m.id} m={m} now={now} fetchedAt={fetchedAt} lang={lang} claim={claims[m.id]} onClaim={onClaim} viaMainButton={mainId === m.id} />
      ))}
      {list && others.length === 0 && <p class="hint center">{t(lang, 'noMissions')}</p>}
    </>
  );
}

export function App({ session, fetchImpl, timeSyncMs, missionPollMs, loadAdmin = defaultLoadAdmin }: AppProps) {
  const { lang, devMode } = session;
  const api = useMemo(() => createApi({ auth: () => session.initData, refreshAuth: session.renew, fetch: fetchImpl }), [session.initData, session.renew, fetchImpl]);
  const clock = useMemo(() => new ServerClock(), []);
  const intents = useMemo(() => new ClaimIntents(), []);
  const [now, setNow] = useServerNow(clock);
  const [page, setPage] = useState<Page>('missions');
  const [tab, setTab] = useState<Tab>('DAILY');
  const [Admin, setAdmin] = useState<ComponentType<AdminProps> | null>(null);
  const { share, prepareShare } = useGoldenShare(api);
  const { toast, checkToast } = useGoldenToast(api, lang);
  const { me, setMe, list, setList, loadError, loadMe, loadMissions, refreshAll } = usePlayerData({ api, clock, devMode, timeSyncMs, missionPollMs, setNow, checkToast }, now);
  const missionsRef = useRef<Mission[]>([]);
  missionsRef.current = list?.missions ?? [];
  const { claims, onClaim } = useClaims({ api, intents, missionsRef, setMe, setList, loadMe, loadMissions, prepareShare });
  const { playing, onPlay } = useDemoPlay(api, loadMissions, loadMe);

  // Telegram back button: shown on inner pages, returns to missions
  useEffect(() => {
    if (page === 'missions') return;
    return showBackButton(() => setPage('missions'));
  }, [page]);

  // the admin page is a separate chunk, fetched only when an admin opens it
  useEffect(() => {
    if (page !== 'admin' || Admin) return;
    void loadAdmin().then((C) => setAdmin(() => C));
  }, [page, Admin, loadAdmin]);

  // deep link from the bot (/start golden): open straight on the golden-hour card
  const wantsGolden = useMemo(() => deepLinkTarget(session.initData, window.location) === 'golden', [session.initData]);
  useEffect(() => {
    if (!wantsGolden || !list) return;
    setPage('missions');
    document.querySelector('[data-testid="golden-card"]')?.scrollIntoView({ block: 'start' });
  }, [wantsGolden, list !== null]);

  const missions = list?.missions ?? [];
  const hot = list ? goldenOpen(missions, now, list.fetchedAt) : false;
  const mainId = useMainButton({ active: page === 'missions', missions, now, fetchedAt: list?.fetchedAt ?? now, lang, claims, onClaim });

  return (
    <div class="app">
      {session.preview && (
        <div class="ribbon" data-testid="preview-ribbon">
          {t(lang, 'preview')}
        </div>
      )}
      <header class="top">
        <h1>
          {page !== 'missions' && (
            <button type="button" class="back" onClick={() => setPage('missions')} aria-label={t(lang, 'back')}>
              ‹
            </button>
          )}
          ✨ {t(lang, 'appTitle')}
        </h1>
        <WalletStrip me={me} lang={lang} />
        <Toast text={toast} />
      </header>
      <main class="content">
        {page === 'missions' && (
          <MissionsPage
            lang={lang}
            list={list}
            loadError={loadError}
            now={now}
            tab={tab}
            onTab={setTab}
            claims={claims}
            onClaim={onClaim}
            mainId={mainId}
            share={share}
            demo={devMode ? { playing, onPlay: () => void onPlay() } : null}
          />
        )}
        {page === 'wallet' && <WalletPage me={me} lang={lang} />}
        {page === 'admin' &&
          (Admin ? (
            <Admin api={api} clock={clock} lang={lang} devMode={devMode} onChanged={() => void refreshAll()} />
          ) : (
            <p class="hint center">{t(lang, 'adminLoading')}</p>
          ))}
      </main>
      <BottomNav page={page} onPage={setPage} hot={hot} isAdmin={Boolean(me?.isAdmin)} lang={lang} />
    </div>
  );
}
