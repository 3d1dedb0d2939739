import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { notificationTexts } from '../../bot/notifications.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HANGUL = /[\uAC00-\uD7A3\u1100-\u11FF\u3130-\u318F]/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [p] : [];
  });
}

describe('every user-facing text is in the locales', () => {
  it('core/ holds no Korean text: announcement, reminder, report and alerts are worded in bot/locales', () => {
    const files = sources(path.join(ROOT, 'core'));
    expect(files.length).toBeGreaterThan(20);
    const found = files.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => [line, i] as const)
        .filter(([line]) => HANGUL.test(line))
        .map(([line, i]) => `${path.relative(ROOT, f)}:${i + 1}: ${line.trim()}`),
    );
    expect(found).toEqual([]);
  });

  it('the texts core sends come from the locales, Korean first and English by language', () => {
    const f = { start: '20:15', end: '21:15', zone: 'KST', minutes: 60, target: 3, rewards: { diamonds: 100, xp: 500, tickets: 1 } };
    expect(notificationTexts.announcement('ko', f)).toContain('⏰ 시간: 20:15 ~ 21:15 (KST)');
    expect(notificationTexts.announcement('en', f)).toContain('⏰ Time: 20:15 ~ 21:15 (KST)');
    expect(notificationTexts.preAnnouncement('ko', f)).toContain('20:15에 시작돼요');
    expect(notificationTexts.reminder('en', { minutesLeft: 30, done: 2, left: 1, target: 3, end: '21:15', zone: 'Europe/Berlin', rewards: f.rewards })).toContain(
      'Until 21:15 (Europe/Berlin)',
    );
    expect(notificationTexts.openApp('ko')).toBe('🎮 앱 열기');
    const alert = notificationTexts.clockAlert({ when: '2026-11-27 21:30', error: 'offset too large', offsetsMs: { a: 1500, b: null } });
    expect(alert).toContain('시계 점검 실패');
    expect(alert).toContain('Clock check failed — the 2026-11-27 21:30 announcement is cancelled.');
    expect(alert).toContain('b: 응답 없음 / no answer');
  });
});
