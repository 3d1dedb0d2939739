import { ApiError, type Api, type ClaimResult } from './api';

/**
 * Claims with one idempotency key per claim intent (docs/design.md, The HTTP API): the same key is sent again
 * when the first try's fate is unknown or it was turned away before being applied (network
 * error, timeout, 5xx, REQUEST_IN_PROGRESS, RATE_LIMITED), so a retry can never pay twice. A
 * definitive answer (success or a business error) ends the intent: the next press is a new one.
 */
export function newIdempotencyKey(): string {
  const c = globalThis.crypto;
  if (c?.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function isRetryable(err: unknown): boolean {
  if (!(err instanceof ApiError)) return true;
  return err.network || err.status >= 500 || err.code === 'REQUEST_IN_PROGRESS' || err.code === 'RATE_LIMITED';
}

export class ClaimIntents {
  private readonly pending = new Map<number, string>();
  constructor(private readonly newKey: () => string = newIdempotencyKey) {}

  keyFor(missionId: number): string {
    let k = this.pending.get(missionId);
    if (!k) this.pending.set(missionId, (k = this.newKey()));
    return k;
  }
  settle(missionId: number) {
    this.pending.delete(missionId);
  }
  has(missionId: number) {
    return this.pending.has(missionId);
  }
}

export interface ClaimOptions {
  /** automatic retries for unknown outcomes before giving the error to the player */
  autoRetries?: number;
  retryDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export async function claimMission(api: Api, intents: ClaimIntents, missionId: number, o: ClaimOptions = {}): Promise<ClaimResult> {
  const autoRetries = o.autoRetries ?? 2;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 0; ; attempt++) {
    const key = intents.keyFor(missionId);
    try {
      const r = await api.send<ClaimResult>('POST', `/api/mission/${missionId}/claim`, undefined, { 'X-Idempotency-Key': key });
      intents.settle(missionId);
      return r;
    } catch (err) {
      if (!isRetryable(err)) {
        intents.settle(missionId);
        throw err;
      }
      const rateLimited = err instanceof ApiError && err.code === 'RATE_LIMITED';
      if (rateLimited || attempt >= autoRetries) throw err;
      await sleep((o.retryDelayMs ?? 700) * (attempt + 1));
    }
  }
}
