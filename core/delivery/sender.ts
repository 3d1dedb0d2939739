import { Api } from 'grammy';
import { outboundTransformer, type OutboundBudget } from './budget.js';

/**
 * The worker's Bot API client (announcements, reminders, the daily report, alerts to admins):
 * built once by the composition root (core/services.ts) with the outbound budget's bulk lane, so
 * none of it can delay an interactive answer (docs/broadcast.md).
 */
export function createSender(o: { token: string; apiRoot?: string; budget: OutboundBudget }): Api {
  const api = new Api(o.token, o.apiRoot ? { apiRoot: o.apiRoot } : undefined);
  api.config.use(outboundTransformer(o.budget, 'bulk'));
  return api;
}

/** The budget's key: the bot id part of the token (not secret), so two bots never share a budget. */
export const botIdOf = (token: string | undefined) => (token ? token.split(':')[0]! : 'none');
