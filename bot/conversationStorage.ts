import type { ConversationData, VersionedStateStorage } from '@grammyjs/conversations';
import type { Services } from '../core/services.js';

/** Idle conversations are forgotten after a day. */
const TTL_S = 86_400;

/**
 * Conversation state in Redis when configured, so any bot instance can continue a
 * /mission_edit started on another; otherwise the plugin's in-memory default.
 * Keys live under the services' Redis prefix (ioredis keyPrefix), e.g. `gh:conv:<chatId>`.
 */
export function conversationStorage(s: Services) {
  const redis = s.stores.redis;
  if (!redis) return undefined;
  const adapter: VersionedStateStorage<string, ConversationData> = {
    async read(key) {
      const raw = await redis.get(key);
      return raw ? JSON.parse(raw) : undefined;
    },
    async write(key, state) {
      await redis.set(key, JSON.stringify(state), 'EX', TTL_S);
    },
    async delete(key) {
      await redis.del(key);
    },
  };
  return { type: 'key' as const, prefix: 'conv:', adapter };
}
