import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT, log, round, type Figure } from './support.js';

/**
 * Figure 6 — bundle: what a player's first load of the Mini App transfers, gzipped: index.html
 * plus every script, module preload and stylesheet it references (lazy chunks are not counted).
 * Builds into a temporary directory so it never races another build of webapp/client/dist.
 */
export const BUNDLE_GOAL_KB = 60;

export function firstLoadBytes(distDir: string): { total: number; files: Record<string, number> } {
  const html = readFileSync(path.join(distDir, 'index.html'), 'utf8');
  const files: Record<string, number> = { 'index.html': gzipSync(html, { level: 9 }).length };
  const refs = new Set<string>();
  const tag = /<(script|link)\b[^>]*>/gi;
  for (const m of html.matchAll(tag)) {
    const t = m[0];
    const src = /\b(?:src|href)\s*=\s*["']([^"']+)["']/i.exec(t)?.[1];
    if (!src || /^(https?:)?\/\//i.test(src) || src.startsWith('data:')) continue;
    if (m[1]!.toLowerCase() === 'link' && !/\brel\s*=\s*["']?(stylesheet|modulepreload|preload)/i.test(t)) continue;
    refs.add(src.replace(/^\.?\//, '').split(/[?#]/)[0]!);
  }
  for (const r of refs) {
    const p = path.join(distDir, r);
    if (existsSync(p)) files[r] = gzipSync(readFileSync(p), { level: 9 }).length;
  }
  return { total: Object.values(files).reduce((a, b) => a + b, 0), files };
}

export async function bundleFigure(): Promise<Figure> {
  const helper = path.join(ROOT, 'scripts/bundle-size.ts');
  const out = mkdtempSync(path.join(os.tmpdir(), 'gh-bundle-'));
  try {
    log('bundle: vite build into a temporary directory');
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'webapp/client/vite.config.ts', '--outDir', out, '--emptyOutDir', '--logLevel', 'error'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const { total, files } = firstLoadBytes(out);
    const kb = total / 1024;
    return {
      name: 'bundle',
      value: round(kb, 1),
      unit: 'KB gzip first load',
      baseline: null,
      ratio: null,
      goal: `<= ${BUNDLE_GOAL_KB}`,
      pass: kb <= BUNDLE_GOAL_KB,
      details: { bytes: total, files, gzipLevel: 9, miniAppHelper: existsSync(helper) ? 'scripts/bundle-size.ts exists (not used: this figure builds into a temp dir)' : 'absent' },
      note: `${Object.keys(files).length} files`,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
