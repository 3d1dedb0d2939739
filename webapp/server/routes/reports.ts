import type { Hono } from 'hono';
import { z } from 'zod';
import type { Services } from '../../../core/services.js';
import { dailyReport, defaultReportDate, parseReportDate, reportCsv } from '../../../core/reports/report.js';
import type { AuthEnv } from '../auth.js';
import { dateParam, query } from '../query.js';

const reportQuery = z.object({ date: z.union([z.literal(''), dateParam]).optional(), format: z.enum(['json', 'csv']).optional() });

/**
 * GET /api/admin/reports/daily?date=YYYY-MM-DD[&format=csv] (docs/design.md, The HTTP API and The daily report). Admin auth is
 * applied to /api/admin/* in createApp. Without `date`: the latest golden hour that has started.
 */
export function reportsRoutes(app: Hono<AuthEnv>, s: Services) {
  app.get('/api/admin/reports/daily', async (c) => {
    const { date: q, format } = query(c, reportQuery);
    const date = q === undefined || q === '' ? await defaultReportDate(s) : parseReportDate(q);
    const report = await dailyReport(s, date);
    if (format === 'csv') {
      return c.body(reportCsv(report), 200, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="golden-hour-${date}.csv"`,
      });
    }
    return c.json(report);
  });
}
