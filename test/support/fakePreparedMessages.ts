import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback Bot API with the two methods the share route calls: `getMe` and
 * `savePreparedInlineMessage` (Bot API 8.0). Records every prepared message and answers with an
 * id, as Telegram does; `fail: true` answers 400 like a bot without inline mode.
 *
 *   const bot = await startFakePreparedMessages({ username: 'golden_test_bot' });
 *   testConfig({ TELEGRAM_API_ROOT: bot.apiRoot, ... })
 */
export interface Prepared {
  userId: number;
  result: Record<string, unknown>;
  body: Record<string, unknown>;
  id: string;
}

export async function startFakePreparedMessages(o: { username?: string; fail?: boolean } = {}) {
  const prepared: Prepared[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const method = (req.url ?? '').split('/').pop();
      const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
      const reply = (status: number, b: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(b));
      };
      if (method === 'getMe') return reply(200, { ok: true, result: { id: 7000000001, is_bot: true, first_name: 'Golden Hour', username: o.username ?? 'golden_test_bot' } });
      if (method === 'savePreparedInlineMessage') {
        if (o.fail) return reply(400, { ok: false, error_code: 400, description: 'Bad Request: BOT_INLINE_DISABLED' });
        const id = `prep-${prepared.length + 1}`;
        prepared.push({ userId: Number(body.user_id), result: body.result as Record<string, unknown>, body, id });
        return reply(200, { ok: true, result: { id, expiration_date: Math.floor(Date.now() / 1000) + 86_400 } });
      }
      reply(404, { ok: false, error_code: 404, description: 'Not Found: method not faked' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    apiRoot: `http://127.0.0.1:${port}`,
    prepared,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
