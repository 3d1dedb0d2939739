import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';
import type { AdminProps } from '../App';
import { errorMessage, t, zoneLabel, type Lang, type MsgKey } from '../i18n';
import type { AnnouncementEstimate } from '../../../../core/delivery/estimate';
import { formatZoned, shortTime, zonedDate } from '../serverClock';
import { BarChart, LineChart } from './Charts';
import { fieldOf, normalizeTime, toForm, toPatch, validateForm, type AdminMission, type FormErrors, type FormValues } from './form';
import './admin.css';

/** Admin page (docs/miniapp.md): a separate chunk, loaded only when an admin opens it. Text: ../i18n.ts. */

type FlagState = 'off' | 'dry_run' | 'on';

interface AuditEntry {
  id: number;
  actorId: number;
  action: string;
  missionId: number | null;
  before: unknown;
  after: unknown;
  requestedAt: string;
}

/** GET /api/admin/reports/daily: the server's report type, imported as a type only. */
export type { DailyReport } from '../../../../core/reports/report';
import type { DailyReport } from '../../../../core/reports/report';

export function AdminPage({ api, clock, lang, devMode, onChanged }: AdminProps) {
  const [now, setNow] = useState(clock.now());
  useEffect(() => {
    const h = setInterval(() => setNow(clock.now()), 1000);
    return () => clearInterval(h);
  }, [clock]);
  const [missions, setMissions] = useState<AdminMission[] | null>(null);
  const [editing, setEditing] = useState<AdminMission | null>(null);
  const [auditKey, setAuditKey] = useState(0);
  const [error, setError] = useState<string | null>(null);

  const loadMissions = useCallback(async () => {
    try {
      const r = await api.get<{ missions: AdminMission[] }>('/api/admin/missions');
      setMissions(r.missions);
    } catch (err) {
      setError(err instanceof ApiError ? errorMessage(lang, err.code) : String(err));
    }
  }, [api, lang]);
  useEffect(() => void loadMissions(), [loadMissions]);

  const changed = () => {
    void loadMissions();
    setAuditKey((k) => k + 1);
    onChanged();
  };

  return (
    <div class="admin" data-testid="admin-page">
      <div class="server-time" data-testid="admin-server-time">
        🕒 {t(lang, 'adminServerTime')} ({zoneLabel(clock.tz)}) <b>{formatZoned(now, clock.tz)}</b>
      </div>
      {error && <p class="claim-err">{error}</p>}
      {devMode && <DevClock api={api} clock={clock} lang={lang} onSet={changed} />}
      <FlagSwitch api={api} lang={lang} onChanged={changed} />
      <AnnouncementPlan api={api} lang={lang} />
      <section class="card plain">
        <h2>{t(lang, 'adminMissions')}</h2>
        <div class="table-wrap">
          <table class="missions-table" data-testid="admin-missions">
            <thead>
              <tr>
                <th>{t(lang, 'adminColMission')}</th>
                <th>{t(lang, 'adminColStart')}</th>
                <th>{t(lang, 'adminColEnd')}</th>
                <th>{t(lang, 'adminColAuto')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {(missions ?? []).map((m) => (
                <tr key={m.id} class={editing?.id === m.id ? 'sel' : ''}>
                  <td>
                    <b>{m.title}</b>
                    {!m.active && <small> ({t(lang, 'adminInactive')})</small>}
                    <div class="hint small-line">
                      #{m.id} · {t(lang, 'adminTarget')} {m.target} · 💎{m.rewards.diamonds} XP{m.rewards.xp} 🎟️{m.rewards.tickets}
                    </div>
                  </td>
                  <td data-testid={`start-${m.logicKey}`}>{m.startTime ?? '—'}</td>
                  <td data-testid={`end-${m.logicKey}`}>{m.endTime ?? '—'}</td>
                  <td>{m.autoClaim ? '✅' : '—'}</td>
                  <td>
                    <button type="button" class="btn small" onClick={() => setEditing(m)} data-testid={`edit-${m.logicKey}`}>
                      {t(lang, 'adminEdit')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      {editing && (
        <MissionForm
          key={editing.id}
          api={api}
          lang={lang}
          tz={clock.tz}
          mission={editing}
          onSaved={() => {
            setEditing(null);
            changed();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      <Report api={api} lang={lang} date={zonedDate(now, clock.tz)} />
      <Audit api={api} lang={lang} tz={clock.tz} refreshKey={auditKey} />
    </div>
  );
}

function DevClock({ api, clock, lang, onSet }: { api: AdminProps['api']; clock: AdminProps['clock']; lang: Lang; onSet: () => void }) {
  const [time, setTime] = useState('21:29:50');
  const [msg, setMsg] = useState<string | null>(null);
  const set = async () => {
    const hms = /^\d\d:\d\d$/.test(time) ? `${time}:00` : time;
    const date = zonedDate(clock.now(), clock.tz);
    try {
      await api.send('PUT', '/api/dev/clock', { now: `${date}T${hms}${clock.zoneOffset}` });
      setMsg(t(lang, 'adminDevClockSet', { date, time: hms }));
      onSet();
    } catch (err) {
      setMsg(err instanceof ApiError ? errorMessage(lang, err.code) : String(err));
    }
  };
  return (
    <section class="card plain dev">
      <h2>🧪 {t(lang, 'adminDevClock')}</h2>
      <div class="row">
        <input type="time" step={1} value={time} onInput={(e) => setTime((e.target as HTMLInputElement).value)} aria-label="dev clock" />
        <button type="button" class="btn small" onClick={set}>
          {t(lang, 'adminDevClockJump')}
        </button>
      </div>
      {msg && <p class="hint">{msg}</p>}
    </section>
  );
}

const FLAG_LABEL: Record<FlagState, MsgKey> = { off: 'adminFlagOff', dry_run: 'adminFlagDryRun', on: 'adminFlagOn' };

/** The day's announcement plan (GET /api/admin/announcement; docs/broadcast.md, Reach): who gets which message when, the finish, the Stars. */
function AnnouncementPlan({ api, lang }: { api: AdminProps['api']; lang: Lang }) {
  const [e, setE] = useState<AnnouncementEstimate | null>(null);
  useEffect(() => {
    void api.get<{ estimate: AnnouncementEstimate | null }>('/api/admin/announcement').then((r) => setE(r.estimate), () => setE(null));
  }, [api]);
  if (!e) return null;
  const hm = (local: string) => local.slice(0, 5);
  return (
    <p class="hint" data-testid="admin-announce-plan">
      {t(lang, 'adminAnnounce', { day: e.day, pre: e.plan.pre, preStart: e.startsAtLocal, live: e.plan.live + e.plan.paid, opens: hm(e.opensAtLocal), paid: e.plan.paid, stars: e.plan.stars, finish: e.expectedFinishLocal, reachBy: e.reachByLocal })}
    </p>
  );
}

function FlagSwitch({ api, lang, onChanged }: { api: AdminProps['api']; lang: Lang; onChanged: () => void }) {
  const [state, setState] = useState<FlagState | null>(null);
  const [pending, setPending] = useState<FlagState | null>(null);
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<string | null>(null);
  useEffect(() => {
    void api.get<{ state: FlagState }>('/api/admin/flags/golden-hour').then((r) => setState(r.state), () => setMsg(t(lang, 'adminFlagLoadFailed')));
  }, [api, lang]);
  const confirm = async () => {
    if (!pending) return;
    setBusy(true);
    try {
      const r = await api.send<{ state: FlagState }>('PUT', '/api/admin/flags/golden-hour', { state: pending });
      setState(r.state);
      setMsg(t(lang, 'adminFlagChanged'));
      onChanged();
    } catch (err) {
      setMsg(err instanceof ApiError ? errorMessage(lang, err.code) : String(err));
    } finally {
      setBusy(false);
      setPending(null);
    }
  };
  const label = (s: FlagState) => t(lang, FLAG_LABEL[s]);
  return (
    <section class="card plain">
      <h2>⚡ {t(lang, 'adminFlag')}</h2>
      <div class="segmented" role="radiogroup" data-testid="flag-switch">
        {(['off', 'dry_run', 'on'] as const).map((s) => (
          <button type="button" role="radio" aria-checked={state === s} key={s} class={state === s ? `on flag-${s}` : ''} disabled={busy} onClick={() => s !== state && setPending(s)}>
            {label(s)}
          </button>
        ))}
      </div>
      {pending && (
        <div class="confirm" role="alertdialog" data-testid="flag-confirm">
          <p>{t(lang, 'adminFlagConfirm', { state: label(pending) })}</p>
          <div class="row">
            <button type="button" class="btn small" onClick={confirm} disabled={busy}>
              {t(lang, 'adminChange')}
            </button>
            <button type="button" class="btn small ghost" onClick={() => setPending(null)}>
              {t(lang, 'adminCancel')}
            </button>
          </div>
        </div>
      )}
      {msg && <p class="hint">{msg}</p>}
    </section>
  );
}

export function MissionForm({ api, lang, tz, mission, onSaved, onCancel }: { api: AdminProps['api']; lang: Lang; tz: string; mission: AdminMission; onSaved: () => void; onCancel: () => void }) {
  const [v, setV] = useState<FormValues>(() => toForm(mission));
  const [errors, setErrors] = useState<FormErrors>({});
  const [saving, setSaving] = useState(false);
  const [msg, setMsg] = useState<string | null>(null);
  const set = (k: keyof FormValues) => (e: Event) => {
    const el = e.target as HTMLInputElement;
    setV((o) => ({ ...o, [k]: el.type === 'checkbox' ? el.checked : el.value }));
  };
  const save = async (e: Event) => {
    e.preventDefault();
    const errs = validateForm(v, lang);
    setErrors(errs);
    setMsg(null);
    if (Object.keys(errs).length) return;
    setSaving(true);
    try {
      await api.send('PATCH', `/api/admin/missions/${mission.id}`, toPatch(v));
      onSaved();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'VALIDATION_FAILED') {
        const f = fieldOf(err.extra.field);
        if (f) setErrors({ [f]: err.detail ?? errorMessage(lang, err.code) });
        else setMsg(err.detail ?? errorMessage(lang, err.code));
      } else setMsg(err instanceof ApiError ? errorMessage(lang, err.code) : String(err));
    } finally {
      setSaving(false);
    }
  };
  const field = (k: keyof FormValues, label: string, input: preact.JSX.Element) => (
    <label class={`field${errors[k] ? ' invalid' : ''}`}>
      <span>{label}</span>
      {input}
      {errors[k] && (
        <small class="field-err" data-testid={`err-${k}`}>
          {errors[k]}
        </small>
      )}
    </label>
  );
  return (
    <form class="card plain mission-form" onSubmit={save} noValidate data-testid="mission-form">
      <h2>
        ✏️ {t(lang, 'adminEditMission')} #{mission.id} <small class="hint">{mission.logicKey}</small>
      </h2>
      {field('title', t(lang, 'adminFieldTitle'), <input name="title" value={v.title} onInput={set('title')} />)}
      <div class="grid4">
        {field('target', t(lang, 'adminFieldTarget'), <input name="target" inputMode="numeric" value={v.target} onInput={set('target')} />)}
        {field('diamonds', '💎', <input name="diamonds" inputMode="numeric" value={v.diamonds} onInput={set('diamonds')} />)}
        {field('xp', 'XP', <input name="xp" inputMode="numeric" value={v.xp} onInput={set('xp')} />)}
        {field('tickets', '🎟️', <input name="tickets" inputMode="numeric" value={v.tickets} onInput={set('tickets')} />)}
      </div>
      <fieldset class="time-box">
        <legend>{t(lang, 'adminTimeWindow')}</legend>
        <label class="check">
          <input type="checkbox" name="timed" checked={v.timed} onChange={set('timed')} /> {t(lang, 'adminTimed')}
        </label>
        {v.timed && (
          <div class="grid2">
            {field('startTime', t(lang, 'adminFieldStart'), <input type="time" step={1} name="startTime" value={v.startTime} onInput={set('startTime')} />)}
            {field('endTime', t(lang, 'adminFieldEnd'), <input type="time" step={1} name="endTime" value={v.endTime} onInput={set('endTime')} />)}
          </div>
        )}
        <p class="hint">{t(lang, 'adminWindowHint', { zone: zoneLabel(tz), end: normalizeTime(v.endTime) ?? '22:30:00' })}</p>
      </fieldset>
      <label class="check">
        <input type="checkbox" name="autoClaim" checked={v.autoClaim} onChange={set('autoClaim')} /> {t(lang, 'adminAutoClaim')}
      </label>
      {msg && (
        <p class="claim-err" role="alert">
          {msg}
        </p>
      )}
      <div class="row">
        <button type="submit" class="btn" disabled={saving} data-testid="save-mission">
          {saving ? t(lang, 'adminSaving') : t(lang, 'adminSave')}
        </button>
        <button type="button" class="btn ghost" onClick={onCancel}>
          {t(lang, 'adminCancel')}
        </button>
      </div>
    </form>
  );
}

function Audit({ api, lang, tz, refreshKey }: { api: AdminProps['api']; lang: Lang; tz: string; refreshKey: number }) {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  useEffect(() => {
    void api.get<{ entries: AuditEntry[] }>('/api/admin/audit?limit=20').then((r) => setEntries(r.entries), () => setEntries([]));
  }, [api, refreshKey]);
  return (
    <section class="card plain">
      <h2>📜 {t(lang, 'adminAudit')}</h2>
      {entries && entries.length === 0 && <p class="hint">{t(lang, 'adminAuditEmpty')}</p>}
      <ul class="audit" data-testid="audit-list">
        {(entries ?? []).map((e) => (
          <li key={e.id}>
            <span class="hint">{formatZoned(Date.parse(e.requestedAt), tz)}</span> <b>{e.action}</b> {e.missionId !== null && <span>#{e.missionId}</span>} <span class="hint">{t(lang, 'adminAuditBy', { actor: e.actorId })}</span>
            <div class="diff">{diffText(e.before, e.after)}</div>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function diffText(before: unknown, after: unknown): string {
  if (!before || !after || typeof before !== 'object' || typeof after !== 'object') return `${JSON.stringify(before)} → ${JSON.stringify(after)}`;
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]));
  return keys.map((k) => `${k}: ${JSON.stringify(b[k])} → ${JSON.stringify(a[k])}`).join(', ') || '—';
}

function Report({ api, lang, date }: { api: AdminProps['api']; lang: Lang; date: string }) {
  const [state, setState] = useState<{ report?: DailyReport; error?: string } | null>(null);
  useEffect(() => {
    let live = true;
    api.get<DailyReport>(`/api/admin/reports/daily?date=${date}`).then(
      (report) => live && setState({ report }),
      (err) => live && setState({ error: err instanceof ApiError ? errorMessage(lang, err.code) : String(err) }),
    );
    return () => {
      live = false;
    };
  }, [api, date, lang]);
  return (
    <section class="card plain" data-testid="report">
      <h2>
        📊 {t(lang, 'adminReport')} <small class="hint">{date}</small>
      </h2>
      {!state && <p class="hint">…</p>}
      {state?.error && <p class="claim-err">{state.error}</p>}
      {state?.report && <ReportCharts r={state.report} lang={lang} />}
    </section>
  );
}

export function ReportCharts({ r, lang }: { r: DailyReport; lang: Lang }) {
  const g = r.golden;
  const per = r.perMinute ?? [];
  const n = (x: number | null | undefined) => (x ?? 0).toLocaleString('ko-KR');
  const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);
  return (
    <div class="report">
      <div class="kpis">
        <div>
          <small>{t(lang, 'adminParticipants')}</small>
          <b>{n(g.participants)}</b>
        </div>
        <div>
          <small>{t(lang, 'adminCompletions')}</small>
          <b>{n(g.completions)}</b>
        </div>
        <div>
          <small>{t(lang, 'adminClaims')}</small>
          <b>{n(g.claims.auto + g.claims.manual + g.claims.payout)}</b>
        </div>
        <div>
          <small>{t(lang, 'adminDepositCr')}</small>
          <b>{pct(r.depositCr?.share)}</b>
        </div>
      </div>
      {per.length > 0 && (
        <LineChart
          title={t(lang, 'adminPerMinute')}
          labels={per.map((p) => p.minute)}
          series={[
            { name: t(lang, 'adminSeriesParticipants'), color: '#ffc83d', values: per.map((p) => p.participants) },
            { name: t(lang, 'adminSeriesPlays'), color: '#39ff88', values: per.map((p) => p.plays) },
            { name: t(lang, 'adminSeriesClaims'), color: '#6ab3f3', values: per.map((p) => p.claims) },
          ]}
        />
      )}
      <BarChart
        title={t(lang, 'adminClaimsByPath')}
        items={[
          { label: t(lang, 'adminPathManual'), value: g.claims.manual, color: '#ffc83d' },
          { label: t(lang, 'adminPathAuto'), value: g.claims.auto, color: '#39ff88' },
          { label: t(lang, 'adminPathPayout'), value: g.claims.payout, color: '#ff8a00' },
        ]}
      />
      <BarChart
        title={t(lang, 'adminPaidOut')}
        items={[
          { label: '💎', value: g.paid.diamonds, color: '#6ab3f3' },
          { label: 'XP', value: g.paid.xp, color: '#b18cff' },
          { label: '🎟️', value: g.paid.tickets, color: '#ff6b8b' },
        ]}
      />
      {r.ccu && (
        <BarChart
          title={t(lang, 'adminCcu', { ratio: r.ccu.ratio === null ? '—' : `×${r.ccu.ratio.toFixed(2)}` })}
          items={[...r.ccu.previous7.map((d) => ({ label: d.date.slice(5), value: d.peak, color: '#5b6477' })), { label: t(lang, 'adminToday'), value: r.ccu.window.peak, color: '#ffc83d' }]}
        />
      )}
      {r.experiment && <ExperimentTable e={r.experiment} lang={lang} />}
      {r.vault && (
        <p class="hint">
          🏦 {t(lang, 'adminVaultIssued')} {n(r.vault.issued)} / {n(r.vault.cap)} {r.vault.exceeded ? '⚠️' : ''} · {t(lang, 'adminVaultGolden')} {n(r.vault.goldenIssued)}
        </p>
      )}
    </div>
  );
}

const METRIC_KEYS: Record<'participation' | 'depositCr2h' | 'returnedNextDay', MsgKey> = {
  participation: 'adminExpParticipants',
  depositCr2h: 'adminExpDeposit',
  returnedNextDay: 'adminExpReturned',
};
const pts = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}`;

/** The report's experiment (docs/operations.md, Reading the experiment): arms, then each variant against the holdout. */
function ExperimentTable({ e, lang }: { e: NonNullable<DailyReport['experiment']>; lang: Lang }) {
  return (
    <div class="experiment" data-testid="experiment">
      <h3>🧪 {t(lang, 'adminExperiment', { id: e.id, pct: e.holdoutPct })}</h3>
      <table>
        <thead>
          <tr>
            {(['adminExpArm', 'adminExpPlayers', 'adminExpParticipants', 'adminExpClaims', 'adminExpDeposit', 'adminExpReturned'] as MsgKey[]).map((k) => (
              <th key={k}>{t(lang, k)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {e.arms.map((a) => (
            <tr key={a.name}>
              <td>{a.name}</td>
              <td>{a.players}</td>
              <td>{a.participants}</td>
              <td>{a.claims}</td>
              <td>{a.depositCr2h}</td>
              <td>{a.returnedNextDay}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {e.comparisons.flatMap((c) =>
        (Object.keys(METRIC_KEYS) as (keyof typeof METRIC_KEYS)[]).map((k) => (
          <p class="hint" key={`${c.variant}-${k}`}>
            {t(lang, 'adminExpLift', {
              variant: c.variant,
              metric: t(lang, METRIC_KEYS[k]),
              diff: pts(c[k].difference),
              lower: pts(c[k].lower),
              upper: pts(c[k].upper),
              verdict: t(lang, `adminVerdict_${c[k].verdict}` as MsgKey),
            })}
          </p>
        )),
      )}
    </div>
  );
}
