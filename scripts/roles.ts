import type { Hono } from 'hono';
import type { Services } from '../core/services.js';
import type { AuthEnv } from '../webapp/server/auth.js';

/**
 * Role wiring beyond the API (bot, worker jobs). Each part adds itself here so start.ts stays
 * small: `mounts` adds HTTP routes to the API app, `stoppers` run on SIGTERM in reverse order.
 */
export interface RoleHooks {
  mounts: Array<(app: Hono<AuthEnv>, s: Services) => void>;
  stoppers: Array<() => Promise<void>>;
}

export async function attachRoles(s: Services, hooks: RoleHooks): Promise<void> {
  // bot (bot/run.ts) and worker jobs (core/scheduler.ts) are attached here
  if (s.config.roles.includes('bot') && s.config.botToken && s.config.botMode !== 'off') {
    const { startBot } = await import('../bot/run.js');
    const bot = await startBot(s);
    if (bot.mount) hooks.mounts.push(bot.mount);
    hooks.stoppers.push(() => bot.stop());
  }
}
