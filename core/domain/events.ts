/** What a game server may report. */
export const ACTION_TYPES = ['PLAY_GAME', 'DEPOSIT'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

/** An event as queued: stamped with the server receive time, which decides window membership. */
export interface GameEvent {
  userId: number;
  type: ActionType;
  actionId: string;
  amount?: number | null;
  /** server receive time, epoch ms */
  receivedAt: number;
}
