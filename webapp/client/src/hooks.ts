import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Api, type Me, type Mission, type MissionList, type TimeInfo } from './api';
import { claimMission, type ClaimIntents } from './claim';
import { t, type Lang } from './i18n';
import { phaseKey, isOpenAt, shownStatus } from './missionState';
import type { ServerClock } from './serverClock';
import { haptic, mainButtonAvailable, offerHomeScreenOnce, setMainButton, shareSupport } from './miniApp';
import { rewardText, type ClaimView } from './components/MissionCards';
import type { ShareOffer } from './components/SharePanel';

/**
 * The Mini App's state, one hook per concern (App.tsx composes them): the server second, the
 * golden-hour toast, the share offer, the player's data and polling, claims, the demo play and
 * Telegram's main button.
 */

export type MissionState = { missions: Mission[]; fetchedAt: number } | null;

/** The server second, ticking once per server second, aligned to the second so the countdown never drifts. */
export function useServerNow(clock: ServerClock) {
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
export function useGoldenToast(api: Api, lang: Lang) {
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
export function useGoldenShare(api: Api) {
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
export function usePlayerData(o: PlayerDataOptions, now: number) {
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
    // the cleanup removes the listener from the document it was added to (a test's DOM may be gone by then)
    const doc = document;
    const vis = () => doc.visibilityState === 'visible' && void refreshAll();
    doc.addEventListener('visibilitychange', vis);
    return () => {
      clearInterval(ts);
      clearInterval(mp);
      doc.removeEventListener('visibilitychange', vis);
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
export function useClaims(o: ClaimOptions) {
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
export function useDemoPlay(api: Api, loadMissions: () => Promise<void>, loadMe: () => Promise<void>) {
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
export function useMainButton(o: { active: boolean; missions: Mission[]; now: number; fetchedAt: number; lang: Lang; claims: Record<number, ClaimView>; onClaim: (id: number) => Promise<void> }) {
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
