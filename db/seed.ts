import { missions } from './schema.js';
import type { Database } from './connection.js';

/** Seed missions (the default event: 3 plays in 21:30–22:30 for 💎 100, 500 XP and a ticket). Inserted once: existing rows are never overwritten. */
export const SEED_MISSIONS: (typeof missions.$inferInsert)[] = [
  {
    logicKey: 'golden_hour_play_3',
    title: '🔥 골든아워: 게임 3회 플레이',
    description: '21:30 ~ 22:30 사이 게임을 3번 즐기고 다이아와 스탬프 보너스를 받으세요!',
    category: 'SPECIAL',
    actionType: 'PLAY_GAME',
    targetValue: 3,
    rewardDiamonds: 100,
    rewardXp: 500,
    rewardTickets: 1,
    startTime: '21:30:00',
    endTime: '22:30:00',
    autoClaim: false,
    period: 'daily',
    isGoldenHour: true,
    vaultAccrualMultiplier: 2,
    sortOrder: 1,
  },
  {
    logicKey: 'daily_play_10',
    title: '게임 10회 플레이',
    description: '오늘 게임을 10번 플레이하세요.',
    category: 'DAILY',
    actionType: 'PLAY_GAME',
    targetValue: 10,
    rewardDiamonds: 50,
    rewardXp: 0,
    rewardTickets: 0,
    autoClaim: false,
    period: 'daily',
    isGoldenHour: false,
    vaultAccrualMultiplier: 1,
    sortOrder: 10,
  },
];

export async function seed(database: Database): Promise<number> {
  const inserted = await database.db.insert(missions).values(SEED_MISSIONS).onConflictDoNothing({ target: missions.logicKey }).returning({ id: missions.id });
  return inserted.length;
}
