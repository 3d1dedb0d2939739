import { Composer, InlineKeyboard } from 'grammy';
import type { FlagState } from '../../core/platform/config.js';
import { isDomainError } from '../../core/domain/errors.js';
import { listAudit } from '../../core/missions/audit.js';
import { updateMission } from '../../core/missions/adminMissions.js';
import { goldenCounts } from '../../core/missions/goldenStatus.js';
import { estimateAnnouncement } from '../../core/delivery/estimate.js';
import { explainUser } from '../../core/missions/why.js';
import { HOLDOUT_ARM } from '../../core/domain/experiment.js';
import { formatLocal, looksLikeDate, zoneLabel } from '../../core/domain/time.js';
import { parseTimeOfDay, validateWindow } from '../../core/domain/window.js';
import type { BotContext } from '../context.js';
import { isAdmin, refuse } from '../filters.js';
import { errorText } from '../errors.js';
import { clip, hhmm } from '../format.js';
import type { Translate } from '../i18n.js';
import { FLAG_COMMANDS } from '../commands.js';
import type { Feature } from './index.js';


function clockText(t: Translate, ctx: BotContext): string {
  const st = ctx.s.clockHealth.state();
  if (!st.enabled) return t('golden.clockOff');
  if (st.healthy) return t('golden.clockHealthy', { checkedAt: st.checkedAt ? formatLocal(Date.parse(st.checkedAt), ctx.s.config.tz, 'HH:mm:ss') : '-' });
  return t('golden.clockUnhealthy', { failures: st.consecutiveFailures, error: st.lastError ?? '-' });
}

/** The next announcement's reach plan (docs/broadcast.md): who gets which message when, the finish, the Stars. */
async function broadcastText(t: Translate, ctx: BotContext): Promise<string> {
  const e = await estimateAnnouncement(ctx.s).catch(() => null);
  if (!e) return '';
  const hm = (local: string) => local.slice(0, 5);
  return `\n\n${t('golden.broadcast', {
    day: e.day,
    recipients: e.recipients,
    rate: e.ratePerS,
    finish: e.expectedFinishLocal,
    outlasts: e.outlastsWindow,
    zone: zoneLabel(ctx.s.config.tz),
    pre: e.plan.pre,
    preStart: e.startsAtLocal,
    opens: hm(e.opensAtLocal),
    live: e.plan.live + e.plan.paid,
    paid: e.plan.paid,
    stars: e.plan.stars,
    reachBy: e.reachByLocal,
    late: e.plan.late,
    sentPre: e.sentSoFar.pre ?? 0,
    sentLive: e.sentSoFar.live ?? 0,
  })}`;
}

/** Parses "/golden_time 21:30 22:30" into a validated window, or a localized reason. */
export function parseGoldenTime(t: Translate, args: string, zone: string): { ok: true; start: string; end: string } | { ok: false; message: string } {
  const parts = args.trim().split(/\s+/).filter(Boolean);
  if (parts.length !== 2) return { ok: false, message: t('time.usage', { zone }) };
  for (const p of parts) {
    try {
      parseTimeOfDay(p);
    } catch {
      return { ok: false, message: `${t('time.badTime', { value: p.slice(0, 20) })}\n${t('time.usage', { zone })}` };
    }
  }
  try {
    const w = validateWindow(parts[0], parts[1])!;
    return { ok: true, start: w.start, end: w.end };
  } catch {
    return { ok: false, message: t('time.equal') };
  }
}

const confirmKeyboard = (t: Translate, data: string) => new InlineKeyboard().text(t('common.confirm'), data).text(t('common.cancel'), 'adm:cancel');

/**
 * Admin control of the event (docs/bot.md): /golden status, flag changes and /golden_time with
 * an inline confirmation first, /audit and /why. Only ADMIN_IDS get through; everyone else is
 * refused and nothing changes. Every change is audited by the core function it calls.
 */
export const adminFeature: Feature = () => {
  const composer = new Composer<BotContext>();
  const admin = composer.filter(isAdmin);

  admin.command('golden', async (ctx) => {
    const { s, t } = ctx;
    const m = await s.catalog.goldenMission();
    if (!m) return void (await ctx.reply(t('golden.noMission')));
    const nowMs = s.clock.nowMs();
    const c = await goldenCounts(s.database, m, nowMs, s.config.tz);
    await ctx.reply(
      t('golden.status', {
        flag: await s.flags.goldenHour(),
        window: `${hhmm(m.window.start)}–${hhmm(m.window.end)} ${zoneLabel(s.config.tz)}`,
        now: formatLocal(nowMs, s.config.tz),
        zone: zoneLabel(s.config.tz),
        clock: clockText(t, ctx),
        period: c.periodKey,
        participants: c.participants,
        completions: c.completions,
        claims: c.claims,
        claimsManual: c.claimsByMode.manual,
        claimsAuto: c.claimsByMode.auto,
        claimsPayout: c.claimsByMode.payout,
      }) + (await broadcastText(t, ctx)),
    );
  });

  admin.command(Object.keys(FLAG_COMMANDS), async (ctx) => {
    const to: FlagState = FLAG_COMMANDS[ctx.message!.text.slice(1).split(/[@\s]/)[0]!.toLowerCase() as keyof typeof FLAG_COMMANDS];
    const from = await ctx.s.flags.goldenHour();
    if (from === to) return void (await ctx.reply(ctx.t('flag.same', { state: to })));
    await ctx.reply(ctx.t('flag.confirm', { from, to }), { reply_markup: confirmKeyboard(ctx.t, `adm:flag:${to}`) });
  });

  admin.callbackQuery(/^adm:flag:(on|off|dry_run)$/, async (ctx) => {
    const r = await ctx.s.flags.setGoldenHour(ctx.match[1], ctx.from.id);
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t('flag.done', { from: r.before, to: r.after }));
  });

  admin.command('golden_time', async (ctx) => {
    const { s, t } = ctx;
    const parsed = parseGoldenTime(t, ctx.match, zoneLabel(s.config.tz));
    if (!parsed.ok) return void (await ctx.reply(parsed.message));
    const m = await s.catalog.goldenMission();
    if (!m) return void (await ctx.reply(t('golden.noMission')));
    const from = `${hhmm(m.window.start)}–${hhmm(m.window.end)}`;
    const to = `${hhmm(parsed.start)}–${hhmm(parsed.end)}`;
    const data = `adm:time:${m.id}:${parsed.start.replace(/:/g, '')}:${parsed.end.replace(/:/g, '')}`;
    await ctx.reply(t('time.confirm', { title: m.title, from, to, zone: zoneLabel(s.config.tz) }), { reply_markup: confirmKeyboard(t, data) });
  });

  admin.callbackQuery(/^adm:time:(\d{1,9}):(\d{6}):(\d{6})$/, async (ctx) => {
    const hms = (x: string) => `${x.slice(0, 2)}:${x.slice(2, 4)}:${x.slice(4, 6)}`;
    const start = hms(ctx.match[2]!);
    const end = hms(ctx.match[3]!);
    try {
      await updateMission(ctx.s, ctx.from.id, Number(ctx.match[1]), { startTime: start, endTime: end });
    } catch (err) {
      if (!isDomainError(err)) throw err;
      await ctx.answerCallbackQuery({ text: errorText(ctx.t, err), show_alert: true });
      return;
    }
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t('time.done', { to: `${hhmm(start)}–${hhmm(end)}`, zone: zoneLabel(ctx.s.config.tz) }));
  });

  admin.callbackQuery('adm:cancel', async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t('common.cancelled'));
  });

  admin.command('audit', async (ctx) => {
    const { s, t } = ctx;
    const rows = await listAudit(s.database, 10);
    if (!rows.length) return void (await ctx.reply(t('audit.empty')));
    const compact = (v: unknown) => (v === null || v === undefined ? '-' : JSON.stringify(v).slice(0, 160));
    const lines = rows.map(
      (r) =>
        `${formatLocal(r.requestedAt, s.config.tz, 'MM-DD HH:mm:ss')} · ${r.actorId} · ${r.action}${r.missionId ? ` · #${r.missionId}` : ''}\n  ${compact(r.before)} → ${compact(r.after)}`,
    );
    await ctx.reply(clip(`${t('audit.header', { n: rows.length })}\n\n${lines.join('\n')}`));
  });

  admin.command('why', async (ctx) => {
    const { s, t } = ctx;
    const [idArg, dateArg] = ctx.match.trim().split(/\s+/);
    const userId = Number(idArg);
    if (!idArg || !/^\d{1,16}$/.test(idArg) || !Number.isSafeInteger(userId)) return void (await ctx.reply(t('why.usage')));
    if (dateArg && !looksLikeDate(dateArg)) return void (await ctx.reply(t('why.badDate', { value: dateArg.slice(0, 20) })));
    const m = await s.catalog.goldenMission();
    if (!m) return void (await ctx.reply(t('golden.noMission')));
    let r;
    try {
      r = await explainUser(s.database, m, userId, { date: dateArg, nowMs: s.clock.nowMs(), tz: s.config.tz, experiment: await s.experiments.timeline() });
    } catch (err) {
      if (!isDomainError(err)) throw err;
      return void (await ctx.reply(t('why.badDate', { value: dateArg ?? '' })));
    }
    const tz = s.config.tz;
    const header = t('why.header', {
      userId,
      date: r.date,
      window: `${hhmm(m.window.start)}–${hhmm(m.window.end)}`,
      zone: zoneLabel(tz),
      from: formatLocal(Date.parse(r.from), tz, 'MM-DD HH:mm'),
      to: formatLocal(Date.parse(r.to), tz, 'MM-DD HH:mm'),
    });
    const lines = r.actions.map((a) => {
      const verdict = t(a.verdict ? `why.verdict.${a.verdict}` : 'why.verdict.none');
      return `${formatLocal(Date.parse(a.receivedAt), tz, 'HH:mm:ss')} ${a.type} ${a.actionId} ${verdict}${a.replays > 0 ? t('why.replays', { n: a.replays }) : ''}`;
    });
    const progress = r.progress ? t('why.progress', { progress: r.progress.progress, target: m.target, status: r.progress.status }) : '';
    const body = lines.length ? lines.join('\n') : t('why.none');
    const arm = r.arm ? t('why.arm', { arm: r.arm === HOLDOUT_ARM ? t('why.armHoldout') : r.arm }) : '';
    await ctx.reply(clip([[header, arm].filter(Boolean).join('\n'), body, progress].filter(Boolean).join('\n\n')));
  });

  // everyone else: refused, nothing changes (their commands are refused by bot/commands.ts adminGate)
  composer.callbackQuery(/^adm:/, refuse);
  return composer;
};
