import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServerType } from '@hono/node-server';
import { createHarness, type Harness } from '../support/harness.js';

/**
 * The security and CORS headers take a fast path on a real socket (webapp/server/nodeOutgoing.ts)
 * and Hono's own path in app.request(): both must send the same headers.
 */
const TRANSPORT = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
const headersOf = (r: Response) => Object.fromEntries([...r.headers].filter(([k]) => !TRANSPORT.has(k)).sort(([a], [b]) => (a < b ? -1 : 1)));

describe('response headers: the same over a real socket as through app.request()', () => {
  let h: Harness;
  let server: ServerType;
  let base: string;
  beforeAll(async () => {
    h = await createHarness();
    const port = await new Promise<number>((resolve) => {
      server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(info.port));
    });
    base = `http://127.0.0.1:${port}`;
    await h.play(601, 3);
    await h.play(602, 3);
  });
  afterAll(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await h?.close();
  });

  // each side gets its own player where a request changes state, so both see the same outcome
  it.each<[string, (side: 0 | 1) => Promise<[string, RequestInit]>]>([
    ['the mission list', async () => ['/api/mission', { headers: { authorization: h.auth(601) } }]],
    ['the mission list from the Mini App origin', async () => ['/api/mission', { headers: { authorization: h.auth(601), origin: new URL(h.s.config.webappUrl).origin } }]],
    ['the mission list from another origin', async () => ['/api/mission', { headers: { authorization: h.auth(601), origin: 'https://evil.example' } }]],
    ['a claim', async (side) => [`/api/mission/${await h.missionId('golden_hour_play_3')}/claim`, { method: 'POST', headers: { authorization: h.auth(601 + side), 'x-idempotency-key': 'hdr-1' } }]],
    ['a claim replayed', async (side) => [`/api/mission/${await h.missionId('golden_hour_play_3')}/claim`, { method: 'POST', headers: { authorization: h.auth(601 + side), 'x-idempotency-key': 'hdr-1' } }]],
    ['a second claim (409)', async (side) => [`/api/mission/${await h.missionId('golden_hour_play_3')}/claim`, { method: 'POST', headers: { authorization: h.auth(601 + side), 'x-idempotency-key': 'hdr-2' } }]],
    ['a 401', async () => ['/api/me', {}]],
    ['an unknown API path', async () => ['/api/nope', {}]],
    ['a preflight', async () => ['/api/mission', { method: 'OPTIONS', headers: { origin: new URL(h.s.config.webappUrl).origin, 'access-control-request-method': 'POST' } }]],
    ['health', async () => ['/healthz', {}]],
  ])('%s', async (_name, make) => {
    const [path, init] = await make(0);
    const overSocket = await fetch(base + path, init);
    const [path1, init1] = await make(1);
    const inProcess = await h.app.request(path1, init1);
    expect(overSocket.status).toBe(inProcess.status);
    const a = headersOf(overSocket);
    expect(a['content-security-policy']).toContain("default-src 'self'");
    expect(a['x-content-type-options']).toBe('nosniff');
    expect(a).toEqual(headersOf(inProcess));
  });
});
