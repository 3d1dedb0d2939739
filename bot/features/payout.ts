import { randomBytes } from 'node:crypto';
import { Composer, InlineKeyboard } from 'grammy';
import { isDomainError } from '../../core/domain/errors.js';
import {
  PAYOUT_MAX_BYTES,
  assertPayoutConfirmed,
  executePayout,
  parsePayoutCsv,
  payoutPeriod,
  previewPayout,
  resolvePayoutMission,
} from '../../core/missions/payout.js';
import type { Services } from '../../core/services.js';
import { looksLikeDate } from '../../core/domain/time.js';
import type { BotContext } from '../context.js';
import { isAdmin, refuse } from '../filters.js';
import { errorText } from '../errors.js';
import { clip } from '../format.js';
import type { Feature } from './index.js';

const TTL_S = 900;
const pendingKey = (adminId: number) => `bot:payout:pending:${adminId}`;
const previewKey = (token: string) => `bot:payout:preview:${token}`;
const lockKey = (token: string) => `bot:payout:lock:${token}`;
const SHOWN_INVALID = 10;
const SHOWN_UNKNOWN = 20;
/** hex digits of the file's sha256 on a confirm button (callback_data is at most 64 bytes), checked against the stored full hash */
const HASH_PREFIX = 32;

interface Pending {
  missionId: number;
  periodKey: string;
}
interface StoredPreview extends Pending {
  csvBase64: string;
  fileSha256: string;
  actorId: number;
}

/** Drops an admin's "waiting for the CSV" state; true when there was one (used by /cancel). */
export async function clearPendingPayout(s: Services, adminId: number): Promise<boolean> {
  const had = (await s.stores.kv.get(pendingKey(adminId))) !== null;
  if (had) await s.stores.kv.del(pendingKey(adminId));
  return had;
}

const looksLikeCsv = (name?: string, mime?: string) =>
  /\.(csv|txt)$/i.test(name ?? '') || /^(text\/(csv|plain|comma-separated-values)|application\/(csv|vnd\.ms-excel))/i.test(mime ?? '');

/**
 * /payout (docs/design.md, Manual payout): the admin names a mission and date (default: the
 * golden-hour mission, current period), uploads a CSV, sees a preview (valid, invalid lines,
 * already paid, ids that are no known player) and confirms; core/missions/payout.ts pays through the
 * ledger, so re-uploading the same file pays nobody twice. Like `confirm=<sha256>` over HTTP, a
 * confirm button carries the previewed file's hash, and unknown ids are paid only through their
 * own button ("incl. unknown ids"). State between steps lives in the shared KV store (Redis if configured).
 */
export const payoutFeature: Feature = ({ downloadFile }) => {
  const composer = new Composer<BotContext>();
  const admin = composer.filter(isAdmin);

  /** "/payout [missionKey] [YYYY-MM-DD]" → the target, or a reply explaining what is wrong. */
  async function target(ctx: BotContext, args: string): Promise<Pending | null> {
    const { s, t } = ctx;
    const parts = args.trim().split(/\s+/).filter(Boolean);
    const date = parts.find(looksLikeDate);
    const ref = parts.find((p) => p !== date);
    if (parts.length > 2) return void (await ctx.reply(t('payout.usage'))), null;
    let mission;
    try {
      mission = await resolvePayoutMission(s.catalog, ref);
    } catch {
      return void (await ctx.reply(t('payout.noMission', { key: ref ?? 'golden' }))), null;
    }
    try {
      return { missionId: mission.id, periodKey: payoutPeriod(mission, { date, nowMs: s.clock.nowMs(), tz: s.config.tz, maxAgeDays: s.config.payoutMaxAgeDays }) };
    } catch {
      return void (await ctx.reply(t('why.badDate', { value: date ?? '' }))), null;
    }
  }

  admin.command('payout', async (ctx, next) => {
    if (ctx.message?.document) return next(); // a captioned upload is handled below
    const p = await target(ctx, ctx.match);
    if (!p) return;
    await ctx.s.stores.kv.set(pendingKey(ctx.from!.id), JSON.stringify(p), TTL_S);
    const m = await ctx.s.catalog.get(p.missionId);
    await ctx.reply(ctx.t('payout.ask', { title: m?.title ?? String(p.missionId), period: p.periodKey }));
  });

  admin.on('message:document', async (ctx, next) => {
    const { s, t } = ctx;
    const caption = ctx.message.caption ?? '';
    const captioned = /^\/payout(@\w+)?(\s|$)/.test(caption);
    let p: Pending | null;
    if (captioned) {
      p = await target(ctx, caption.replace(/^\/payout(@\w+)?/, ''));
      if (!p) return;
    } else {
      const raw = await s.stores.kv.get(pendingKey(ctx.from.id));
      if (!raw) return next(); // not a payout upload
      p = JSON.parse(raw) as Pending;
    }
    const doc = ctx.message.document;
    if (!looksLikeCsv(doc.file_name, doc.mime_type)) return void (await ctx.reply(t('payout.notCsv')));
    if ((doc.file_size ?? 0) > PAYOUT_MAX_BYTES) return void (await ctx.reply(t('payout.tooBig')));
    const mission = await s.catalog.get(p.missionId);
    if (!mission) return void (await ctx.reply(t('err.MISSION_NOT_FOUND')));
    let bytes: Uint8Array;
    let parsed;
    try {
      bytes = await downloadFile(ctx.api, doc.file_id, PAYOUT_MAX_BYTES);
      parsed = parsePayoutCsv(bytes);
    } catch (err) {
      if (isDomainError(err) && err.code === 'PAYLOAD_TOO_LARGE') return void (await ctx.reply(err.message.includes('rows') ? errorText(t, err) : t('payout.tooBig')));
      throw err;
    }
    await s.stores.kv.del(pendingKey(ctx.from.id));
    const experiment = await s.experiments.timeline();
    await s.activity.flush(); // players this process saw in the last seconds count as known
    const preview = await previewPayout(s.database, { mission, periodKey: p.periodKey }, parsed, { experiment });
    const lines = [
      t('payout.preview', {
        title: preview.title,
        period: preview.periodKey,
        rows: preview.rows,
        valid: preview.valid,
        toPay: preview.toPay.length,
        alreadyPaid: preview.alreadyPaid.length,
        invalid: preview.invalid.length,
        duplicates: preview.duplicates.length,
      }),
      ...preview.invalid.slice(0, SHOWN_INVALID).map((l) => t('payout.invalidLine', l)),
    ];
    if (preview.invalid.length > SHOWN_INVALID) lines.push(t('payout.more', { n: preview.invalid.length - SHOWN_INVALID }));
    if (preview.unknown.length) {
      lines.push(t('payout.unknown', { n: preview.unknown.length, ids: preview.unknown.slice(0, SHOWN_UNKNOWN).join(', ') }));
      if (preview.unknown.length > SHOWN_UNKNOWN) lines.push(t('payout.more', { n: preview.unknown.length - SHOWN_UNKNOWN }));
    }
    if (preview.holdout.length) lines.push(t('payout.holdout', { n: preview.holdout.length }));
    // what the "incl. unknown ids" button would pay (the holdout rule still applies to them)
    const withUnknown = preview.unknown.length
      ? (await previewPayout(s.database, { mission, periodKey: p.periodKey }, parsed, { experiment, includeUnknown: true })).toPay.length
      : preview.toPay.length;
    const keyboard = new InlineKeyboard();
    if (withUnknown) {
      const token = randomBytes(8).toString('hex');
      const hash = parsed.fileSha256.slice(0, HASH_PREFIX);
      const stored: StoredPreview = { ...p, csvBase64: Buffer.from(bytes).toString('base64'), fileSha256: parsed.fileSha256, actorId: ctx.from.id };
      await s.stores.kv.set(previewKey(token), JSON.stringify(stored), TTL_S);
      if (preview.toPay.length) keyboard.text(t('payout.confirmButton', { n: preview.toPay.length }), `pay:go:${token}:${hash}`);
      if (withUnknown > preview.toPay.length) keyboard.text(t('payout.confirmAllButton', { n: withUnknown }), `pay:all:${token}:${hash}`);
      keyboard.text(t('common.cancel'), `pay:no:${token}`);
    } else {
      lines.push('', t('payout.nothingToPay'));
    }
    await ctx.reply(clip(lines.join('\n')), { reply_markup: withUnknown ? keyboard : undefined });
  });

  admin.callbackQuery(new RegExp(`^pay:(go|all):([0-9a-f]{16}):([0-9a-f]{${HASH_PREFIX}})$`), async (ctx) => {
    const { s, t } = ctx;
    const includeUnknown = ctx.match[1] === 'all';
    const token = ctx.match[2]!;
    const raw = await s.stores.kv.get(previewKey(token));
    if (!raw) return void (await ctx.answerCallbackQuery({ text: t('common.expired'), show_alert: true }));
    const stored = JSON.parse(raw) as StoredPreview;
    // the button confirms the file it was shown for, and that file is the one stored
    const parsed = parsePayoutCsv(Buffer.from(stored.csvBase64, 'base64'));
    try {
      if (!stored.fileSha256.startsWith(ctx.match[3]!)) throw new Error('another file');
      assertPayoutConfirmed(stored.fileSha256, parsed);
    } catch {
      return void (await ctx.answerCallbackQuery({ text: t('payout.changed'), show_alert: true }));
    }
    // one confirmation per preview, even if a button is pressed twice
    if (!(await s.stores.kv.setIfAbsent(lockKey(token), '1', TTL_S))) {
      return void (await ctx.answerCallbackQuery({ text: t('common.expired'), show_alert: true }));
    }
    const mission = await s.catalog.get(stored.missionId);
    if (!mission) return void (await ctx.answerCallbackQuery({ text: t('err.MISSION_NOT_FOUND'), show_alert: true }));
    await ctx.answerCallbackQuery();
    await s.activity.flush();
    const r = await executePayout(s, ctx.from.id, { mission, periodKey: stored.periodKey }, parsed, { includeUnknown });
    await s.stores.kv.del(previewKey(token));
    s.log.info(
      { actorId: ctx.from.id, batchId: r.batchId, missionId: r.missionId, periodKey: r.periodKey, paid: r.paid, alreadyPaid: r.alreadyPaid, unknownSkipped: r.unknownSkipped, includeUnknown },
      'payout executed',
    );
    const done = [t('payout.done', { batchId: r.batchId, paid: r.paid, alreadyPaid: r.alreadyPaid, invalid: r.invalid })];
    if (r.unknownSkipped) done.push(t('payout.unknownSkipped', { n: r.unknownSkipped }));
    await ctx.editMessageText(done.join('\n'));
  });

  admin.callbackQuery(/^pay:no:([0-9a-f]{16})$/, async (ctx) => {
    await ctx.s.stores.kv.del(previewKey(ctx.match[1]!));
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t('common.cancelled'));
  });

  composer.callbackQuery(/^pay:/, refuse);
  return composer;
};
