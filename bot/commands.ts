import { Composer } from 'grammy';
import type { BotCommand } from 'grammy/types';
import type { FlagState } from '../core/platform/config.js';
import type { BotContext } from './context.js';
import { isAdmin, refuse } from './filters.js';
import { translate, type Lang } from './i18n.js';

/**
 * The bot's command list, once: the menu Telegram shows (setMyCommands), the admin-only set that
 * everyone else is refused, and the flag commands. A feature that adds a command adds it here and
 * its description to bot/locales (`cmd.<name>`).
 */
export const PLAYER_COMMANDS = ['start', 'missions'] as const;

export const FLAG_COMMANDS = { golden_on: 'on', golden_off: 'off', golden_dry: 'dry_run' } as const satisfies Record<string, FlagState>;

export const ADMIN_COMMANDS = [
  'golden',
  ...(Object.keys(FLAG_COMMANDS) as (keyof typeof FLAG_COMMANDS)[]),
  'golden_time',
  'mission_edit',
  'audit',
  'report',
  'why',
  'broadcast_test',
  'payout',
  'experiment',
] as const;

export type PlayerCommand = (typeof PLAYER_COMMANDS)[number];
export type AdminCommand = (typeof ADMIN_COMMANDS)[number];

/** The menu for a language: players see theirs; admins also get the admin commands and /cancel. */
export function commandMenu(lang: Lang, admin = false): BotCommand[] {
  const names: (PlayerCommand | AdminCommand | 'cancel')[] = admin ? [...PLAYER_COMMANDS, ...ADMIN_COMMANDS, 'cancel'] : [...PLAYER_COMMANDS];
  return names.map((command) => ({ command, description: translate(lang, `cmd.${command}`) }));
}

/**
 * Refuses every admin command to everyone not in ADMIN_IDS, before any feature sees it: one place
 * decides, so a new admin command cannot forget its refusal. Nothing else happens for them.
 */
export function adminGate() {
  const composer = new Composer<BotContext>();
  composer.filter((ctx) => !isAdmin(ctx)).command([...ADMIN_COMMANDS], refuse);
  return composer;
}
