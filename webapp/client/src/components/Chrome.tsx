import type { Lang } from '../i18n';
import { t } from '../i18n';
import type { Me } from '../api';
import { XP_PER_STAMP } from '../../../../core/domain/rewards';

export type Page = 'missions' | 'wallet' | 'admin';

export function WalletStrip({ me, lang }: { me: Me | null; lang: Lang }) {
  const v = (n: number | undefined) => (n === undefined ? '–' : n.toLocaleString('ko-KR'));
  return (
    <div class="wallet" data-testid="wallet">
      <span title={t(lang, 'walletDiamonds')}>
        💎 <b data-testid="wallet-diamonds">{v(me?.diamonds)}</b>
      </span>
      <span title={t(lang, 'walletXp')}>
        ⭐ <b data-testid="wallet-xp">{v(me?.xp)}</b> XP <small>({v(me?.stamps)} {t(lang, 'walletStamps')})</small>
      </span>
      <span title={t(lang, 'walletTickets')}>
        🎟️ <b data-testid="wallet-tickets">{v(me?.tickets)}</b>
      </span>
      <span title={t(lang, 'walletVault')}>
        🏦 <b data-testid="wallet-vault">{v(me?.vaultPoints)}</b>
      </span>
    </div>
  );
}

export function BottomNav({ page, onPage, hot, isAdmin, lang }: { page: Page; onPage: (p: Page) => void; hot: boolean; isAdmin: boolean; lang: Lang }) {
  const item = (p: Page, icon: string, label: string, badge?: boolean) => (
    <button type="button" class={`nav-item${page === p ? ' on' : ''}`} onClick={() => onPage(p)} aria-current={page === p ? 'page' : undefined}>
      <span class="nav-icon" aria-hidden="true">
        {icon}
        {badge && (
          <span class="hot" data-testid="hot-badge">
            {t(lang, 'hot')}
          </span>
        )}
      </span>
      <span>{label}</span>
    </button>
  );
  return (
    <nav class="nav">
      {item('missions', '🎯', t(lang, 'navMissions'), hot)}
      {item('wallet', '👛', t(lang, 'navWallet'))}
      {isAdmin && item('admin', '🛠️', t(lang, 'navAdmin'))}
    </nav>
  );
}

export function Toast({ text }: { text: string | null }) {
  return (
    <div class={`toast${text ? ' show' : ''}`} role="status" aria-live="polite" data-testid="toast">
      {text && <span>⚡ {text}</span>}
    </div>
  );
}

export function OpenFromTelegram({ lang }: { lang: Lang }) {
  return (
    <main class="outside">
      <div class="outside-icon" aria-hidden="true">
        ✈️
      </div>
      <h1>{t(lang, 'openFromTelegramTitle')}</h1>
      <p>{t(lang, 'openFromTelegramBody')}</p>
    </main>
  );
}

export function WalletPage({ me, lang }: { me: Me | null; lang: Lang }) {
  const rows: Array<[string, string, number | undefined]> = [
    ['💎', t(lang, 'walletDiamonds'), me?.diamonds],
    ['⭐', t(lang, 'walletXp'), me?.xp],
    ['🏅', t(lang, 'walletStamps'), me?.stamps],
    ['🎟️', t(lang, 'walletTickets'), me?.tickets],
    ['🏦', t(lang, 'walletVault'), me?.vaultPoints],
  ];
  return (
    <section class="card plain">
      <h2>{t(lang, 'walletTitle')}</h2>
      <ul class="wallet-list">
        {rows.map(([icon, label, n]) => (
          <li key={label}>
            <span>
              {icon} {label}
            </span>
            <b>{n === undefined ? '–' : n.toLocaleString('ko-KR')}</b>
          </li>
        ))}
      </ul>
      <p class="hint">{t(lang, 'stampsHint', { xp: XP_PER_STAMP })}</p>
    </section>
  );
}
