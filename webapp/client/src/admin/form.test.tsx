// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, type Api } from '../api';
import { MissionForm, ReportCharts, type DailyReport } from './AdminPage';
import { normalizeTime, toForm, toPatch, validateForm, type AdminMission } from './form';

const golden: AdminMission = {
  id: 1,
  logicKey: 'golden_hour_play_3',
  title: '🔥 골든아워: 게임 3회 플레이',
  description: '',
  category: 'SPECIAL',
  actionType: 'PLAY_GAME',
  target: 3,
  rewards: { diamonds: 100, xp: 500, tickets: 1 },
  startTime: '21:30:00',
  endTime: '22:30:00',
  autoClaim: false,
  period: 'daily',
  isGoldenHour: true,
  vaultAccrualMultiplier: 2,
  active: true,
  sortOrder: 1,
};

function recordingApi(fail?: ApiError) {
  const sent: Array<{ method: string; path: string; body: unknown }> = [];
  const api: Api = {
    get: async () => ({}) as never,
    send: async (method, path, body) => {
      sent.push({ method, path, body });
      if (fail) throw fail;
      return {} as never;
    },
  };
  return { api, sent };
}

const input = (name: string) => document.querySelector(`input[name="${name}"]`) as HTMLInputElement;
const type = (name: string, value: string) => fireEvent.input(input(name), { target: { value } });

describe('admin mission form validation', () => {
  afterEach(cleanup);

  it('rule: time inputs are <input type="time" step="1"> and the auto-claim box is a checkbox', () => {
    render(<MissionForm api={recordingApi().api} lang="ko" tz="Asia/Seoul" mission={golden} onSaved={() => {}} onCancel={() => {}} />);
    expect(input('startTime').type).toBe('time');
    expect(input('startTime').step).toBe('1');
    expect(input('endTime').value).toBe('22:30:00');
    expect(input('autoClaim').type).toBe('checkbox');
  });

  it('refuses an empty title, a zero target, a negative reward, and start == end, without calling the server', async () => {
    const { api, sent } = recordingApi();
    render(<MissionForm api={api} lang="ko" tz="Asia/Seoul" mission={golden} onSaved={() => {}} onCancel={() => {}} />);
    type('title', '  ');
    type('target', '0');
    type('diamonds', '-5');
    type('endTime', '21:30:00');
    fireEvent.click(screen.getByTestId('save-mission'));
    await waitFor(() => expect(screen.getByTestId('err-title').textContent).toBe('필수 항목이에요'));
    expect(screen.getByTestId('err-target').textContent).toContain('1 이상');
    expect(screen.getByTestId('err-diamonds').textContent).toContain('0 이상');
    expect(screen.getByTestId('err-endTime').textContent).toBe('시작과 종료 시각이 같을 수 없어요');
    expect(sent).toEqual([]);
  });

  it('a timed mission needs both ends', () => {
    const v = { ...toForm(golden), startTime: '', endTime: '22:30' };
    expect(validateForm(v, 'en')).toEqual({ startTime: 'Required' });
    expect(validateForm({ ...v, timed: false }, 'en')).toEqual({});
  });

  it('saves HH:MM:SS (a browser that drops ":00" is normalized) and the auto-claim flag as a PATCH', async () => {
    const { api, sent } = recordingApi();
    let saved = 0;
    render(<MissionForm api={api} lang="ko" tz="Asia/Seoul" mission={golden} onSaved={() => saved++} onCancel={() => {}} />);
    type('startTime', '21:00');
    type('endTime', '22:45:30');
    fireEvent.click(input('autoClaim'));
    fireEvent.click(screen.getByTestId('save-mission'));
    await waitFor(() => expect(saved).toBe(1));
    expect(sent).toEqual([
      {
        method: 'PATCH',
        path: '/api/admin/missions/1',
        body: { title: golden.title, target: 3, rewards: { diamonds: 100, xp: 500, tickets: 1 }, startTime: '21:00:00', endTime: '22:45:30', autoClaim: true },
      },
    ]);
  });

  it('turning the window off sends null start and end', () => {
    expect(toPatch({ ...toForm(golden), timed: false })).toMatchObject({ startTime: null, endTime: null });
    expect(normalizeTime('7:00')).toBeNull();
    expect(normalizeTime('23:59:59')).toBe('23:59:59');
  });

  it('shows the server VALIDATION_FAILED message next to the field it names', async () => {
    const { api } = recordingApi(new ApiError(400, 'VALIDATION_FAILED', 'start_time and end_time must differ', { field: 'endTime' }));
    render(<MissionForm api={api} lang="en" tz="Asia/Seoul" mission={golden} onSaved={() => {}} onCancel={() => {}} />);
    fireEvent.click(screen.getByTestId('save-mission'));
    await waitFor(() => expect(screen.getByTestId('err-endTime').textContent).toBe('start_time and end_time must differ'));
  });
});

describe('admin page text comes from i18n.ts in the event zone', () => {
  afterEach(cleanup);
  it('with EVENT_TZ=Europe/Berlin the window hint names Europe/Berlin and never KST', () => {
    const { container } = render(<MissionForm api={recordingApi().api} lang="en" tz="Europe/Berlin" mission={golden} onSaved={() => {}} onCancel={() => {}} />);
    expect(container.textContent).toContain('Europe/Berlin, both ends inclusive (22:30:00 counts)');
    expect(container.textContent).not.toContain('KST');
  });
  it('an English admin reads English labels; a Korean admin Korean ones', () => {
    const en = render(<MissionForm api={recordingApi().api} lang="en" tz="Asia/Seoul" mission={golden} onSaved={() => {}} onCancel={() => {}} />);
    expect(en.container.textContent).toContain('Limit to a daily window');
    expect(en.container.textContent).toContain('KST, both ends inclusive');
    cleanup();
    const ko = render(<MissionForm api={recordingApi().api} lang="ko" tz="Asia/Seoul" mission={golden} onSaved={() => {}} onCancel={() => {}} />);
    expect(ko.container.textContent).toContain('시간 제한 활성화');
  });
});

describe('daily report charts', () => {
  afterEach(cleanup);
  it('draws per-minute, claims and payout charts from the report', () => {
    const t = { missions: [], participants: 3, completions: 2, claims: { auto: 1, manual: 1, payout: 0 }, paid: { diamonds: 200, xp: 1000, tickets: 2 } };
    const r: DailyReport = {
      date: '2026-11-27',
      tz: 'Asia/Seoul',
      window: { start: '2026-11-27T21:30:00+09:00', end: '2026-11-27T22:30:00+09:00' },
      golden: t,
      other: t,
      vault: { issued: 60, goldenIssued: 40, cap: 5_000_000, exceeded: false },
      ccu: { window: { avg: 2, peak: 3 }, previous7: [{ date: '2026-11-26', avg: 1, peak: 1 }], ratio: 3 },
      experiment: null,
      depositCr: { claimers: 2, depositors: 1, share: 0.5 },
      perMinute: [
        { minute: '21:30', participants: 1, plays: 2, claims: 0 },
        { minute: '21:31', participants: 3, plays: 4, claims: 2 },
      ],
    };
    const { container } = render(<ReportCharts r={r} lang="ko" />);
    expect(container.querySelectorAll('svg')).toHaveLength(4);
    expect(container.querySelectorAll('polyline')).toHaveLength(3);
    expect(container.textContent).toContain('50.0%');
  });

  it('shows the experiment arms and each variant against the holdout with its interval and verdict', () => {
    const t = { missions: [], participants: 0, completions: 0, claims: { auto: 0, manual: 0, payout: 0 }, paid: { diamonds: 0, xp: 0, tickets: 0 } };
    const diff = (d: number, lo: number, hi: number, verdict: 'lift' | 'not_enough_data') => ({ difference: d, lower: lo, upper: hi, variantRate: 0.3, holdoutRate: 0.2, verdict });
    const r: DailyReport = {
      date: '2026-11-27',
      tz: 'Asia/Seoul',
      window: null,
      golden: t,
      other: t,
      vault: { issued: 0, goldenIssued: 0, cap: 1, exceeded: false },
      ccu: { window: { avg: 0, peak: 0 }, previous7: [], ratio: null },
      depositCr: { claimers: 0, depositors: 0, share: 0 },
      perMinute: [],
      experiment: {
        id: 'golden-hour-2026-11-27',
        holdoutPct: 10,
        arms: [
          { name: 'holdout', players: 5000, participants: 1000, completions: 0, claims: 0, depositCr2h: 300, returnedNextDay: 2500 },
          { name: 'double', players: 5000, participants: 1500, completions: 900, claims: 850, depositCr2h: 320, returnedNextDay: 2600 },
        ],
        comparisons: [{ variant: 'double', participation: diff(0.1, 0.083, 0.117, 'lift'), depositCr2h: diff(0.004, -0.01, 0.018, 'not_enough_data'), returnedNextDay: diff(0.02, 0.0004, 0.0396, 'lift') }],
      },
    };
    const en = render(<ReportCharts r={r} lang="en" />);
    const box = en.getByTestId('experiment').textContent!;
    expect(box).toContain('Experiment golden-hour-2026-11-27 · holdout 10%');
    expect(box).toContain('double vs holdout · Played in window: +10.0 pts (95% interval +8.3 to +11.7 pts) — a clear lift');
    expect(box).toContain('not enough data yet');
    cleanup();
    const ko = render(<ReportCharts r={r} lang="ko" />);
    expect(ko.getByTestId('experiment').textContent).toContain('뚜렷한 상승');
  });
});
