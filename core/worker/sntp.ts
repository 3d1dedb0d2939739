import dgram from 'node:dgram';
import net from 'node:net';

/**
 * A minimal SNTP client (RFC 4330) for the clock guard (docs/design.md, Clock guard). One request,
 * one reply, over UDP. The local clock is injected so the guard measures the clock that decides
 * windows (the service clock), not some other one.
 *
 *   offset = ((T2 − T1) + (T3 − T4)) / 2      delay = (T4 − T1) − (T3 − T2)
 *
 * T1 client transmit, T2 server receive, T3 server transmit, T4 client receive (RFC 4330, section 5).
 */
export interface SntpResult {
  server: string;
  /** how far the server is ahead of the local clock, ms (positive: local clock is behind) */
  offsetMs: number;
  /** round-trip delay, ms */
  delayMs: number;
  stratum: number;
}

/** Seconds between the NTP era (1900-01-01) and the Unix epoch. */
const NTP_UNIX_DELTA_S = 2_208_988_800;

export function writeNtpTime(buf: Buffer, offset: number, ms: number): void {
  const secs = Math.floor(ms / 1000);
  const frac = Math.round(((ms - secs * 1000) / 1000) * 2 ** 32);
  buf.writeUInt32BE((secs + NTP_UNIX_DELTA_S) >>> 0, offset);
  buf.writeUInt32BE(Math.min(frac, 2 ** 32 - 1) >>> 0, offset + 4);
}

export function readNtpTime(buf: Buffer, offset: number): number {
  const secs = buf.readUInt32BE(offset) - NTP_UNIX_DELTA_S;
  return secs * 1000 + (buf.readUInt32BE(offset + 4) / 2 ** 32) * 1000;
}

/** "host:port", "[::1]:123" → { host, port } */
export function parseHostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  const host = s.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(s.slice(i + 1)) };
}

export function querySntp(server: string, o: { nowMs: () => number; timeoutMs: number }): Promise<SntpResult> {
  const { host, port } = parseHostPort(server);
  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  return new Promise<SntpResult>((resolve, reject) => {
    let t1 = 0;
    const req = Buffer.alloc(48);
    let finished = false;
    const done = (err: Error | null, r?: SntpResult) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.removeAllListeners('message');
      socket.close();
      if (err) reject(err);
      else resolve(r!);
    };
    const timer = setTimeout(() => done(new Error(`${server}: no answer within ${o.timeoutMs} ms`)), o.timeoutMs);
    socket.on('error', (err) => done(new Error(`${server}: ${err.message}`)));
    socket.on('message', (msg) => {
      const t4 = o.nowMs();
      if (msg.length < 48) return;
      const li = msg[0]! >> 6;
      const mode = msg[0]! & 7;
      const stratum = msg[1]!;
      // RFC 4330, section 5: the reply must echo our transmit time as its originate time
      if (mode !== 4 || !msg.subarray(24, 32).equals(req.subarray(40, 48))) return;
      if (stratum === 0) return done(new Error(`${server}: kiss-o'-death ${msg.subarray(12, 16).toString('latin1')}`));
      if (li === 3) return done(new Error(`${server}: server clock not synchronized`));
      const t2 = readNtpTime(msg, 32);
      const t3 = readNtpTime(msg, 40);
      if (t3 <= 0) return done(new Error(`${server}: empty transmit timestamp`));
      done(null, { server, offsetMs: (t2 - t1 + (t3 - t4)) / 2, delayMs: t4 - t1 - (t3 - t2), stratum });
    });
    req[0] = (0 << 6) | (4 << 3) | 3; // LI 0, version 4, mode 3 (client)
    t1 = o.nowMs();
    writeNtpTime(req, 40, t1);
    socket.send(req, port, host, (err) => {
      if (err) done(new Error(`${server}: ${err.message}`));
    });
  });
}
