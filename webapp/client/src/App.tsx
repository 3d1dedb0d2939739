import type { ComponentType } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, createApi, type Api, type Me, type Mission, type MissionList, type TimeInfo } from './api';
import { ClaimIntents, claimMission } from './claim';
import { errorMessage, langOf, t, type Lang } from './i18n';
import { goldenOpen, phaseKey, isOpenAt, shownStatus } from './missionState';
import { ServerClock } from './serverClock';
import { haptic, mainButtonAvailable, offerHomeScreenOnce, readLaunch, setMainButton, shareSupport, showBackButton, startTelegram, type LaunchInfo } from './miniApp';
import { BottomNav, OpenFromTelegram, Toast, WalletPage, WalletStrip, type Page } from './components/Chrome';
import { GoldenCard, MissionCard, rewardText, type ClaimView } from './components/MissionCards';
import { SharePanel, type ShareOffer } from './components/SharePanel';

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

type MissionState = { missions: Mission[]; fetchedAt: number } | null;

/** The server second, ticking once per server second, aligned to the second so the countdown never drifts. */
function useServerNow(clock: ServerClock) {
  const [now, setNow] = useState(() => clock.now());
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    const tick = () => {
      const n = clock.now();
      setNow(n);
      timer = setTimeout(tick, 1000 - (n % 1000) + 5);
    };
    tick();
    return () => clearTimeout(timer);
  }, [clock]);
  return [now, setNow] as const;
}

/** The in-app golden-hour toast: asked once per local day, shown for 6 s, marked seen on the server. */
function useGoldenToast(api: Api, lang: Lang) {
  const [toast, setToast] = useState<string | null>(null);
  const toastChecked = useRef<string | null>(null);
  const checkToast = useCallback(
    async (day: string) => {
      if (toastChecked.current === day) return;
      toastChecked.current = day;
      const r = await api.get<{ show: boolean }>('/api/toast/golden').catch(() => ({ show: false }));
      if (!r.show) return;
      setToast(t(lang, 'toastGolden'));
      haptic('warning');
      void api.send('POST', '/api/toast/golden/seen').catch(() => {});
    },
    [api, lang],
  );
  useEffect(() => {
    if (!toast) return;
    const h = setTimeout(() => setToast(null), 6000);
    return () => clearTimeout(h);
  }, [toast]);
  return { toast, checkToast };
}

/** After a golden claim: what this client can share, with the bot's prepared message and deep link. */
function useGoldenShare(api: Api) {
  const [share, setShare] = useState<ShareOffer | null>(null);
  const prepareShare = useCallback(async () => {
    const can = shareSupport();
    if (!can.message && !can.story) return;
    const prepared = await api.send<{ preparedMessageId: string | null; link: string | null }>('POST', '/api/share/golden').catch(() => null);
    const offer: ShareOffer = {
      messageId: can.message ? (prepared?.preparedMessageId ?? null) : null,
      story: can.story ? { mediaUrl: new URL('/story-golden.jpg', window.location.href).href, link: prepared?.link ?? null } : null,
    };
    if (offer.messageId || offer.story) setShare(offer);
  }, [api]);
  return { share, prepareShare };
}

interface PlayerDataOptions {
  api: Api;
  clock: ServerClock;
  devMode: boolean;
  timeSyncMs?: number;
  missionPollMs?: number;
  setNow: (n: number) => void;
  checkToast: (day: string) => Promise<void>;
}

/**
 * Who the player is and their missions: loaded at start and when the app becomes visible, the
 * server time re-synced and the list polled, and re-fetched when a window opens or closes.
 */
function usePlayerData(o: PlayerDataOptions, now: number) {
  const { api, clock, devMode, timeSyncMs, missionPollMs, setNow, checkToast } = o;
  const [me, setMe] = useState<Me | null>(null);
  const [list, setList] = useState<MissionState>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  const syncTime = useCallback(async () => {
    const sent = Date.now();
    const ti = await api.get<TimeInfo>('/api/time');
    clock.sync(ti.serverTime, sent, Date.now(), ti.tz, ti.local);
    setNow(clock.now());
  }, [api, clock]);

  const loadMe = useCallback(async () => setMe(await api.get<Me>('/api/me')), [api]);

  const retryTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const loadMissions = useCallback(async () => {
    const r = await api.get<MissionList>('/api/mission');
    const fetchedAt = Date.parse(r.serverTime);
    setList({ missions: r.missions, fetchedAt });
    setLoadError(null);
    // the server says open for a golden mission: offer the toast (server remembers once a day)
    const g = r.missions.find((m) => m.isGoldenHour && m.window && m.status !== 'locked' && isOpenAt(m.window, fetchedAt));
    if (g) void checkToast(g.periodKey);
    // we flipped a hair before the server did: ask again shortly
    const lagging = r.missions.some((m) => m.window && m.status === 'locked' && !isOpenAt(m.window, fetchedAt) && isOpenAt(m.window, clock.now()));
    if (lagging && !retryTimer.current) {
      retryTimer.current = setTimeout(() => {
        retryTimer.current = null;
        void loadMissions().catch(() => {});
      }, 1500);
    }
  }, [api, clock, checkToast]);

  const refreshAll = useCallback(async () => {
    try {
      await Promise.all([syncTime(), loadMe(), loadMissions()]);
    } catch (err) {
      setLoadError(err instanceof ApiError ? err.code : 'NETWORK');
    }
  }, [syncTime, loadMe, loadMissions]);

  useEffect(() => {
    void refreshAll();
    const ts = setInterval(() => void syncTime().catch(() => {}), timeSyncMs ?? (devMode ? 3000 : 60_000));
    const mp = setInterval(() => void loadMissions().catch(() => {}), missionPollMs ?? (devMode ? 4000 : 30_000));
    const vis = () => document.visibilityState === 'visible' && void refreshAll();
    document.addEventListener('visibilitychange', vis);
    return () => {
      clearInterval(ts);
      clearInterval(mp);
      document.removeEventListener('visibilitychange', vis);
      if (retryTimer.current) clearTimeout(retryTimer.current);
    };
  }, [refreshAll, syncTime, loadMissions, timeSyncMs, missionPollMs, devMode]);

  // a window opened or closed: re-fetch (progress resets, claim becomes possible, toast)
  const phase = list ? phaseKey(list.missions, now) : '';
  const lastPhase = useRef<string>('');
  useEffect(() => {
    if (!phase) return;
    if (lastPhase.current && lastPhase.current !== phase) {
      void loadMissions().catch(() => {});
      void loadMe().catch(() => {});
    }
    lastPhase.current = phase;
  }, [phase, loadMissions, loadMe]);

  return { me, setMe, list, setList, loadError, loadMe, loadMissions, refreshAll };
}

interface ClaimOptions {
  api: Api;
  intents: ClaimIntents;
  missionsRef: { current: Mission[] };
  setMe: (f: (m: Me | null) => Me | null) => void;
  setList: (f: (l: MissionState) => MissionState) => void;
  loadMe: () => Promise<void>;
  loadMissions: () => Promise<void>;
  prepareShare: () => Promise<void>;
}

/** Claims with their per-mission state: in flight, the rewards, or the refusal (with its retry time). */
function useClaims(o: ClaimOptions) {
  const { api, intents, missionsRef, setMe, setList, loadMe, loadMissions, prepareShare } = o;
  const [claims, setClaims] = useState<Record<number, ClaimView>>({});
  const onClaim = useCallback(
    async (id: number) => {
      if (claims[id]?.inFlight) return;
      setClaims((c) => ({ ...c, [id]: { inFlight: true } }));
      try {
        const r = await claimMission(api, intents, id);
        setClaims((c) => ({ ...c, [id]: { inFlight: false, success: r } }));
        // stamps are the server's rule (XP per stamp): re-read them rather than compute them here
        setMe((m) => (m ? { ...m, ...r.balances } : m));
        void loadMe().catch(() => {});
        setList((l) => (l ? { ...l, missions: l.missions.map((m) => (m.id === id ? { ...m, status: 'claimed', progress: m.target } : m)) } : l));
        haptic('success');
        void loadMissions().catch(() => {});
        if (missionsRef.current.find((m) => m.id === id)?.isGoldenHour) void prepareShare();
        void offerHomeScreenOnce();
      } catch (err) {
        const e = err instanceof ApiError ? err : new ApiError(0, 'NETWORK');
        const retryAt = e.extra.retryAfterS ? Date.now() + e.extra.retryAfterS * 1000 : undefined;
        setClaims((c) => ({ ...c, [id]: { inFlight: false, error: { code: e.code, retryAfterS: e.extra.retryAfterS, retryAt } } }));
        haptic('error');
        if (e.code === 'ALREADY_CLAIMED' || e.code === 'OUTSIDE_WINDOW' || e.code === 'NOT_COMPLETED' || e.code === 'MISSION_NOT_FOUND') void loadMissions().catch(() => {});
      }
    },
    [api, intents, claims, loadMissions, loadMe, prepareShare],
  );
  return { claims, onClaim };
}

/** The demo "play a round" (DEV_MODE): one play through the dev route, then look again as the consumer applies it. */
function useDemoPlay(api: Api, loadMissions: () => Promise<void>, loadMe: () => Promise<void>) {
  const [playing, setPlaying] = useState(false);
  const onPlay = useCallback(async () => {
    setPlaying(true);
    try {
      await api.send('POST', '/api/dev/play');
      // the queue consumer applies it asynchronously: look again shortly
      for (const ms of [250, 700, 1500]) setTimeout(() => void loadMissions().catch(() => {}), ms);
      setTimeout(() => void loadMe().catch(() => {}), 1500);
    } finally {
      setPlaying(false);
    }
  }, [api, loadMissions, loadMe]);
  return { playing, onPlay };
}

/** Telegram's main button claims: the golden mission first, else the first claimable one. Returns the mission it claims. */
function useMainButton(o: { active: boolean; missions: Mission[]; now: number; fetchedAt: number; lang: Lang; claims: Record<number, ClaimView>; onClaim: (id: number) => Promise<void> }) {
  const { active, missions, now, fetchedAt, lang, claims, onClaim } = o;
  const [nativeMain, setNativeMain] = useState(() => mainButtonAvailable());
  const claimable = active ? [...missions].sort((a, b) => Number(b.isGoldenHour) - Number(a.isGoldenHour)).find((m) => !m.autoClaim && shownStatus(m, now, fetchedAt) === 'completed') : undefined;
  const mainId = nativeMain ? claimable?.id : undefined;
  const mainBusy = mainId !== undefined && Boolean(claims[mainId]?.inFlight);
  const mainText = claimable ? `${t(lang, 'claim')} · ${rewardText(claimable.rewards)}` : '';
  useEffect(() => {
    if (!nativeMain) return;
    if (!setMainButton(mainId === undefined ? null : { text: mainText, busy: mainBusy, onClick: () => void onClaim(mainId) })) setNativeMain(false);
  }, [nativeMain, mainId, mainBusy, mainText, onClaim]);
  useEffect(() => () => void (nativeMain && setMainButton(null)), [nativeMain]);
  return mainId;
}

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
