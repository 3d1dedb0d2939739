import type { ActionType } from '../../db/schema.js';

/** What a game server may report: declared once with the schema. */
export { ACTION_TYPES, type ActionType } from '../../db/schema.js';

/** An event as queued: stamped with the server receive time, which decides window membership. */
export interface GameEvent {
  userId: number;
  type: ActionType;
  actionId: string;
  amount?: number | null;
  /** server receive time, epoch ms */
  receivedAt: number;
}

/** An event as a game server sends it: what one request's events share (the receive stamp) is kept apart. */
export type WireEvent = Omit<GameEvent, 'receivedAt'>;
