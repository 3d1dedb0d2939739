/**
 * Mini App links. The deep link `/start golden` (t.me/<bot>?start=golden) opens the app on the
 * golden-hour card: the URL gets `?startapp=golden`, which the client reads (it also accepts
 * Telegram's own `tgWebAppStartParam` when opened via a direct Mini App link).
 */
export { GOLDEN_START_PARAM } from '../core/delivery/share.js';

export function webAppUrl(base: string, startParam?: string): string {
  if (!startParam) return base;
  const u = new URL(base);
  u.searchParams.set('startapp', startParam);
  return u.toString();
}
