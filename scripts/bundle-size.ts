import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * The Mini App's first-load budget (player first load ≤ 60 KB gzipped): sums the gzipped
 * JS and CSS that the built index.html references (scripts, stylesheets, modulepreloads) and
 * exits 1 over budget, or when the admin chunk leaks into the first load.
 *
 *   npm run build && npx tsx scripts/bundle-size.ts [--budget-kb 60] [--json]
 */
const BUDGET_KB = Number(process.argv[process.argv.indexOf('--budget-kb') + 1]) || 60;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'webapp/client/dist');
const indexHtml = path.join(dist, 'index.html');

export interface Asset {
  file: string;
  bytes: number;
  gzip: number;
}

export function firstLoadAssets(html: string): string[] {
  const refs = new Set<string>();
  for (const m of html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)) refs.add(m[1]!);
  for (const m of html.matchAll(/<link\b[^>]*>/g)) {
    const tag = m[0];
    const rel = /\brel="([^"]+)"/.exec(tag)?.[1] ?? '';
    const href = /\bhref="([^"]+)"/.exec(tag)?.[1];
    if (href && /stylesheet|modulepreload/.test(rel)) refs.add(href);
  }
  return [...refs].filter((r) => !/^https?:/.test(r));
}

function measure(distDir: string, rel: string): Asset {
  const buf = readFileSync(path.join(distDir, rel.replace(/^\//, '')));
  return { file: rel, bytes: buf.length, gzip: gzipSync(buf, { level: 9 }).length };
}

export interface BundleReport {
  first: Asset[];
  lazy: Asset[];
  /** gzipped bytes of everything index.html makes the browser fetch up front */
  total: number;
  adminLeak: boolean;
}

export function measureBundle(distDir = dist): BundleReport {
  const html = readFileSync(path.join(distDir, 'index.html'), 'utf8');
  const first = firstLoadAssets(html).map((f) => measure(distDir, f));
  const firstSet = new Set(first.map((a) => a.file.replace(/^\//, '')));
  const lazy = readdirSync(path.join(distDir, 'assets'))
    .map((f) => `assets/${f}`)
    .filter((f) => !firstSet.has(f) && /\.(js|css)$/.test(f))
    .map((f) => measure(distDir, f));
  return { first, lazy, total: first.reduce((s, a) => s + a.gzip, 0), adminLeak: first.some((a) => /admin/i.test(a.file)) };
}

function main() {
  if (!existsSync(indexHtml)) {
    console.error('webapp/client/dist/index.html is missing: run `npm run build` first');
    process.exit(2);
  }
  const { first, lazy, total, adminLeak } = measureBundle();
  const kb = (n: number) => (n / 1024).toFixed(2);
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ budgetKb: BUDGET_KB, firstLoadGzipBytes: total, firstLoad: first, lazy, adminLeak }, null, 2));
  } else {
    console.log('Player first load (referenced by index.html):');
    for (const a of first) console.log(`  ${a.file.padEnd(44)} ${kb(a.bytes).padStart(8)} KB raw  ${kb(a.gzip).padStart(7)} KB gzip`);
    console.log(`  ${'total'.padEnd(44)} ${' '.repeat(16)}${kb(total).padStart(7)} KB gzip  (budget ${BUDGET_KB} KB)`);
    console.log('Lazy chunks (not in the first load):');
    for (const a of lazy) console.log(`  ${a.file.padEnd(44)} ${kb(a.bytes).padStart(8)} KB raw  ${kb(a.gzip).padStart(7)} KB gzip`);
  }
  if (adminLeak) {
    console.error('FAIL: the admin chunk is part of the player first load');
    process.exit(1);
  }
  if (total > BUDGET_KB * 1024) {
    console.error(`FAIL: first load ${kb(total)} KB gzip is over the ${BUDGET_KB} KB budget`);
    process.exit(1);
  }
  console.log(`OK: ${kb(total)} KB ≤ ${BUDGET_KB} KB`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
