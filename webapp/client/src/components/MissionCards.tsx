import type { ComponentChildren } from 'preact';
import type { ClaimResult, Mission, MissionStatus } from '../api';
import { errorMessage, t, type Lang, type MsgKey } from '../i18n';
import { countdownTarget, shownStatus } from '../missionState';
import { formatCountdown, shortTime } from '../serverClock';

export interface ClaimView {
  inFlight: boolean;
  error?: { code: string; retryAfterS?: number; retryAt?: number };
  success?: ClaimResult;
}

const STATE_LABEL: Record<MissionStatus, MsgKey> = {
  locked: 'stateLocked',
  active: 'stateActive',
  completed: 'stateCompleted',
  claimed: 'stateClaimed',
};

export function rewardText(r: { diamonds: number; xp: number; tickets: number }): string {
  const parts: string[] = [];
  if (r.diamonds) parts.push(`💎 ${r.diamonds.toLocaleString('ko-KR')}`);
  if (r.xp) parts.push(`XP ${r.xp.toLocaleString('ko-KR')}`);
  if (r.tickets) parts.push(`🎟️ ${r.tickets.toLocaleString('ko-KR')}`);
  return parts.join(' · ');
}

interface CardProps {
  m: Mission;
  now: number;
  fetchedAt: number;
  lang: Lang;
  claim?: ClaimView;
  onClaim: (id: number) => void;
  /** Telegram's main button claims this mission: the card shows no button of its own */
  viaMainButton?: boolean;
  children?: ComponentChildren;
}

function Progress({ m, status }: { m: Mission; status: MissionStatus }) {
  const done = status === 'claimed' ? m.target : m.progress;
  const pct = Math.round((Math.min(done, m.target) / m.target) * 100);
  return (
    <div class="progress">
      <div class="bar" role="progressbar" aria-valuemin={0} aria-valuemax={m.target} aria-valuenow={done}>
        <div class="fill" style={{ transform: `scaleX(${pct / 100})` }} />
      </div>
      <span class="count" data-testid={`progress-${m.logicKey}`}>
        {done}/{m.target}
      </span>
    </div>
  );
}

function ClaimArea({ m, status, lang, claim, onClaim, now, viaMainButton }: { m: Mission; status: MissionStatus; lang: Lang; claim?: ClaimView; onClaim: (id: number) => void; now: number; viaMainButton?: boolean }) {
  const err = claim?.error;
  const waitS = err?.retryAt ? Math.max(0, Math.ceil((err.retryAt - Date.now()) / 1000)) : 0;
  void now; // re-rendered every second by the parent so the retry wait counts down
  return (
    <div class="claim-area">
      {status === 'completed' && !m.autoClaim && viaMainButton && (
        <p class="hint claim-below" data-testid={`claim-below-${m.logicKey}`}>
          {claim?.inFlight ? t(lang, 'claiming') : t(lang, 'claimBelow')}
        </p>
      )}
      {status === 'completed' && !m.autoClaim && !viaMainButton && (
        <button type="button" class="btn claim" disabled={claim?.inFlight || waitS > 0} onClick={() => onClaim(m.id)} data-testid={`claim-${m.logicKey}`}>
          {claim?.inFlight ? t(lang, 'claiming') : waitS > 0 ? t(lang, 'retryIn', { s: waitS }) : err ? t(lang, 'retry') : t(lang, 'claim')}
        </button>
      )}
      {claim?.success && (
        <p class="claim-ok" role="status" data-testid="claim-success">
          {t(lang, 'claimSuccess', { rewards: rewardText(claim.success.rewards) })}
          <br />
          <span data-testid="claim-balance">
            {t(lang, 'newBalance', { diamonds: claim.success.balances.diamonds.toLocaleString('ko-KR'), tickets: claim.success.balances.tickets.toLocaleString('ko-KR') })}
          </span>
        </p>
      )}
      {err && !claim?.success && (
        <p class="claim-err" role="alert" data-testid="claim-error">
          {errorMessage(lang, err.code, waitS || err.retryAfterS)}
        </p>
      )}
    </div>
  );
}

/** The golden-hour card (docs/miniapp.md): neon border, live countdown, progress, rewards, states. */
export function GoldenCard({ m, now, fetchedAt, lang, claim, onClaim, viaMainButton, children }: CardProps) {
  const status = shownStatus(m, now, fetchedAt);
  const target = m.window ? countdownTarget(m.window, now) : null;
  const live = status === 'active' || status === 'completed';
  return (
    <article class={`card golden ${status}${live ? ' live' : ''}`} data-testid="golden-card" data-status={status}>
      <div class="golden-inner">
        <header class="golden-head">
          <div class="badges">
            <span class="badge limited">{t(lang, 'badgeLimited')}</span>
            <span class="badge gold">{t(lang, 'badgeGolden')}</span>
            {m.autoClaim && <span class="badge auto">{t(lang, 'badgeAuto')}</span>}
          </div>
          {target && (
            <div class="countdown" aria-label={t(lang, target.kind === 'opens' ? 'opensIn' : 'closesIn')}>
              <small>{t(lang, target.kind === 'opens' ? 'opensIn' : 'closesIn')}</small>
              <time data-testid="countdown">{formatCountdown(target.at - now)}</time>
            </div>
          )}
        </header>
        <h3 class="title">{m.title}</h3>
        {m.window && (
          <p class="limited-line" data-testid="limited-line">
            ⏰ {t(lang, 'limitedLine', { start: shortTime(m.window.start), end: shortTime(m.window.end) })}
          </p>
        )}
        <div class="row">
          <span class={`state state-${status}`} data-testid="golden-state">
            {t(lang, STATE_LABEL[status])}
          </span>
          <Progress m={m} status={status} />
        </div>
        <p class="rewards">
          <span class="hint">{t(lang, 'rewards')}</span> <b data-testid="golden-rewards">{rewardText(m.rewards)}</b>
        </p>
        {status === 'locked' && <p class="hint">{t(lang, 'lockedNote')}</p>}
        {status === 'claimed' && !claim?.success && <p class="hint">{t(lang, 'claimedNote')}</p>}
        {m.autoClaim && status !== 'claimed' && <p class="hint">{t(lang, 'autoClaimNote')}</p>}
        <ClaimArea m={m} status={status} lang={lang} claim={claim} onClaim={onClaim} now={now} viaMainButton={viaMainButton} />
        {children}
      </div>
    </article>
  );
}

export function MissionCard({ m, now, fetchedAt, lang, claim, onClaim, viaMainButton }: CardProps) {
  const status = shownStatus(m, now, fetchedAt);
  return (
    <article class={`card plain mission ${status}`} data-testid={`mission-${m.logicKey}`} data-status={status}>
      <div class="row">
        <h3 class="title">{m.title}</h3>
        <span class={`state state-${status}`}>{t(lang, STATE_LABEL[status])}</span>
      </div>
      {m.description && <p class="hint">{m.description}</p>}
      <Progress m={m} status={status} />
      <p class="rewards">
        <span class="hint">{t(lang, 'rewards')}</span> <b>{rewardText(m.rewards)}</b>
      </p>
      <ClaimArea m={m} status={status} lang={lang} claim={claim} onClaim={onClaim} now={now} viaMainButton={viaMainButton} />
    </article>
  );
}
