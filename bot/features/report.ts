import { Composer, InputFile } from 'grammy';
import { isDomainError } from '../../core/domain/errors.js';
import { dailyReport, defaultReportDate, parseReportDate, reportCsv } from '../../core/reports/report.js';
import { formatReportText } from '../notifications.js';
import type { BotContext } from '../context.js';
import { isAdmin } from '../filters.js';
import { errorText } from '../errors.js';
import type { Feature } from './index.js';

/**
 * /report [YYYY-MM-DD] (docs/design.md): the daily report as text in the admin's language,
 * with the CSV attached. Without a date, the latest golden hour that has started. Admins only;
 * everyone else is refused and nothing is computed.
 */
export const reportFeature: Feature = () => {
  const composer = new Composer<BotContext>();
  const admin = composer.filter(isAdmin);

  admin.command('report', async (ctx) => {
    const arg = ctx.match.trim();
    let date: string;
    try {
      date = arg ? parseReportDate(arg) : await defaultReportDate(ctx.s);
    } catch (err) {
      if (isDomainError(err)) return void (await ctx.reply(ctx.t('err.VALIDATION_FAILED', { detail: '/report YYYY-MM-DD' })));
      throw err;
    }
    try {
      const report = await dailyReport(ctx.s, date);
      await ctx.reply(formatReportText(report, ctx.lang));
      await ctx.replyWithDocument(new InputFile(new TextEncoder().encode(reportCsv(report)), `golden-hour-${date}.csv`));
    } catch (err) {
      if (!isDomainError(err)) throw err;
      await ctx.reply(errorText(ctx.t, err));
    }
  });

  return composer;
};
