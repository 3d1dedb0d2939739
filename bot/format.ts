/** Telegram refuses messages over 4096 characters; long admin listings are clipped. */
export const MAX_MESSAGE = 4096;

export function clip(text: string, max = MAX_MESSAGE): string {
  return text.length <= max ? text : `${text.slice(0, max - 2)}\n…`;
}

export { hhmm } from '../core/domain/window.js';

/** Counts in admin texts: 12,345. */
export const fmtN = (n: number) => n.toLocaleString('en-US');

/** A share as a percentage with one decimal: 0.305 → "30.5%". */
export const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
