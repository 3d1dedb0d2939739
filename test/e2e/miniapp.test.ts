import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdjustableClock } from '../../core/platform/clock.js';
import { testConfig } from '../../core/platform/config.js';
import { createServices, type Services } from '../../core/services.js';
import { notificationTexts } from '../../bot/notifications.js';
import { createApp } from '../../webapp/server/app.js';
import { signInitData } from '../../webapp/server/auth.js';
import { freshBackend, type Backend } from '../support/backend.js';
import { kst } from '../support/harness.js';
import { measureBundle } from '../../scripts/bundle-size.js';
import { startFakePreparedMessages } from '../support/fakePreparedMessages.js';
import { fakeTelegramScript } from './support/fakeTelegram.js';

/**
 * The Mini App end to end in real headless Chromium (Debian's package, never a download),
 * against the real server on a fresh backend (PGlite, or Postgres+Redis with TEST_DATABASE_URL),
 * opened with signed tgWebAppData in the URL hash exactly as Telegram opens it.
 * Screenshots of each state go to test-output/e2e/ (kept out of git).
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** the client, built fresh for this run into a temporary directory: never a stale build, never racing another build of webapp/client/dist */
let dist = '';
const shots = path.join(root, 'test-output/e2e');
const BOT_TOKEN = '7000000001:E2E-miniapp-token-abcdef';
const ADMIN = 9001;
const PLAYER = 1001;
const DATE = '2026-11-27';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WAIT = { timeout: 30_000 };

const theme = { bg_color: '#17212b', secondary_bg_color: '#232e3c', text_color: '#f5f5f5', hint_color: '#708499', link_color: '#6ab3f3', button_color: '#5288c1', button_text_color: '#ffffff', section_bg_color: '#17212b' };

function launchHash(user: { id: number; firstName: string; languageCode: string }, client: { version: string; platform: string } = { version: '8.0', platform: 'tdesktop' }, authDate = new Date()) {
  const initData = signInitData(BOT_TOKEN, user, authDate);
  return new URLSearchParams({ tgWebAppData: initData, tgWebAppVersion: client.version, tgWebAppPlatform: client.platform, tgWebAppThemeParams: JSON.stringify(theme) }).toString();
}
function launchUrl(base: string, user: { id: number; firstName: string; languageCode: string }, client: { version: string; platform: string } = { version: '8.0', platform: 'tdesktop' }) {
  return `${base}/#${launchHash(user, client)}`;
}

/** An iPhone-sized full-screen Mini App: 47 px status bar, 46 px of Telegram buttons, 34 px home indicator. */
const PHONE = { safeArea: { top: 47, bottom: 34 }, contentSafeArea: { top: 46 } };
type Posted = { type: string; data: Record<string, unknown> };
const postedOf = (page: Page, type: string) => page.evaluate((t) => (window as unknown as { __tg: { of(t: string): Record<string, unknown>[] } }).__tg.of(t), type);
const telegramSends = (page: Page, type: string, data?: unknown) =>
  page.evaluate(([t, d]) => (window as unknown as { Telegram: { WebView: { receiveEvent(t: string, d: unknown): void } } }).Telegram.WebView.receiveEvent(t as string, d), [type, data] as const);
const lastMainButton = async (page: Page) => (await postedOf(page, 'web_app_setup_main_button')).at(-1) as Posted['data'] | undefined;

/** Rectangles of what must never overlap: the header (and its first line), the toast, the bottom nav. */
const layout = (page: Page) =>
  page.evaluate(() => {
    const r = (sel: string) => {
      const el = document.querySelector(sel);
      if (!el) return null;
      const b = el.getBoundingClientRect();
      return { top: b.top, bottom: b.bottom, height: b.height };
    };
    return { title: r('.top h1'), header: r('.top'), toast: r('[data-testid="toast"].show'), nav: r('.nav'), navItems: r('.nav-item'), viewport: innerHeight };
  });

describe('Mini App in Chromium: locked at 21:29, live at 21:30, three plays, claim, admin edits the window', () => {
  let backend: Backend;
  let s: Services;
  let server: ServerType;
  let browser: Browser;
  let base = '';
  const clock = new AdjustableClock();
  let bot: Awaited<ReturnType<typeof startFakePreparedMessages>>;

  const adminCall = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${base}${p}`, {
      method,
      headers: { authorization: `tma ${signInitData(BOT_TOKEN, { id: ADMIN, languageCode: 'ko' }, new Date())}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    dist = mkdtempSync(path.join(os.tmpdir(), 'gh-e2e-client-'));
    execFileSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'webapp/client/vite.config.ts', '--outDir', dist, '--emptyOutDir', '--logLevel', 'error'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    mkdirSync(shots, { recursive: true });
    backend = await freshBackend();
    bot = await startFakePreparedMessages({ username: 'golden_e2e_bot' });
    clock.set(kst('21:29:00', DATE));
    const config = testConfig({
      BOT_TOKEN,
      DEV_MODE: '1',
      ADMIN_IDS: String(ADMIN),
      // the demo play button (POST /api/dev/play) is for admins and testers only
      TESTER_IDS: `${PLAYER},1002`,
      GOLDEN_HOUR_ENABLED: 'on',
      DATABASE_URL: backend.databaseUrl,
      DATA_DIR: backend.dataDir,
      REDIS_URL: backend.redisUrl,
      ROLES: 'api,worker',
      HOST: '127.0.0.1',
      TELEGRAM_API_ROOT: bot.apiRoot,
    });
    s = await createServices({ config, clock, redisPrefix: backend.redisPrefix, queueClaimIdleMs: 500, texts: notificationTexts });
    const rel = path.relative(process.cwd(), dist) || '.';
    const app = createApp(s, {
      mount: [
        (a) => {
          a.use('/assets/*', serveStatic({ root: rel }));
          a.use('/*', serveStatic({ root: rel }));
          a.get('*', serveStatic({ root: rel, path: 'index.html' }));
        },
      ],
    });
    server = await new Promise<ServerType>((resolve) => {
      const srv = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(srv));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await s?.close();
    await backend?.dispose();
    await bot?.close();
    if (dist) rmSync(dist, { recursive: true, force: true });
  });

  it('budget: the player first load (JS + CSS in index.html) is at most 60 KB gzipped, without the admin chunk', () => {
    const r = measureBundle(dist);
    expect(r.first.some((a) => a.file.endsWith('.js'))).toBe(true);
    expect(r.adminLeak).toBe(false);
    expect(r.lazy.some((a) => /AdminPage.*\.js$/.test(a.file))).toBe(true);
    expect(r.total).toBeLessThanOrEqual(60 * 1024);
  });

  it('outside Telegram (no tgWebAppData, real BOT_TOKEN) it asks to open the app from Telegram', async () => {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 640 }, locale: 'ko-KR' });
    const page = await ctx.newPage();
    await page.goto(base);
    await page.getByText('텔레그램에서 열어 주세요').waitFor(WAIT);
    await shot(page, '00-outside-telegram');
    await ctx.close();
  });

  it('walks a player through the golden hour and an admin moves the window', async () => {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ko-KR', timezoneId: 'America/New_York' });
    // a Bot API 8.0 iPhone client: full screen, safe areas, main button, share, home screen
    await ctx.addInitScript(fakeTelegramScript(PHONE));
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/api/dev/login')) console.warn(`[e2e] ${r.status()} ${r.request().method()} ${r.url()}`);
    });
    await page.goto(launchUrl(base, { id: PLAYER, firstName: '민수', languageCode: 'ko' }, { version: '8.0', platform: 'ios' }));

    // 21:29 KST: locked, counting down to the opening from SERVER time (the browser runs in New York)
    const card = page.getByTestId('golden-card');
    await page.locator('[data-testid="golden-card"][data-status="locked"]').waitFor(WAIT);
    await expect(page.getByTestId('golden-state').textContent()).resolves.toBe('준비 중');
    const cd = (await page.getByTestId('countdown').textContent())!;
    expect(cd).toMatch(/^00:0[01]:\d\d$/);
    await expect(page.getByTestId('limited-line').textContent()).resolves.toContain('21:30 ~ 22:30 한정');
    await expect(page.getByTestId('golden-rewards').textContent()).resolves.toBe('💎 100 · XP 500 · 🎟️ 1');
    expect(await page.getByTestId('hot-badge').count()).toBe(0);
    // full screen on a phone: the header starts below the status bar and Telegram's buttons, the
    // bottom nav clears the home indicator
    await expect.poll(async () => (await postedOf(page, 'web_app_request_fullscreen')).length, WAIT).toBe(1);
    await page.locator('#fake-system-bars').waitFor({ state: 'attached', ...WAIT });
    await expect.poll(async () => (await layout(page)).title?.top ?? 0, WAIT).toBeGreaterThanOrEqual(PHONE.safeArea.top + PHONE.contentSafeArea.top);
    const geo = await layout(page);
    expect(geo.navItems!.bottom).toBeLessThanOrEqual(geo.viewport - PHONE.safeArea.bottom);
    await shot(page, '01-locked-2129');

    // 21:30:00 KST on the server: the card flips without a reload, the toast shows once
    await adminCall('PUT', '/api/dev/clock', { now: kst('21:30:00', DATE).toISOString() });
    await page.locator('[data-testid="golden-card"][data-status="active"]').waitFor(WAIT);
    await expect(page.getByTestId('golden-state').textContent()).resolves.toBe('진행 중');
    await page.getByText('골든아워가 시작되었습니다! 지금 플레이하고 2배 보상을 받으세요').waitFor(WAIT);
    // the toast hangs below the header once it has slid in (0.3 s; it stays 6 s)
    await expect.poll(async () => {
      const g = await layout(page);
      return g.toast !== null && g.toast.top >= g.header!.bottom;
    }, WAIT).toBe(true);
    await page.getByTestId('hot-badge').waitFor(WAIT);
    expect(await page.getByTestId('countdown').textContent()).toMatch(/^01:00:\d\d$|^00:59:\d\d$/);
    await shot(page, '02-active-toast-2130');
    // the neon border runs (transform only), and a ticking countdown moves nothing on the page
    expect(await page.evaluate(() => getComputedStyle(document.querySelector('[data-testid="golden-card"]')!, '::before').animationName)).toBe('spin');
    const box = async () => page.evaluate(() => {
      const c = document.querySelector('[data-testid="countdown"]')!.getBoundingClientRect();
      const card = document.querySelector('[data-testid="golden-card"]')!.getBoundingClientRect();
      return { text: document.querySelector('[data-testid="countdown"]')!.textContent, w: c.width, x: c.x, h: card.height };
    });
    const b1 = await box();
    await expect.poll(async () => (await box()).text, { timeout: 10_000 }).not.toBe(b1.text);
    const b2 = await box();
    expect({ w: b2.w, x: b2.x, h: b2.h }).toEqual({ w: b1.w, x: b1.x, h: b1.h });

    // the server remembers the toast for today
    await expect
      .poll(async () => (await (await fetch(`${base}/api/toast/golden`, { headers: { authorization: `tma ${signInitData(BOT_TOKEN, { id: PLAYER }, new Date())}` } })).json()).show, { timeout: 15_000 })
      .toBe(false);

    // three demo rounds complete the mission
    for (let i = 1; i <= 3; i++) {
      await page.getByTestId('play-round').click();
      await page.locator(`[data-testid="progress-golden_hour_play_3"]:text-is("${i}/3")`).waitFor(WAIT);
    }
    await page.locator('[data-testid="golden-card"][data-status="completed"]').waitFor(WAIT);
    await expect(page.getByTestId('golden-state').textContent()).resolves.toBe('완료');
    // the claim is Telegram's main button, not a button in the page
    await expect.poll(async () => (await lastMainButton(page))?.is_visible, WAIT).toBe(true);
    expect(await lastMainButton(page)).toMatchObject({ text: '보상 받기 · 💎 100 · XP 500 · 🎟️ 1', is_active: true, is_progress_visible: false });
    expect(await page.getByTestId('claim-golden_hour_play_3').count()).toBe(0);
    await expect(page.getByTestId('claim-below-golden_hour_play_3').textContent()).resolves.toBe('아래 버튼을 눌러 보상을 받으세요');
    await shot(page, '03-completed');

    // claim through the main button: its progress state while the request runs, then reward and balance
    await telegramSends(page, 'main_button_pressed');
    await page.locator('[data-testid="golden-card"][data-status="claimed"]').waitFor(WAIT);
    const setups = await postedOf(page, 'web_app_setup_main_button');
    expect(setups.some((b) => b.is_progress_visible === true && b.is_active === false && b.is_visible === true)).toBe(true);
    await expect.poll(async () => (await lastMainButton(page))?.is_visible, WAIT).toBe(false);
    expect(await postedOf(page, 'web_app_trigger_haptic_feedback')).toContainEqual({ type: 'notification', notification_type: 'success' });
    await expect(page.getByTestId('golden-state').textContent()).resolves.toBe('수령 완료');
    await expect(page.getByTestId('claim-success').textContent()).resolves.toContain('💎 100');
    await expect(page.getByTestId('claim-balance').textContent()).resolves.toContain('보유 💎 100');
    await page.locator('[data-testid="wallet-diamonds"]:text-is("100")').waitFor(WAIT);
    await expect(page.getByTestId('wallet-tickets').textContent()).resolves.toBe('1');
    expect(await card.getByRole('button', { name: '보상 받기' }).count()).toBe(0);
    // 8.0 shares both ways with the deep link to the golden card, and offers the home-screen shortcut once
    await page.getByTestId('share-panel').waitFor(WAIT);
    await expect.poll(async () => (await postedOf(page, 'web_app_add_to_home_screen')).length, WAIT).toBe(1);
    await shot(page, '04-claimed');
    await page.getByTestId('share-message').click();
    await expect.poll(async () => postedOf(page, 'web_app_send_prepared_message'), WAIT).toEqual([{ id: 'prep-1' }]);
    expect(bot.prepared[0]!.result.reply_markup).toEqual({ inline_keyboard: [[{ text: '🔥 골든아워 미션 열기', url: 'https://t.me/golden_e2e_bot?start=golden' }]] });
    await page.getByTestId('share-story').click();
    const story = (await postedOf(page, 'web_app_share_to_story'))[0] as { media_url: string; text: string; widget_link?: { url: string } };
    expect(story.media_url).toBe(`${base}/story-golden.jpg`);
    expect(story.widget_link?.url).toBe('https://t.me/golden_e2e_bot?start=golden');
    expect((await fetch(story.media_url)).headers.get('content-type')).toMatch(/^image\/jpeg/);

    // an admin opens the admin page (its own chunk), sees server time in KST, edits the window
    await adminCall('POST', '/api/toast/golden/seen'); // keeps the admin screenshots free of the toast
    const actx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ko-KR', reducedMotion: 'reduce' });
    const admin = await actx.newPage();
    const chunks: string[] = [];
    admin.on('request', (r) => chunks.push(r.url()));
    await admin.goto(launchUrl(base, { id: ADMIN, firstName: '운영자', languageCode: 'ko' }));
    await admin.locator('[data-testid="golden-card"][data-status="active"]').waitFor(WAIT);
    // prefers-reduced-motion: the border stays still
    expect(await admin.evaluate(() => getComputedStyle(document.querySelector('[data-testid="golden-card"]')!, '::before').animationName)).toBe('none');
    expect(chunks.some((u) => /AdminPage/.test(u))).toBe(false);
    await admin.getByRole('button', { name: '관리' }).click();
    await admin.getByTestId('admin-page').waitFor(WAIT);
    expect(chunks.some((u) => /AdminPage/.test(u))).toBe(true);
    await expect(admin.getByTestId('admin-server-time').textContent()).resolves.toMatch(new RegExp(`KST\\) ${DATE} 21:3\\d:\\d\\d`));
    await expect(admin.getByTestId('start-golden_hour_play_3').textContent()).resolves.toBe('21:30:00');
    await admin.getByTestId('report').waitFor(WAIT);
    await shot(admin, '05-admin');

    await admin.getByTestId('edit-golden_hour_play_3').click();
    const form = admin.getByTestId('mission-form');
    await form.locator('input[name="startTime"]').fill('21:00:00');
    await form.locator('input[name="endTime"]').fill('21:00:00');
    await admin.getByTestId('save-mission').click();
    await admin.getByTestId('err-endTime').waitFor(WAIT);
    await expect(admin.getByTestId('err-endTime').textContent()).resolves.toBe('시작과 종료 시각이 같을 수 없어요');
    await shot(admin, '06-admin-validation');
    await form.locator('input[name="endTime"]').fill('22:45:00');
    await admin.getByTestId('save-mission').click();
    await admin.locator('[data-testid="end-golden_hour_play_3"]:text-is("22:45:00")').waitFor(WAIT);
    await expect(admin.getByTestId('start-golden_hour_play_3').textContent()).resolves.toBe('21:00:00');
    await admin.getByTestId('audit-list').getByText('mission.update').first().waitFor(WAIT);
    await shot(admin, '07-admin-saved');
    // the flag switch asks before it changes anything
    await admin.getByTestId('flag-switch').getByRole('radio', { name: '드라이런' }).click();
    await admin.getByTestId('flag-confirm').waitFor(WAIT);
    await admin.getByTestId('flag-confirm').screenshot({ path: path.join(shots, '07b-flag-confirm.png') });
    await admin.getByTestId('flag-confirm').getByRole('button', { name: '취소' }).click();
    expect(await admin.getByTestId('flag-confirm').count()).toBe(0);
    expect((await adminCall('GET', '/api/admin/flags/golden-hour')).state).toBe('on');
    await actx.close();

    // the player's view follows without a reload
    await page.locator('[data-testid="limited-line"]:has-text("21:00 ~ 22:45 한정")').waitFor(WAIT);
    await expect(page.getByTestId('golden-state').textContent()).resolves.toBe('수령 완료');
    await shot(page, '08-player-follows');
    expect(errors).toEqual([]);
    await ctx.close();
  }, 240_000);

  it('an older Telegram (Bot API 7.0, Android) claims through the main button; share, home screen and full screen are not offered', async () => {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ko-KR' });
    await ctx.addInitScript(fakeTelegramScript(PHONE));
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(launchUrl(base, { id: 1002, firstName: '지훈', languageCode: 'ko' }, { version: '7.0', platform: 'android' }));
    await page.locator('[data-testid="golden-card"][data-status="active"]').waitFor(WAIT);
    for (let i = 1; i <= 3; i++) {
      await page.getByTestId('play-round').click();
      await page.locator(`[data-testid="progress-golden_hour_play_3"]:text-is("${i}/3")`).waitFor(WAIT);
    }
    await expect.poll(async () => (await lastMainButton(page))?.is_visible, WAIT).toBe(true);
    // no full screen before 8.0: nothing draws over the page, the header starts at the top
    expect(await postedOf(page, 'web_app_request_fullscreen')).toEqual([]);
    expect(await postedOf(page, 'web_app_request_safe_area')).toEqual([]);
    expect(await page.locator('#fake-system-bars').count()).toBe(0);
    expect((await layout(page)).title!.top).toBeLessThan(PHONE.safeArea.top);
    await shot(page, '09-old-client-completed');
    await telegramSends(page, 'main_button_pressed');
    await page.locator('[data-testid="golden-card"][data-status="claimed"]').waitFor(WAIT);
    await expect.poll(async () => (await lastMainButton(page))?.is_visible, WAIT).toBe(false);
    expect(await postedOf(page, 'web_app_trigger_haptic_feedback')).toContainEqual({ type: 'notification', notification_type: 'success' });
    await page.getByTestId('claim-success').waitFor(WAIT);
    await page.waitForTimeout(500); // give a share panel or a home-screen prompt the time it would take
    expect(await page.getByTestId('share-panel').count()).toBe(0);
    expect(await postedOf(page, 'web_app_add_to_home_screen')).toEqual([]);
    expect(await postedOf(page, 'web_app_check_home_screen')).toEqual([]);
    await shot(page, '10-old-client-claimed');
    expect(errors).toEqual([]);
    await ctx.close();
  }, 120_000);

  it('expired init data (a day-old Telegram Desktop cache): the app re-reads the launch params and retries once; with nothing newer it asks to reopen', async () => {
    const user = { id: 1003, firstName: '서연', languageCode: 'ko' };
    const dayOld = new Date(Date.now() - 25 * 3600_000);
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ko-KR' });
    const page = await ctx.newPage();
    const answers: Array<{ path: string; status: number; fresh: boolean }> = [];
    const freshHash = launchHash(user);
    const freshInit = new URLSearchParams(freshHash).get('tgWebAppData')!;
    page.on('response', (r) => {
      const u = new URL(r.url());
      if (u.pathname === '/api/me') answers.push({ path: u.pathname, status: r.status(), fresh: r.request().headers().authorization === `tma ${freshInit}` });
    });
    // hold the first API calls until Telegram has handed the page newer launch params (its URL hash)
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let held = 0;
    await page.route('**/api/**', async (route) => {
      if (!new URL(route.request().url()).pathname.startsWith('/api/dev/')) {
        held++;
        await gate;
      }
      await route.continue();
    });
    await page.goto(`${base}/#${launchHash(user, undefined, dayOld)}`);
    await expect.poll(() => held, WAIT).toBeGreaterThan(0);
    await page.evaluate((h) => history.replaceState(null, '', `#${h}`), freshHash);
    release();
    await page.getByTestId('wallet-diamonds').waitFor(WAIT);
    await expect.poll(() => answers.filter((a) => a.status === 200).length, WAIT).toBeGreaterThan(0);
    expect(answers[0]).toEqual({ path: '/api/me', status: 401, fresh: false });
    expect(answers.find((a) => a.status === 200)).toMatchObject({ fresh: true });
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);
    await ctx.close();

    // the same day-old launch with nothing newer: one request each, then the "reopen from Telegram" message
    const stale = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ko-KR' });
    const p2 = await stale.newPage();
    let meCalls = 0;
    p2.on('request', (r) => void (new URL(r.url()).pathname === '/api/me' && meCalls++));
    await p2.goto(`${base}/#${launchHash(user, undefined, dayOld)}`);
    await p2.getByText('텔레그램에서 앱을 다시 열어 주세요').first().waitFor(WAIT);
    expect(meCalls).toBe(1);
    await stale.close();
  }, 120_000);
});
