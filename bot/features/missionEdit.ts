import { Composer, InlineKeyboard, type Context } from 'grammy';
import { createConversation, type Conversation } from '@grammyjs/conversations';
import { adminView, parseMissionPatch, updateMission, type MissionPatch } from '../../core/missions/adminMissions.js';
import { isDomainError } from '../../core/domain/errors.js';
import type { BotContext, BotExtras } from '../context.js';
import { isAdmin, refuse } from '../filters.js';
import { errorText } from '../errors.js';
import { hhmm } from '../format.js';
import { zoneLabel } from '../../core/domain/time.js';
import type { MessageKey, Translate } from '../i18n.js';
import { parseGoldenTime } from './admin.js';
import { clearPendingPayout } from './payout.js';
import type { Feature } from './index.js';

type Inner = Context & BotExtras;
type AdminView = ReturnType<typeof adminView>;

export const EDIT_FIELDS = ['title', 'target', 'diamonds', 'xp', 'tickets', 'window', 'autoClaim'] as const;
export type EditField = (typeof EDIT_FIELDS)[number];
const MAX_TRIES = 5;

const fieldLabel = (t: Translate, f: EditField) => t(`edit.field.${f}` as MessageKey & `edit.field.${string}`);

function currentValue(t: Translate, m: AdminView, f: EditField): string {
  switch (f) {
    case 'title':
      return m.title;
    case 'target':
      return String(m.target);
    case 'diamonds':
    case 'xp':
    case 'tickets':
      return String(m.rewards[f]);
    case 'window':
      return m.startTime && m.endTime ? `${hhmm(m.startTime)} ${hhmm(m.endTime)}` : t('edit.none');
    case 'autoClaim':
      return m.autoClaim ? 'on' : 'off';
  }
}

const hintFor = (t: Translate, f: EditField) =>
  f === 'title' ? t('edit.hint.title') : f === 'target' ? t('edit.hint.target') : f === 'window' ? t('edit.hint.window') : f === 'autoClaim' ? t('edit.hint.autoClaim') : t('edit.hint.number');

/** Turns the admin's answer into a validated patch (same zod rules as the API), or a reason. */
export function answerToPatch(t: Translate, field: EditField, raw: string, zone: string): { ok: true; patch: MissionPatch; shown: string } | { ok: false; reason: string } {
  const text = raw.trim();
  let patch: Record<string, unknown>;
  switch (field) {
    case 'title':
      patch = { title: text };
      break;
    case 'target':
    case 'diamonds':
    case 'xp':
    case 'tickets': {
      if (!/^\d{1,10}$/.test(text)) return { ok: false, reason: hintFor(t, field) };
      patch = field === 'target' ? { target: Number(text) } : { rewards: { [field]: Number(text) } };
      break;
    }
    case 'window': {
      if (/^(none|없음|-|off)$/i.test(text)) {
        patch = { startTime: null, endTime: null };
        break;
      }
      const w = parseGoldenTime(t, text, zone);
      if (!w.ok) return { ok: false, reason: w.message };
      patch = { startTime: w.start, endTime: w.end };
      break;
    }
    case 'autoClaim': {
      if (/^(on|true|yes|켜기|켬|예)$/i.test(text)) patch = { autoClaim: true };
      else if (/^(off|false|no|끄기|끔|아니오)$/i.test(text)) patch = { autoClaim: false };
      else return { ok: false, reason: hintFor(t, field) };
      break;
    }
  }
  try {
    const parsed = parseMissionPatch(patch);
    const shown = field === 'window' ? (parsed.startTime ? `${hhmm(parsed.startTime)} ${hhmm(parsed.endTime!)}` : t('edit.none')) : field === 'autoClaim' ? (parsed.autoClaim ? 'on' : 'off') : text;
    return { ok: true, patch: parsed, shown };
  } catch (err) {
    if (isDomainError(err)) return { ok: false, reason: err.message };
    throw err;
  }
}

/**
 * /mission_edit (docs/design.md): choose mission → field → value (validated, with a retry prompt)
 * → confirm, then updateMission (which writes the audit row). /cancel leaves at any step.
 * Conversation state is in Redis when configured (bot/conversationStorage.ts).
 */
export const missionEditFeature: Feature = ({ s }) => {
  const composer = new Composer<BotContext>();

  async function missionEdit(conversation: Conversation<BotContext, Inner>, ctx: Inner) {
    const t = ctx.t;
    const actorId = ctx.from!.id;
    const list = await conversation.external(async () => (await s.catalog.all()).map((m) => ({ id: m.id, title: m.title })));
    const kb = new InlineKeyboard();
    for (const m of list) kb.text(`#${m.id} ${m.title}`, `me:m:${m.id}`).row();
    kb.text(t('common.cancel'), 'me:cancel');
    await ctx.reply(t('edit.chooseMission'), { reply_markup: kb });
    const pick = await conversation.waitForCallbackQuery([/^me:m:\d+$/, 'me:cancel'], { otherwise: (c) => c.reply(t('edit.useButtons')) });
    await pick.answerCallbackQuery();
    if (pick.callbackQuery.data === 'me:cancel') return void (await pick.editMessageText(t('common.cancelled')));
    const missionId = Number(pick.callbackQuery.data.split(':')[2]);
    const mission = await conversation.external(async () => {
      const m = await s.catalog.fresh(missionId);
      return m ? adminView(m) : null;
    });
    if (!mission) return void (await ctx.reply(t('err.MISSION_NOT_FOUND')));

    const fk = new InlineKeyboard();
    EDIT_FIELDS.forEach((f, i) => {
      fk.text(fieldLabel(t, f), `me:f:${f}`);
      if (i % 2 === 1) fk.row();
    });
    fk.row().text(t('common.cancel'), 'me:cancel');
    await pick.editMessageText(t('edit.chooseField', { title: mission.title }), { reply_markup: fk });
    const fieldPick = await conversation.waitForCallbackQuery([/^me:f:\w+$/, 'me:cancel'], { otherwise: (c) => c.reply(t('edit.useButtons')) });
    await fieldPick.answerCallbackQuery();
    if (fieldPick.callbackQuery.data === 'me:cancel') return void (await fieldPick.editMessageText(t('common.cancelled')));
    const field = fieldPick.callbackQuery.data.slice(5) as EditField;
    if (!EDIT_FIELDS.includes(field)) return void (await ctx.reply(t('edit.useButtons')));

    await ctx.reply(t('edit.askValue', { field: fieldLabel(t, field), current: currentValue(t, mission, field), hint: hintFor(t, field) }));
    let result: Extract<ReturnType<typeof answerToPatch>, { ok: true }> | null = null;
    for (let i = 0; i < MAX_TRIES && !result; i++) {
      const answer = await conversation.waitFor('message:text', { otherwise: (c) => c.reply(hintFor(t, field)) });
      const r = answerToPatch(t, field, answer.message.text, zoneLabel(s.config.tz));
      if (r.ok) result = r;
      else await answer.reply(t('edit.invalid', { reason: r.reason }));
    }
    if (!result) return void (await ctx.reply(t('edit.tooManyTries')));

    const ck = new InlineKeyboard().text(t('common.confirm'), 'me:ok').text(t('common.cancel'), 'me:cancel');
    await ctx.reply(t('edit.confirm', { title: mission.title, field: fieldLabel(t, field), before: currentValue(t, mission, field), after: result.shown }), { reply_markup: ck });
    const confirm = await conversation.waitForCallbackQuery(['me:ok', 'me:cancel'], { otherwise: (c) => c.reply(t('edit.useButtons')) });
    await confirm.answerCallbackQuery();
    if (confirm.callbackQuery.data === 'me:cancel') return void (await confirm.editMessageText(t('common.cancelled')));
    const patch = result.patch;
    const outcome = await conversation.external(async () => {
      try {
        const m = await updateMission(s, actorId, missionId, patch);
        return { ok: true as const, title: m.title };
      } catch (err) {
        if (isDomainError(err)) return { ok: false as const, text: errorText(t, err) };
        throw err;
      }
    });
    await confirm.editMessageText(outcome.ok ? t('edit.done', { title: outcome.title }) : outcome.text);
  }

  // /cancel leaves whatever admin flow is running (conversation or a pending /payout)
  composer.command('cancel', async (ctx) => {
    const active = Object.keys(ctx.conversation.active()).length > 0;
    if (active) await ctx.conversation.exitAll();
    const payout = ctx.from ? await clearPendingPayout(ctx.s, ctx.from.id) : false;
    await ctx.reply(active || payout ? ctx.t('common.cancelled') : ctx.t('common.nothingToCancel'));
  });
  composer.use(createConversation<BotContext, Inner>(missionEdit, 'missionEdit'));
  const privateChat = composer.chatType('private');
  privateChat.filter(isAdmin).command('mission_edit', async (ctx) => {
    await ctx.conversation.exitAll();
    await ctx.conversation.enter('missionEdit');
  });
  composer.callbackQuery(/^me:/, async (ctx) => {
    // a button of a finished or cancelled conversation
    await ctx.answerCallbackQuery({ text: ctx.t('common.expired') });
  });
  return composer;
};
