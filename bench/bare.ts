import { serve } from '@hono/node-server';
import { Hono } from 'hono';

/**
 * The mission list's baseline: a bare Hono route in its own process, answering the body it is
 * sent over IPC (the same bytes the real list answered), with no auth, database or domain code.
 */
process.once('message', (m: { body: string }) => {
  const body = JSON.parse(m.body) as unknown;
  const app = new Hono();
  app.get('/bench/bare', (c) => c.json(body as object));
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => process.send?.({ port: info.port }));
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
});
