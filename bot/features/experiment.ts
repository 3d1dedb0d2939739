import { Composer, InlineKeyboard } from 'grammy';
import { isDomainError } from '../../core/domain/errors.js';
import { EXPERIMENT_OFF, isExperimentOff, type ExperimentSplit } from '../../core/domain/experiment.js';
import { addDays } from '../../core/domain/time.js';
import type { BotContext } from '../context.js';
import { isAdmin, refuse } from '../filters.js';
import { errorText } from '../errors.js';
import type { Translate } from '../i18n.js';
import type { Feature } from './index.js';
import { dailyReport, defaultReportDate } from '../../core/reports/report.js';
import { experimentLines } from '../notifications.js';

export const EXPERIMENT_COMMANDS = ['experiment'];

/** "holdout 10% · base 45% · double 45% (💎200 · XP 500 · 🎟1)", or "experiment off". */
export function splitText(t: Translate, s: ExperimentSplit): string {
  if (isExperimentOff(s)) return t('exp.off');
  const total = s.variants.reduce((a, v) => a + v.weight, 0);
  const arms = s.variants.map((v) =>
    t('exp.variantArm', {
      name: v.name,
      share: Math.round((((100 - s.holdoutPct) * v.weight) / total) * 10) / 10,
      rewards: v.rewards ? t('exp.variantRewards', v.rewards) : '',
    }),
  );
  return [...(s.holdoutPct > 0 ? [t('exp.holdoutArm', { pct: s.holdoutPct })] : []), ...arms].join(' · ');
}

/** The split `/experiment holdout N` asks for: the current (or pending) variants, or one "base" arm. */
function withHoldout(current: ExperimentSplit, pct: number): ExperimentSplit {
  return { holdoutPct: pct, variants: current.variants.length ? current.variants : [{ name: 'base', weight: 1 }] };
}

const keyboard = (t: Translate, data: string) => new InlineKeyboard().text(t('common.confirm'), data).text(t('common.cancel'), 'exp:cancel');

/**
 * /experiment (docs/operations.md, Experiments): the split in force, a pending change and the
 * latest lift; `/experiment holdout 10` and `/experiment off` after a confirmation button. The
 * change applies from the next period and is audited by ExperimentService. Admins only.
 */
export const experimentFeature: Feature = () => {
  const composer = new Composer<BotContext>();
  const admin = composer.filter(isAdmin);

  admin.command('experiment', async (ctx) => {
    const { s, t } = ctx;
    const st = await s.experiments.state();
    const args = ctx.match.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const latest = st.pending ?? st;
    if (args.length === 0) {
      const lines = [t('exp.status', { period: st.periodKey, id: st.experimentId ?? '-', split: splitText(t, st), since: st.effectiveFrom ?? '-' })];
      if (st.pending) lines.push(t('exp.pending', { split: splitText(t, st.pending), from: st.pending.effectiveFrom }));
      const lift = await latestLiftText(ctx);
      if (lift) lines.push(lift);
      return void (await ctx.reply(lines.join('\n\n')));
    }
    const effectiveFrom = addDays(st.periodKey, 1);
    if (args.length === 1 && args[0] === 'off') {
      return void (await ctx.reply(t('exp.confirmOff', { effectiveFrom }), { reply_markup: keyboard(t, 'exp:off') }));
    }
    if (args.length === 2 && args[0] === 'holdout' && /^\d{1,2}$/.test(args[1]!) && Number(args[1]) <= 50) {
      const to = Number(args[1]);
      return void (await ctx.reply(t('exp.confirmHoldout', { from: latest.holdoutPct, to, effectiveFrom }), { reply_markup: keyboard(t, `exp:holdout:${to}`) }));
    }
    await ctx.reply(t('exp.usage'));
  });

  admin.callbackQuery(/^exp:(off|holdout:(\d{1,2}))$/, async (ctx) => {
    const { s, t } = ctx;
    const st = await s.experiments.state();
    const split = ctx.match[1] === 'off' ? EXPERIMENT_OFF : withHoldout(st.pending ?? st, Number(ctx.match[2]));
    let r;
    try {
      r = await s.experiments.set(split, ctx.from.id);
    } catch (err) {
      if (!isDomainError(err)) throw err;
      return void (await ctx.answerCallbackQuery({ text: errorText(t, err), show_alert: true }));
    }
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(t('exp.done', { split: splitText(t, r.after), effectiveFrom: r.effectiveFrom }));
  });

  admin.callbackQuery('exp:cancel', async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t('common.cancelled'));
  });

  composer.command(EXPERIMENT_COMMANDS, refuse);
  composer.callbackQuery(/^exp:/, refuse);
  return composer;
};

/** The latest report's lift: the day of the latest golden hour that has started. */
async function latestLiftText(ctx: BotContext): Promise<string> {
  const date = await defaultReportDate(ctx.s);
  const lines = experimentLines(ctx.t, date, (await dailyReport(ctx.s, date)).experiment);
  return lines.length ? lines.join('\n') : ctx.t('exp.noLift');
}
