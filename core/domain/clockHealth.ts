/**
 * What the domain needs to know about the clock guard (docs/design.md, Clock guard): whether
 * windows may open. The SNTP guard (core/worker/clockGuard.ts) implements it; without NTP_SERVERS the
 * guard is off and always healthy.
 */
export interface ClockHealthState {
  enabled: boolean;
  healthy: boolean;
  /** last check, ISO; null before the first */
  checkedAt: string | null;
  consecutiveFailures: number;
  offsetsMs: Record<string, number | null>;
  lastError: string | null;
}

export interface ClockHealth {
  /** false closes every window (fail closed) */
  isHealthy(): boolean;
  state(): ClockHealthState;
}

export const clockGuardOff: ClockHealth = {
  isHealthy: () => true,
  state: () => ({ enabled: false, healthy: true, checkedAt: null, consecutiveFailures: 0, offsetsMs: {}, lastError: null }),
};
