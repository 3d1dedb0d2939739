import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execSync } from 'node:child_process';
import { ROOT, disposeAll, killChildren, type Figure } from '../bench/support.js';

/**
 * `npm run bench` — peak-time benchmarks, each figure as a ratio to a baseline measured
 * in the same run on the same machine. One line per figure; JSON in bench/results.json.
 *   npm run bench -- --only ingest,claim
 *   npm run bench -- --scale 0.2      (smaller counts, for a quick look)
 *   npm run bench -- scale            (1M plays: bytes per play, report, list, /why)
 */
const FIGURES = ['ingest', 'claim', 'missions', 'broadcast', 'memory', 'bundle', 'scale'] as const;
type Name = (typeof FIGURES)[number];
/** `scale` (1M plays, a few minutes on its own) runs only when asked: `npm run bench -- scale` */
const DEFAULT_RUN: Name[] = FIGURES.filter((f) => f !== 'scale');

function args() {
  const a = process.argv.slice(2);
  let only: Name[] = [...DEFAULT_RUN];
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    const val = v.includes('=') ? v.slice(v.indexOf('=') + 1) : a[i + 1];
    if (v.startsWith('--only')) {
      if (!v.includes('=')) i++;
      const names = String(val ?? '').split(',').map((x) => x.trim()).filter(Boolean);
      const bad = names.filter((n) => !(FIGURES as readonly string[]).includes(n));
      if (bad.length || names.length === 0) {
        console.error(`unknown figure(s) ${bad.join(', ')}; choose from ${FIGURES.join(', ')}`);
        process.exit(2);
      }
      only = FIGURES.filter((f) => names.includes(f));
    } else if (v.startsWith('--scale')) {
      if (!v.includes('=')) i++;
      scale = Number(val);
      if (!(scale > 0 && scale <= 10)) {
        console.error('--scale takes a number in (0, 10]');
        process.exit(2);
      }
    } else if (v === 'scale') {
      only = ['scale'];
    } else if (v === '--help' || v === '-h') {
      console.log(`usage: npm run bench -- [scale] [--only ${FIGURES.join(',')}] [--scale 0.2]`);
      process.exit(0);
    } else {
      console.error(`unknown argument ${v}`);
      process.exit(2);
    }
  }
  return { only, scale };
}

const fmt = (n: number | null, d = 2) => (n === null || Number.isNaN(n) ? '—' : Number.isInteger(n) ? String(n) : n.toFixed(d));

function line(f: Figure): string {
  const verdict = f.pass === null ? 'NOT MEASURED' : f.pass ? 'PASS' : 'MISS';
  return `${f.name.padEnd(10)} value ${fmt(f.value).padStart(9)} ${f.unit.padEnd(22)} baseline ${fmt(f.baseline).padStart(9)}  ratio ${fmt(f.ratio, 3).padStart(6)}  goal ${f.goal.padEnd(8)} ${verdict}${f.note ? `  (${f.note})` : ''}`;
}

async function run(name: Name, scale: number): Promise<Figure> {
  const n = (x: number) => Math.max(1, Math.round(x * scale));
  switch (name) {
    case 'ingest': {
      const { ingestFigure, INGEST_DEFAULTS } = await import('../bench/ingest.js');
      return ingestFigure({ ...INGEST_DEFAULTS, players: n(INGEST_DEFAULTS.players) });
    }
    case 'claim': {
      const { claimFigure, CLAIM_DEFAULTS } = await import('../bench/claim.js');
      return claimFigure({ ...CLAIM_DEFAULTS, players: n(CLAIM_DEFAULTS.players) });
    }
    case 'missions': {
      const { missionListFigure, MISSIONS_DEFAULTS } = await import('../bench/missionList.js');
      return missionListFigure({ ...MISSIONS_DEFAULTS, durationS: Math.max(3, Math.round(MISSIONS_DEFAULTS.durationS * Math.min(1, scale * 2))) });
    }
    case 'broadcast': {
      const { broadcastFigure, BROADCAST_DEFAULTS } = await import('../bench/broadcast.js');
      return broadcastFigure({ ...BROADCAST_DEFAULTS, recipients: n(BROADCAST_DEFAULTS.recipients) });
    }
    case 'memory': {
      const { memoryFigure, MEMORY_DEFAULTS } = await import('../bench/memory.js');
      return memoryFigure({ ...MEMORY_DEFAULTS, events: n(MEMORY_DEFAULTS.events), budgetS: Math.max(20, Math.round(MEMORY_DEFAULTS.budgetS * Math.min(1, scale))) });
    }
    case 'scale': {
      const { scaleFigure, SCALE_DEFAULTS } = await import('../bench/scale.js');
      return scaleFigure({ ...SCALE_DEFAULTS, players: n(SCALE_DEFAULTS.players) });
    }
    case 'bundle': {
      const { bundleFigure } = await import('../bench/bundle.js');
      return bundleFigure();
    }
  }
}

async function main() {
  const { only, scale } = args();
  const cleanup = async () => {
    killChildren();
    await disposeAll();
  };
  process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
  const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, load: os.loadavg().map((l) => Math.round(l * 100) / 100) };
  console.log(`golden-hour bench — ${machine.cpus}× ${machine.cpu}, ${machine.memGb} GB, node ${machine.node}, load ${machine.load.join(' ')}${scale !== 1 ? `, scale ${scale}` : ''}`);
  const results: Figure[] = [];
  const t0 = Date.now();
  for (const name of only) {
    const started = Date.now();
    let f: Figure;
    try {
      f = await run(name, scale);
    } catch (err) {
      f = { name, value: null, unit: '', baseline: null, ratio: null, goal: '', pass: false, details: { error: String((err as Error)?.stack ?? err) }, note: `failed: ${String((err as Error)?.message ?? err).split('\n')[0]}` };
    }
    f.details.seconds = Math.round((Date.now() - started) / 100) / 10;
    results.push(f);
    console.log(line(f));
  }
  await cleanup();
  let commit = '';
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim();
  } catch {
    /* not a checkout */
  }
  const out = path.join(ROOT, 'bench/results.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), commit, scale, machine, totalSeconds: Math.round((Date.now() - t0) / 1000), figures: results }, null, 2) + '\n');
  console.log(`total ${Math.round((Date.now() - t0) / 1000)} s; results in bench/results.json`);
  process.exit(results.some((r) => r.pass === false) ? 1 : 0);
}

void main();
