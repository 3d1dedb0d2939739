import type { Logger } from 'pino';

/**
 * postgres.js 3.4 can leave a promise rejected with the raw socket error when the server dies in
 * the middle of a transaction (porsager/postgres#1208, #1215): the request itself already got its
 * error (and a 503), but Node would then exit on the stray rejection. A lost connection is an
 * outage the API answers with 503, not a reason to die, so that rejection is logged and survived;
 * so is the driver's TypeError from writing its own ROLLBACK to the closed socket. Anything else
 * unhandled still stops the process, as Node's default would.
 */
const CONNECTION_LOST = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  '57P01', // admin shutdown
  '57P02', // crash shutdown
  '57P03', // cannot connect now
]);

export function isConnectionLost(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_LOST.has(code)) return true;
  }
  return false;
}

/** postgres.js' own ROLLBACK written to a socket already closed by a crashed server (#1208). */
export function isDriverWriteAfterClose(err: unknown): boolean {
  return err instanceof TypeError && /nextWrite/.test(err.stack ?? '') && /postgres[\\/]src[\\/]connection\.js/.test(err.stack ?? '');
}

export function installProcessGuards(log: Logger): void {
  process.on('uncaughtException', (err) => {
    if (isDriverWriteAfterClose(err)) {
      log.error({ err }, 'postgres.js wrote to a closed socket after the server died: survived');
      return;
    }
    log.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    if (isConnectionLost(reason)) {
      log.warn({ err: reason }, 'connection lost under a pending query: stray driver rejection survived');
      return;
    }
    log.fatal({ err: reason }, 'unhandled rejection');
    process.exit(1);
  });
}
