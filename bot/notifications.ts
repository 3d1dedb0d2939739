import { translate, translatorFor, type Lang, type Translate } from './i18n.js';
import { zoneLabel } from '../core/domain/time.js';
import type { NotificationTexts } from '../core/services.js';
import type { DailyReport } from '../core/reports/report.js';
import type { Rewards } from '../core/missions/catalog.js';
import { COMPARED_METRICS, type ExperimentReport } from '../core/reports/experimentReport.js';

/**
 * The texts core sends without a face in between — the announcement, the pre-announcement, the
 * reminder, the daily report, the clock alert and the share message the API prepares — worded in the locales (bot/locales/*). Whoever
 * builds the services (scripts/start.ts, the test harness, the benches) hands these to
 * createServices, so core names the facts and holds no text (docs/design.md, Layers).
 */
const rewardText = (lang: Lang, r: Rewards) => translate(lang, 'notify.rewards', r);

const hhmmss = (localIso: string) => localIso.slice(11, 19);

const pts = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}`;

/** The report's experiment section as lines: arms, then each variant against the holdout per metric. */
export function experimentLines(t: Translate, date: string, e: ExperimentReport | null): string[] {
  if (!e || e.comparisons.length === 0) return [];
  const arms = e.arms.map((a) => `• ${a.name}: ${a.players} / ${a.participants} / ${a.claims}`).join('\n');
  const lifts = e.comparisons.flatMap((c) =>
    COMPARED_METRICS.map((k) =>
      t('exp.lift', { date, variant: c.variant, metric: t(`exp.metric.${k}`), diff: pts(c[k].difference), lower: pts(c[k].lower), upper: pts(c[k].upper), verdict: t(`exp.verdict.${c[k].verdict}`) }),
    ),
  );
  return [`🧪 ${e.id} (${t('exp.holdoutArm', { pct: e.holdoutPct })})\n${t('exp.armsHeader')}\n${arms}`, ...lifts];
}

/**
 * The daily report as one Telegram message (plain text), Korean first, English otherwise, with the
 * experiment section when the day had one. The one rendering of the report: /report replies with it
 * and the automatic post (postDailyReport) sends it.
 */
export function formatReportText(r: DailyReport, lang: Lang): string {
  const t = translatorFor(lang);
  const figures = [
    t('report.title', { date: r.date, tz: r.tz }),
    r.window ? t('report.window', { start: hhmmss(r.window.start), end: hhmmss(r.window.end), zone: zoneLabel(r.tz) }) : t('report.noWindow'),
    '',
    t('report.golden'),
    t('report.group', r.golden),
    t('report.other'),
    t('report.group', r.other),
    '',
    t('report.vault', r.vault),
    t('report.ccu', r.ccu),
    t('report.deposit', r.depositCr),
  ].join('\n');
  return [figures, ...experimentLines(t, r.date, r.experiment)].join('\n\n');
}

export const notificationTexts: NotificationTexts = {
  announcement: (lang, f) =>
    translate(lang, 'notify.announcement', { ...f, duration: translate(lang, 'notify.duration', { minutes: f.minutes }), rewardText: rewardText(lang, f.rewards) }),
  preAnnouncement: (lang, f) => translate(lang, 'notify.preAnnouncement', { ...f, rewardText: rewardText(lang, f.rewards) }),
  reminder: (lang, f) => translate(lang, 'notify.reminder', { ...f, rewardText: rewardText(lang, f.rewards) }),
  openApp: (lang) => translate(lang, 'notify.openApp'),
  dailyReport: (lang, r) => formatReportText(r, lang),
  goldenShare: (lang, f) => ({
    title: translate(lang, 'share.golden.title'),
    text: translate(lang, 'share.golden.text', { ...f, rewards: translate(lang, 'missions.rewards', f.rewards) }),
    open: translate(lang, 'share.golden.open'),
  }),
  // one message for every admin, Korean then English: admins may have no user row to read a language from
  clockAlert: ({ when, error, offsetsMs }) => {
    const offsets = Object.entries(offsetsMs)
      .map(([k, v]) => `${k}: ${v === null ? `${translate('ko', 'alert.noAnswer')} / ${translate('en', 'alert.noAnswer')}` : `${v} ms`}`)
      .join('\n');
    return `${translate('ko', 'alert.clockFailed', { when })}\n${translate('en', 'alert.clockFailed', { when })}\n\n${error}\n${offsets}`;
  },
};
