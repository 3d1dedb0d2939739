import type { Mission, MissionStatus, MissionWindow } from './api';

/**
 * What the card shows at a given server instant, between two fetches. The server decides;
 * the client only flips at the window's edges (opensAt inclusive, closesAt exclusive, so
 * 21:30:00 opens and 22:30:01 closes) and re-fetches right after a flip.
 */
export function isOpenAt(w: MissionWindow, nowMs: number): boolean {
  const o = Date.parse(w.opensAt);
  const c = Date.parse(w.closesAt);
  return Number.isFinite(o) && Number.isFinite(c) && nowMs >= o && nowMs < c;
}

/**
 * @param fetchedAtMs server time of the fetch that produced `m` — a mission the server called
 * locked while its window was already open is locked for another reason (flag, clock guard) and
 * stays locked.
 */
export function shownStatus(m: Mission, nowMs: number, fetchedAtMs: number): MissionStatus {
  if (m.status === 'claimed') return 'claimed';
  if (!m.window) return m.status;
  if (!isOpenAt(m.window, nowMs)) return 'locked';
  if (m.status === 'locked') return isOpenAt(m.window, fetchedAtMs) ? 'locked' : 'active';
  return m.status;
}

export interface CountdownTarget {
  kind: 'opens' | 'closes';
  at: number;
}

const DAY = 86_400_000;

export function countdownTarget(w: MissionWindow, nowMs: number): CountdownTarget | null {
  const o = Date.parse(w.opensAt);
  const c = Date.parse(w.closesAt);
  if (!Number.isFinite(o) || !Number.isFinite(c)) return null;
  if (nowMs < o) return { kind: 'opens', at: o };
  if (nowMs < c) return { kind: 'closes', at: c };
  // closed since the last fetch: tomorrow's occurrence until the re-fetch brings the real one
  let next = o + DAY;
  while (next <= nowMs) next += DAY;
  return { kind: 'opens', at: next };
}

/** A key that changes exactly when some window opens or closes: the App re-fetches on change. */
export function phaseKey(missions: Mission[], nowMs: number): string {
  return missions.map((m) => (m.window ? (isOpenAt(m.window, nowMs) ? 'o' : 'c') : '-')).join('');
}

export function goldenOpen(missions: Mission[], nowMs: number, fetchedAtMs: number): boolean {
  return missions.some((m) => m.isGoldenHour && m.window && shownStatus(m, nowMs, fetchedAtMs) !== 'locked' && isOpenAt(m.window, nowMs));
}
