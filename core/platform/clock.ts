/**
 * The one clock (docs/design.md): domain code asks this, never Date.now(), so tests and the
 * dev clock can move time. `set`/`setOffset` exist only on the adjustable clock.
 */
export interface Clock {
  now(): Date;
  nowMs(): number;
}

export const systemClock: Clock = {
  now: () => new Date(),
  nowMs: () => Date.now(),
};

/** A clock that reads the system time plus an offset, or a frozen instant. Used by tests and DEV_MODE. */
export class AdjustableClock implements Clock {
  private offsetMs = 0;
  private frozenAt: number | null = null;

  constructor(private readonly base: Clock = systemClock) {}

  nowMs(): number {
    return this.frozenAt ?? this.base.nowMs() + this.offsetMs;
  }
  now(): Date {
    return new Date(this.nowMs());
  }
  /** Jump to an instant and keep ticking from there. */
  set(instant: Date | string | number): void {
    const target = new Date(instant).getTime();
    if (!Number.isFinite(target)) throw new RangeError('invalid instant');
    this.frozenAt = null;
    this.offsetMs = target - this.base.nowMs();
  }
  setOffset(ms: number): void {
    this.frozenAt = null;
    this.offsetMs = ms;
  }
  /** Stop the clock at an instant (tests). */
  freeze(instant: Date | string | number): void {
    const t = new Date(instant).getTime();
    if (!Number.isFinite(t)) throw new RangeError('invalid instant');
    this.frozenAt = t;
  }
  advance(ms: number): void {
    if (this.frozenAt !== null) this.frozenAt += ms;
    else this.offsetMs += ms;
  }
  get offset(): number {
    return this.frozenAt === null ? this.offsetMs : this.frozenAt - this.base.nowMs();
  }
}
