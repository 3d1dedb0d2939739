import type { Hono } from 'hono';
import type { Services } from '../core/services.js';
import type { AuthEnv } from '../webapp/server/auth.js';
import { createClockGuard } from '../core/worker/clockGuard.js';

/**
 * Role wiring beyond the API (bot, worker jobs). Each part adds itself here so start.ts stays
 * small: `mounts` adds HTTP routes to the API app, `stoppers` run on SIGTERM in reverse order.
 */
export interface RoleHooks {
  mounts: Array<(app: Hono<AuthEnv>, s: Services) => void>;
  stoppers: Array<() => Promise<void>>;
}

export async function attachRoles(s: Services, hooks: RoleHooks): Promise<void> {
  // bot (bot/run.ts) and worker jobs (core/worker/scheduler.ts) are attached here
  if (s.config.roles.includes('bot') && s.config.botToken && s.config.botMode !== 'off') {
    const { startBot } = await import('../bot/run.js');
    const bot = await startBot(s);
    if (bot.mount) hooks.mounts.push(bot.mount);
    hooks.stoppers.push(() => bot.stop());
  }
  if (s.config.roles.includes('worker')) await startWorkerJobs(s, hooks);
  else if (s.config.roles.includes('api')) startClockGuard(s, hooks);
}

/**
 * Every process that judges windows (api: list and claim; worker: the consumer) checks its own
 * machine's clock, since that is the clock its decisions use.
 */
function startClockGuard(s: Services, hooks: RoleHooks) {
  const guard = createClockGuard(s.config, { clock: s.clock, metrics: s.metrics, log: s.log });
  if (guard) {
    s.setClockHealth(guard);
    guard.start(s.config.clockCheckIntervalS);
    hooks.stoppers.push(() => guard.stop());
  }
  return guard;
}

/** Worker: the clock guard (NTP_SERVERS), the golden-hour scheduler (core/worker/scheduler.ts) and evidence keeping (core/worker/retention.ts). */
async function startWorkerJobs(s: Services, hooks: RoleHooks): Promise<void> {
  const { Scheduler } = await import('../core/worker/scheduler.js');
  const { postDailyReport } = await import('../core/reports/report.js');
  const guard = startClockGuard(s, hooks);
  // the sender comes from the composition root (core/services.ts): the bulk lane of the one budget
  const sender = s.sender;
  if (!sender) s.log.warn('BOT_TOKEN not set: the scheduler runs, but announcements and reminders are skipped');
  const scheduler = new Scheduler(s, { guard, broadcaster: s.broadcaster, api: sender, onDailyReport: sender ? (date) => postDailyReport(s, sender, date) : undefined });
  scheduler.start();
  hooks.stoppers.push(() => scheduler.stop());
  // evidence partitions ahead, stored final reports, retention (core/worker/retention.ts)
  const { EvidenceKeeper } = await import('../core/worker/retention.js');
  const keeper = new EvidenceKeeper(s);
  keeper.start();
  hooks.stoppers.push(() => keeper.stop());
}
