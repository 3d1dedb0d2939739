/**
 * Server time on the client (docs/design.md, The rules in words: client clocks are never trusted). The phone's clock
 * only measures elapsed time; the offset comes from GET /api/time, halving the round trip.
 */
export class ServerClock {
  offsetMs = 0;
  tz = 'Asia/Seoul';
  /** "+09:00" style offset of the event zone, from the server's local ISO string */
  zoneOffset = '+09:00';
  synced = false;

  constructor(private readonly localNow: () => number = () => Date.now()) {}

  sync(serverIso: string, sentAtLocal: number, receivedAtLocal: number, tz?: string, localIso?: string) {
    const server = Date.parse(serverIso);
    if (!Number.isFinite(server)) return;
    this.offsetMs = server - (sentAtLocal + receivedAtLocal) / 2;
    if (tz) this.tz = tz;
    const m = localIso ? /([+-]\d\d:\d\d|Z)$/.exec(localIso) : null;
    if (m) this.zoneOffset = m[1] === 'Z' ? '+00:00' : m[1]!;
    this.synced = true;
  }

  now(): number {
    return this.localNow() + this.offsetMs;
  }
}

const pad = (n: number) => String(n).padStart(2, '0');

/** HH:MM:SS until `ms` from now, rounded up so 0.2 s left reads 00:00:01 and the flip shows 00:00:00. */
export function formatCountdown(remainingMs: number): string {
  const s = Math.max(0, Math.ceil(remainingMs / 1000));
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

const fmtCache = new Map<string, Intl.DateTimeFormat>();
function parts(ms: number, tz: string): Record<string, string> {
  let f = fmtCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    fmtCache.set(tz, f);
  }
  const out: Record<string, string> = {};
  for (const p of f.formatToParts(ms)) out[p.type] = p.value;
  return out;
}

/** "2026-11-27 21:30:05" in the event zone. */
export function formatZoned(ms: number, tz: string): string {
  const p = parts(ms, tz);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** "2026-11-27" in the event zone. */
export function zonedDate(ms: number, tz: string): string {
  const p = parts(ms, tz);
  return `${p.year}-${p.month}-${p.day}`;
}

/** "21:30" for 21:30:00, "21:30:15" otherwise. */
export function shortTime(hms: string): string {
  return hms.endsWith(':00') && hms.length === 8 ? hms.slice(0, 5) : hms;
}
