import type { AddressInfo } from 'node:net';
import TelegramServer from 'telegram-test-api';
import type { Bot } from 'grammy';
import type { Update } from 'grammy/types';
import type { BotContext } from '../../bot/context.js';

/**
 * The telegram-test-api emulator (a real Bot API HTTP server) on 127.0.0.1 and a random port.
 * Its getUpdates never long-polls, so instead of a spinning poller the test "pumps": fetch the
 * pending updates over HTTP once and hand them to bot.handleUpdate, deterministically.
 */
export async function startEmulator() {
  const server = new TelegramServer({ host: '127.0.0.1', port: 1, storeTimeout: 600 });
  // the emulator cannot take port 0 (it defaults to 9000): listen on 0, then publish the real port
  (server as unknown as { config: { port: number } }).config.port = 0;
  await server.start();
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
  server.config.apiURL = `http://127.0.0.1:${port}`;
  return {
    server,
    apiRoot: server.config.apiURL,
    async pump(bot: Bot<BotContext>, token: string) {
      const res = await fetch(`${server.config.apiURL}/bot${token}/getUpdates`, { method: 'POST' });
      const body = (await res.json()) as { result: Update[] };
      for (const u of body.result) await bot.handleUpdate(u);
      return body.result.length;
    },
    /** the bot's messages to a chat, as currently stored (edits applied in place) */
    botMessages(chatId: number) {
      return server.storage.botMessages
        .filter((m) => String(m.message.chat_id) === String(chatId))
        .map((m) => ({ messageId: m.messageId, text: String(m.message.text), markup: m.message.reply_markup as { inline_keyboard?: Array<Array<{ text: string; callback_data?: string; web_app?: { url: string } }>> } | undefined }));
    },
    stop: () => server.stop(),
  };
}
