import type { Mission } from './api';

/** Test helpers for the client's unit tests (not bundled: only *.test.tsx import this). */
export const KST_OFFSET_MS = 9 * 3600_000;
/** 2026-11-27 HH:MM:SS KST as epoch ms */
export const kstMs = (hms: string, date = '2026-11-27') => Date.parse(`${date}T${hms}+09:00`);

export function goldenMission(over: Partial<Mission> = {}): Mission {
  return {
    id: 1,
    logicKey: 'golden_hour_play_3',
    title: '🔥 골든아워: 게임 3회 플레이',
    description: '',
    category: 'SPECIAL',
    actionType: 'PLAY_GAME',
    target: 3,
    progress: 0,
    status: 'locked',
    isLocked: true,
    window: { start: '21:30:00', end: '22:30:00', opensAt: new Date(kstMs('21:30:00')).toISOString(), closesAt: new Date(kstMs('22:30:01')).toISOString() },
    autoClaim: false,
    rewards: { diamonds: 100, xp: 500, tickets: 1 },
    isGoldenHour: true,
    periodKey: '2026-11-27',
    ...over,
  };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers } });
}
