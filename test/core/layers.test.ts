import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [p] : [];
  });
}

/** Every relative import of a file, resolved to a path from the repository root. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => path.relative(ROOT, path.resolve(path.dirname(file), s)));
}

function crossings(from: string, forbidden: string[]): string[] {
  return sources(path.join(ROOT, from)).flatMap((f) =>
    importsOf(f)
      .filter((target) => forbidden.some((d) => target === d || target.startsWith(`${d}/`)))
      .map((target) => `${path.relative(ROOT, f)} → ${target}`),
  );
}

describe('arrows point down only (docs/design.md, Layers)', () => {
  it('core/ imports nothing from the faces (bot/, webapp/, scripts/)', () => {
    expect(crossings('core', ['bot', 'webapp', 'scripts'])).toEqual([]);
  });

  it('the API (webapp/server) imports nothing from the bot: what both need sits in core', () => {
    expect(crossings('webapp/server', ['bot'])).toEqual([]);
  });

  it('the check sees imports (it would catch one)', () => {
    expect(importsOf(path.join(ROOT, 'bot/notifications.ts'))).toContain('core/services.js');
  });
});
