import dgram from 'node:dgram';
import { writeNtpTime } from '../../core/worker/sntp.js';

/**
 * An SNTP server on UDP loopback for clock-guard tests: answers with its reference clock plus a
 * configurable skew, or stays silent. Bind port 0; `address` is the "host:port" to configure.
 */
export interface FakeNtp {
  address: string;
  /** ms added to the reference clock in every answer */
  skewMs: number;
  /** drop every request */
  silent: boolean;
  requests: number;
  close(): Promise<void>;
}

export async function startFakeNtp(o: { nowMs?: () => number; skewMs?: number; silent?: boolean } = {}): Promise<FakeNtp> {
  const nowMs = o.nowMs ?? (() => Date.now());
  const socket = dgram.createSocket('udp4');
  const fake: FakeNtp = {
    address: '',
    skewMs: o.skewMs ?? 0,
    silent: o.silent ?? false,
    requests: 0,
    close: () => new Promise((r) => socket.close(() => r())),
  };
  socket.on('message', (msg, rinfo) => {
    fake.requests++;
    if (fake.silent || msg.length < 48) return;
    const now = nowMs() + fake.skewMs;
    const res = Buffer.alloc(48);
    res[0] = (0 << 6) | (4 << 3) | 4; // LI 0, version 4, mode 4 (server)
    res[1] = 1; // stratum 1
    res.write('FAKE', 12, 'latin1');
    msg.copy(res, 24, 40, 48); // originate = client's transmit
    writeNtpTime(res, 32, now);
    writeNtpTime(res, 40, now);
    socket.send(res, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  fake.address = `127.0.0.1:${socket.address().port}`;
  return fake;
}
