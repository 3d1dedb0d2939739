import type { Middleware } from 'grammy';
import type { BotContext, BotDeps, DownloadFile } from '../context.js';
import { welcomeFeature } from './welcome.js';
import { missionsFeature } from './missions.js';
import { adminFeature } from './admin.js';
import { missionEditFeature } from './missionEdit.js';
import { payoutFeature } from './payout.js';
import { reportFeature } from './report.js';
import { broadcastFeature } from './broadcast.js';
import { experimentFeature } from './experiment.js';
import { adminGate } from '../commands.js';

/** What a feature gets when the bot is built (the bot's deps with defaults filled in). */
export interface FeatureDeps extends BotDeps {
  apiRoot: string;
  webappUrl: string;
  downloadFile: DownloadFile;
}

/** A feature builds one Composer (docs/design.md: bot/features/<name>.ts, filter first, then handlers). */
export type Feature = (deps: FeatureDeps) => Middleware<BotContext>;

/**
 * The bot's features, in the order they see updates. OTHER PARTS ADD THEIR OWN HERE: append one
 * import and one entry (e.g. `broadcastFeature` from ./broadcast.ts for /broadcast_test,
 * `reportFeature` from ./report.ts for /report). Admin-only features should filter with
 * `isAdmin` and call `refuse` from ../filters.ts for everyone else.
 * missionEdit comes before admin because it owns /cancel and the active conversation.
 */
export const features: Feature[] = [adminGate, welcomeFeature, missionEditFeature, payoutFeature, missionsFeature, adminFeature, reportFeature, broadcastFeature, experimentFeature];
