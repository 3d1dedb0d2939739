/** Korean first; English when the Telegram language_code is set and is not Korean. */
export type Lang = 'ko' | 'en';

export function langOf(code: string | null | undefined): Lang {
  return !code || code.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

const ko = {
  appTitle: '골든아워',
  tabDaily: '일일',
  tabWeekly: '주간',
  tabNew: '신규',
  navMissions: '미션',
  navWallet: '지갑',
  navAdmin: '관리',
  hot: 'HOT',
  badgeLimited: '시간 한정',
  badgeGolden: '골든아워',
  badgeAuto: 'Auto-Claim',
  limitedLine: '{start} ~ {end} 한정',
  stateLocked: '준비 중',
  stateActive: '진행 중',
  stateCompleted: '완료',
  stateClaimed: '수령 완료',
  opensIn: '시작까지',
  closesIn: '종료까지',
  rewards: '보상',
  claim: '보상 받기',
  claiming: '받는 중…',
  retry: '다시 시도',
  retryIn: '{s}초 후 다시 시도',
  autoClaimNote: '완료하면 자동으로 지급돼요',
  claimedNote: '오늘의 보상을 받았어요',
  lockedNote: '이벤트 시간에 열려요',
  claimSuccess: '보상 지급 완료! {rewards}',
  newBalance: '보유 💎 {diamonds} · 🎟️ {tickets}',
  toastGolden: '골든아워가 시작되었습니다! 지금 플레이하고 2배 보상을 받으세요',
  walletDiamonds: '다이아',
  walletXp: 'XP',
  walletStamps: '스탬프',
  walletTickets: '티켓',
  walletVault: '금고',
  playRound: '🎮 한 판 플레이 (데모)',
  playing: '플레이 중…',
  played: '플레이 1회가 기록됐어요',
  preview: 'PREVIEW',
  openFromTelegramTitle: '텔레그램에서 열어 주세요',
  openFromTelegramBody: '이 미니 앱은 텔레그램 봇의 “앱 열기” 버튼으로 열어야 해요. 봇에서 /start 를 보내 주세요.',
  loading: '불러오는 중…',
  loadFailed: '불러오지 못했어요',
  noMissions: '이 탭에는 미션이 없어요',
  back: '뒤로',
  walletTitle: '내 지갑',
  stampsHint: '500 XP = 스탬프 1개',
  adminLoading: '관리 페이지를 불러오는 중…',
} as const;

export type MsgKey = keyof typeof ko;

const en: Record<MsgKey, string> = {
  appTitle: 'Golden Hour',
  tabDaily: 'Daily',
  tabWeekly: 'Weekly',
  tabNew: 'New',
  navMissions: 'Missions',
  navWallet: 'Wallet',
  navAdmin: 'Admin',
  hot: 'HOT',
  badgeLimited: 'Limited time',
  badgeGolden: 'Golden Hour',
  badgeAuto: 'Auto-Claim',
  limitedLine: '{start} ~ {end} only',
  stateLocked: 'Coming up',
  stateActive: 'In progress',
  stateCompleted: 'Completed',
  stateClaimed: 'Claimed',
  opensIn: 'Opens in',
  closesIn: 'Ends in',
  rewards: 'Rewards',
  claim: 'Claim',
  claiming: 'Claiming…',
  retry: 'Retry',
  retryIn: 'Retry in {s}s',
  autoClaimNote: 'Paid automatically when completed',
  claimedNote: 'Reward received for today',
  lockedNote: 'Opens during the event window',
  claimSuccess: 'Reward paid! {rewards}',
  newBalance: 'Balance 💎 {diamonds} · 🎟️ {tickets}',
  toastGolden: 'Golden Hour has started! Play now for double rewards',
  walletDiamonds: 'Diamonds',
  walletXp: 'XP',
  walletStamps: 'Stamps',
  walletTickets: 'Tickets',
  walletVault: 'Vault',
  playRound: '🎮 Play a round (demo)',
  playing: 'Playing…',
  played: 'One play recorded',
  preview: 'PREVIEW',
  openFromTelegramTitle: 'Open this from Telegram',
  openFromTelegramBody: 'This Mini App opens from the bot’s “Open app” button. Send /start to the bot.',
  loading: 'Loading…',
  loadFailed: 'Could not load',
  noMissions: 'No missions in this tab',
  back: 'Back',
  walletTitle: 'My wallet',
  stampsHint: '500 XP = 1 stamp',
  adminLoading: 'Loading the admin page…',
};

const dict: Record<Lang, Record<MsgKey, string>> = { ko, en };

export function t(lang: Lang, key: MsgKey, vars: Record<string, string | number> = {}): string {
  return dict[lang][key].replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}

/** Every error code of the claim API (DESIGN.md §4), plus the client's own NETWORK / TIMEOUT. */
const ERRORS: Record<string, { ko: string; en: string }> = {
  ALREADY_CLAIMED: { ko: '이미 받은 보상이에요.', en: 'You have already claimed this reward.' },
  NOT_COMPLETED: { ko: '미션을 먼저 완료해 주세요.', en: 'Complete the mission first.' },
  OUTSIDE_WINDOW: { ko: '이벤트 시간이 아니에요. 진행 시간에만 받을 수 있어요.', en: 'Outside the event window. Claim while it is open.' },
  RATE_LIMITED: { ko: '요청이 너무 많아요. {s}초 후에 다시 시도해 주세요.', en: 'Too many requests. Try again in {s} s.' },
  REQUEST_IN_PROGRESS: { ko: '앞선 요청을 처리하고 있어요. 잠시 후 다시 시도해 주세요.', en: 'Your previous request is still being processed. Try again shortly.' },
  IDEMPOTENCY_KEY_REQUIRED: { ko: '요청을 확인할 수 없어요. 앱을 새로 고친 뒤 다시 시도해 주세요.', en: 'The request could not be verified. Reload the app and try again.' },
  IDEMPOTENCY_KEY_REUSED: { ko: '다른 요청과 겹쳤어요. 다시 시도해 주세요.', en: 'This request clashed with another one. Please try again.' },
  MISSION_NOT_FOUND: { ko: '미션을 찾을 수 없어요. 이벤트가 종료되었을 수 있어요.', en: 'Mission not found. The event may have ended.' },
  UNAUTHORIZED: { ko: '로그인이 만료되었어요. 텔레그램에서 앱을 다시 열어 주세요.', en: 'Your session expired. Reopen the app from Telegram.' },
  FORBIDDEN: { ko: '권한이 없어요.', en: 'You are not allowed to do that.' },
  VALIDATION_FAILED: { ko: '입력값을 확인해 주세요.', en: 'Please check the values you entered.' },
  SERVICE_UNAVAILABLE: { ko: '서버가 잠시 바빠요. 잠시 후 다시 시도해 주세요.', en: 'The server is busy. Please try again shortly.' },
  INTERNAL: { ko: '문제가 생겼어요. 잠시 후 다시 시도해 주세요.', en: 'Something went wrong. Please try again shortly.' },
  NETWORK: { ko: '네트워크 연결을 확인한 뒤 다시 시도해 주세요.', en: 'Check your connection and try again.' },
  TIMEOUT: { ko: '응답이 늦어지고 있어요. 다시 시도해 주세요.', en: 'The server is taking too long. Please try again.' },
};

export const KNOWN_ERROR_CODES = Object.keys(ERRORS);

export function errorMessage(lang: Lang, code: string, retryAfterS?: number): string {
  const m = ERRORS[code];
  if (!m) return lang === 'ko' ? `알 수 없는 오류가 발생했어요 (${code}).` : `Unexpected error (${code}).`;
  return m[lang].replace('{s}', String(Math.max(1, Math.ceil(retryAfterS ?? 1))));
}
