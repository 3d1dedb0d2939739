import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { measureBundle } from '../scripts/bundle-size.js';
import { ROOT, log, round, type Figure } from './support.js';

/**
 * Figure 6 — bundle: what a player's first load of the Mini App transfers, gzipped — every
 * script, module preload and stylesheet the built index.html references (lazy chunks such as the
 * admin page are not counted). The measurement is scripts/bundle-size.ts's, so this figure, the
 * e2e budget test and `npx tsx scripts/bundle-size.ts` always agree. Builds into a temporary
 * directory so it never races another build of webapp/client/dist.
 */
export const BUNDLE_GOAL_KB = 60;

export async function bundleFigure(): Promise<Figure> {
  const out = mkdtempSync(path.join(os.tmpdir(), 'gh-bundle-'));
  try {
    log('bundle: vite build into a temporary directory');
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'webapp/client/vite.config.ts', '--outDir', out, '--emptyOutDir', '--logLevel', 'error'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const r = measureBundle(out);
    const kb = r.total / 1024;
    return {
      name: 'bundle',
      value: round(kb, 1),
      unit: 'KB gzip first load',
      baseline: null,
      ratio: null,
      goal: `<= ${BUNDLE_GOAL_KB}`,
      pass: kb <= BUNDLE_GOAL_KB && !r.adminLeak,
      details: { bytes: r.total, files: Object.fromEntries(r.first.map((a) => [a.file, a.gzip])), lazy: Object.fromEntries(r.lazy.map((a) => [a.file, a.gzip])), adminLeak: r.adminLeak, gzipLevel: 9 },
      note: `${r.first.length} files`,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
