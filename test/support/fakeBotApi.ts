import { Worker } from 'node:worker_threads';

/**
 * A loopback Bot API for delivery tests. Sending methods (sendMessage, editMessageText,
 * answerCallbackQuery, …) share one rate, enforced with a token bucket (like Telegram, it tolerates
 * a short burst) and answered 429 with `retry_after` past it; with `perChat`, each chat has its own
 * bucket too (Telegram: about one message per second per chat). 403 for blocked chats, 502 a
 * configured number of times for "flaky" chats. Every accepted sendMessage is recorded in
 * `messages`, every other accepted call in `calls`, with the fake's own timestamp; other methods
 * (getMe, setMyCommands, …) answer true without limits.
 *
 * The server runs in a worker thread with its own event loop, as the real API runs elsewhere: its
 * clock and rate enforcement are not skewed by the sender's (or PGlite's) work on the test thread.
 * Call `await fake.sync()` before reading `messages` after a send finished.
 *
 *   const api = await startFakeBotApi({ rate: 200, blocked: [7] });
 *   new Api(token, { apiRoot: api.apiRoot });
 */
export interface FakeMessage {
  chatId: number;
  text: string;
  body: Record<string, unknown>;
  /** ms (absolute, high resolution) when the fake accepted it */
  at: number;
}

export interface FakeCall {
  method: string;
  chatId: number | null;
  body: Record<string, unknown>;
  at: number;
}

export interface FakeBotApi {
  apiRoot: string;
  messages: FakeMessage[];
  /** accepted sending calls other than sendMessage (answerCallbackQuery, editMessageText, …) */
  calls: FakeCall[];
  /** sending requests received, accepted or not */
  attempts: number;
  /** accepted messages for a chat */
  count(chatId: number): number;
  rejected429: number;
  /** of rejected429, those refused by a chat's own limit */
  rejected429PerChat: number;
  rejected403: number;
  /** accepted messages per second between the first and the last accepted one */
  achievedRate(): number;
  /** resolves once every message accepted so far is in `messages` */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface FakeBotApiOptions {
  /** messages per second; Infinity (default) disables the limit */
  rate?: number;
  /** bucket size; default a quarter second's worth */
  burst?: number;
  blocked?: Iterable<number>;
  /** chat id → how many times to answer 502 before accepting */
  flaky?: Record<number, number>;
  /** a limit per chat as well (Telegram: ~1/s, short bursts tolerated) */
  perChat?: { rate: number; burst: number };
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createServer } = require('node:http');
const o = workerData;
const rate = o.rate === null ? Infinity : o.rate;
const burst = o.burst;
let tokens = burst;
let last = performance.now();
const blocked = new Set(o.blocked);
const flaky = new Map(Object.entries(o.flaky).map(([k, v]) => [Number(k), v]));
const now = () => performance.timeOrigin + performance.now();
const reply = (res, status, body) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
const perChat = o.perChat;
const chats = new Map();
const SENDING = /^(send|copy|forward|edit|answer|stopPoll)/;
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const m = /\\/bot[^/]+\\/(\\w+)$/.exec(req.url || '');
    if (!m) return reply(res, 404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
    const method = m[1];
    let body;
    try { body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'); } catch { return reply(res, 400, { ok: false, error_code: 400, description: 'Bad Request: bad JSON' }); }
    if (!SENDING.test(method) || method === 'sendChatAction') return reply(res, 200, { ok: true, result: true });
    parentPort.postMessage({ type: 'attempt' });
    const chatId = body.chat_id === undefined ? null : Number(body.chat_id);
    const t = performance.now();
    if (rate !== Infinity) {
      tokens = Math.min(burst, tokens + ((t - last) / 1000) * rate);
      last = t;
      if (tokens < 1) {
        const retryAfter = Math.max(1, Math.ceil((1 - tokens) / rate));
        parentPort.postMessage({ type: '429' });
        return reply(res, 429, { ok: false, error_code: 429, description: 'Too Many Requests: retry after ' + retryAfter, parameters: { retry_after: retryAfter } });
      }
    }
    if (perChat && chatId !== null) {
      const c = chats.get(chatId) || { tokens: perChat.burst, last: t };
      c.tokens = Math.min(perChat.burst, c.tokens + ((t - c.last) / 1000) * perChat.rate);
      c.last = t;
      chats.set(chatId, c);
      if (c.tokens < 1) {
        const retryAfter = Math.max(1, Math.ceil((1 - c.tokens) / perChat.rate));
        parentPort.postMessage({ type: '429', perChat: true });
        return reply(res, 429, { ok: false, error_code: 429, description: 'Too Many Requests: retry after ' + retryAfter, parameters: { retry_after: retryAfter } });
      }
      c.tokens -= 1;
    }
    if (rate !== Infinity) tokens -= 1;
    if (chatId !== null && blocked.has(chatId)) {
      parentPort.postMessage({ type: '403' });
      return reply(res, 403, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    }
    const f = chatId === null ? 0 : flaky.get(chatId) || 0;
    if (f > 0) { flaky.set(chatId, f - 1); return reply(res, 502, { ok: false, error_code: 502, description: 'Bad Gateway' }); }
    const at = now();
    if (method !== 'sendMessage') {
      parentPort.postMessage({ type: 'call', call: { method, chatId, body, at } });
      const result = method.startsWith('edit') || method.startsWith('send') || method.startsWith('copy') || method.startsWith('forward')
        ? { message_id: 1, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private' }, text: String(body.text || '') }
        : true;
      return reply(res, 200, { ok: true, result });
    }
    parentPort.postMessage({ type: 'msg', msg: { chatId, text: String(body.text || ''), body, at } });
    reply(res, 200, { ok: true, result: { message_id: 1, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private' }, text: String(body.text || '') } });
  });
});
parentPort.on('message', (m) => {
  if (m.type === 'sync') parentPort.postMessage({ type: 'synced', id: m.id });
  if (m.type === 'close') { server.closeAllConnections(); server.close(() => parentPort.postMessage({ type: 'closed' })); }
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ type: 'listening', port: server.address().port }));
`;

export async function startFakeBotApi(o: FakeBotApiOptions = {}): Promise<FakeBotApi> {
  const rate = o.rate ?? Infinity;
  const burst = o.burst ?? Math.max(1, Math.ceil(rate * 0.25));
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { rate: Number.isFinite(rate) ? rate : null, burst: Number.isFinite(burst) ? burst : 1, blocked: [...(o.blocked ?? [])], flaky: o.flaky ?? {}, perChat: o.perChat ?? null },
  });
  const perChat = new Map<number, number>();
  const waiting = new Map<number, () => void>();
  let syncId = 0;
  let closed: (() => void) | null = null;
  const fake: FakeBotApi = {
    apiRoot: '',
    messages: [],
    calls: [],
    attempts: 0,
    count: (id) => perChat.get(id) ?? 0,
    rejected429: 0,
    rejected429PerChat: 0,
    rejected403: 0,
    achievedRate() {
      const m = fake.messages;
      if (m.length < 2) return 0;
      return ((m.length - 1) * 1000) / (m[m.length - 1]!.at - m[0]!.at);
    },
    sync() {
      const id = ++syncId;
      return new Promise<void>((r) => {
        waiting.set(id, r);
        worker.postMessage({ type: 'sync', id });
      });
    },
    async close() {
      await new Promise<void>((r) => {
        closed = r;
        worker.postMessage({ type: 'close' });
      });
      await worker.terminate();
    },
  };
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (m: { type: string; port?: number; id?: number; msg?: FakeMessage; call?: FakeCall; perChat?: boolean }) => {
      if (m.type === 'listening') resolve(m.port!);
      else if (m.type === 'msg') {
        fake.messages.push(m.msg!);
        perChat.set(m.msg!.chatId, (perChat.get(m.msg!.chatId) ?? 0) + 1);
      } else if (m.type === 'call') fake.calls.push(m.call!);
      else if (m.type === 'attempt') fake.attempts++;
      else if (m.type === '429') {
        fake.rejected429++;
        if (m.perChat) fake.rejected429PerChat++;
      }
      else if (m.type === '403') fake.rejected403++;
      else if (m.type === 'synced') {
        waiting.get(m.id!)?.();
        waiting.delete(m.id!);
      } else if (m.type === 'closed') closed?.();
    });
  });
  fake.apiRoot = `http://127.0.0.1:${port}`;
  return fake;
}
