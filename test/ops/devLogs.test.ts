import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { describe, expect, it } from 'vitest';

/**
 * Logs: `npm run dev` pipes the JSON lines through pino-pretty so a newcomer can read them;
 * `npm start`, `npm run serve` and the Docker image keep one JSON object per line for the
 * log pipeline (docs/operations.md).
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

function jsonLine(): string {
  let out = '';
  const log = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) }));
  log.info({ roles: ['api', 'worker'], port: 3000 }, 'golden hour starting');
  log.warn('BOT_TOKEN not set: the bot is off');
  return out;
}

describe('rule: pino-pretty in dev only, JSON logs in production', () => {
  it('npm run dev pipes through pino-pretty: levels and messages as text, no JSON left', () => {
    const pipe = scripts.dev!.split('|').slice(1).join('|').trim();
    expect(pipe).toMatch(/^pino-pretty\b/);
    const bin = path.join(root, 'node_modules/.bin', pipe.split(' ')[0]!);
    const r = spawnSync(bin, pipe.split(' ').slice(1), { input: jsonLine(), encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: golden hour starting$/m);
    expect(r.stdout).toMatch(/WARN: BOT_TOKEN not set: the bot is off/);
    expect(r.stdout).toMatch(/port: 3000/);
    expect(r.stdout).not.toMatch(/"level":|"hostname"/);
  });

  it('npm start, npm run serve and the Docker image run without pino-pretty', () => {
    for (const s of ['start', 'serve']) expect(scripts[s], s).not.toMatch(/pino-pretty/);
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^CMD \["npx", "tsx", "scripts\/start\.ts"\]$/m);
    expect(dockerfile).not.toMatch(/pino-pretty/);
    const line = jsonLine().split('\n')[0]!;
    expect(JSON.parse(line)).toMatchObject({ level: 30, msg: 'golden hour starting' });
  });
});
