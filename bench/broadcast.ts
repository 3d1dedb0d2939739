import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT, type Figure } from './support.js';

/**
 * Figure 4 — broadcast: N recipients against a fake Bot API that allows 1000 msg/s and answers
 * 429 with retry_after above it. Goal: ≥ 0.9 of the allowed rate, zero duplicates.
 * Needs core/broadcast.ts and test/support/fakeBotApi.ts (the notifications part).
 */
export interface BroadcastOptions {
  recipients: number;
  allowedPerSecond: number;
}

export const BROADCAST_DEFAULTS: BroadcastOptions = { recipients: 5000, allowedPerSecond: 1000 };

export async function broadcastFigure(_o: BroadcastOptions = BROADCAST_DEFAULTS): Promise<Figure> {
  const missing = ['core/broadcast.ts', 'test/support/fakeBotApi.ts'].filter((f) => !existsSync(path.join(ROOT, f)));
  return {
    name: 'broadcast',
    value: null,
    unit: 'msg/s',
    baseline: null,
    ratio: null,
    goal: '>= 0.9',
    pass: null,
    details: { missing },
    note: `not measured: ${missing.join(', ') || 'sender API'} not available`,
  };
}
