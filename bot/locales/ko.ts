import { XP_PER_STAMP } from '../../core/domain/rewards.js';
import type { Rewards } from '../../core/missions/catalog.js';
import type { AnnouncementFacts, ReminderFacts } from '../../core/delivery/announcement.js';
import type { DailyReport, GroupStats } from '../../core/reports/report.js';
import { fmtN, pct } from '../format.js';

/**
 * Korean (default) bot text. Every user-facing string lives here and in en.ts, which must have the
 * same keys (its type is checked against this file). Plain text, no parse_mode: titles are data.
 */
export const ko = {
  // ---- general
  'error.generic': '죄송합니다. 처리 중 문제가 생겼어요. 잠시 후 다시 시도해 주세요.',
  'admin.refused': '관리자 전용 명령입니다.',
  'common.cancelled': '취소했습니다.',
  'common.nothingToCancel': '취소할 작업이 없습니다.',
  'common.confirm': '✅ 확인',
  'common.cancel': '✖ 취소',
  'common.expired': '이 요청은 만료되었습니다. 명령을 다시 보내 주세요.',
  'common.on': '켜짐',
  'common.off': '꺼짐',

  // ---- domain errors (bot/errors.ts maps codes here)
  'err.ALREADY_CLAIMED': '이미 보상을 받았어요.',
  'err.NOT_COMPLETED': '아직 미션을 완료하지 않았어요.',
  'err.OUTSIDE_WINDOW': '미션 시간이 아니에요. 골든아워 시간에 다시 와 주세요.',
  'err.MISSION_NOT_FOUND': '지금은 받을 수 없는 미션이에요.',
  'err.RATE_LIMITED': '요청이 너무 많아요. 잠시 후 다시 시도해 주세요.',
  'err.VALIDATION_FAILED': (p: { detail: string }) => `입력값을 확인해 주세요: ${p.detail}`,
  'err.PAYLOAD_TOO_LARGE': (p: { detail: string }) => `너무 큽니다: ${p.detail}`,
  'err.SERVICE_UNAVAILABLE': '서비스가 잠시 불안정해요. 잠시 후 다시 시도해 주세요.',

  // ---- command menu (bot/commands.ts)
  'cmd.start': '시작 · 미션 앱 열기',
  'cmd.missions': '오늘의 미션과 보상 받기',
  'cmd.golden': '골든아워 상태',
  'cmd.golden_on': '골든아워 켜기',
  'cmd.golden_off': '골든아워 끄기',
  'cmd.golden_dry': '골든아워 리허설 (관리자·테스터만)',
  'cmd.golden_time': '골든아워 시간 변경',
  'cmd.mission_edit': '미션 수정',
  'cmd.audit': '최근 감사 로그',
  'cmd.report': '일일 리포트',
  'cmd.why': '사용자 행동 판정 조회',
  'cmd.broadcast_test': '공지 테스트 발송',
  'cmd.payout': '수동 지급 (CSV)',
  'cmd.experiment': '골든아워 실험 (홀드아웃·변형)',
  'cmd.cancel': '진행 중인 작업 취소',

  // ---- /start
  'start.welcome': (p: { name: string; start: string; end: string; zone: string; target: number; rewards: string; multiplier: number }) =>
    `${p.name}님, 골든아워에 오신 걸 환영해요! 🔥\n매일 ${p.start}~${p.end}(${p.zone}) 게임 ${p.target}판을 플레이하면 ${p.rewards}을(를) 드려요.${p.multiplier > 1 ? ` 이 시간엔 금고 적립도 ${p.multiplier}배!` : ''}\n\n아래 버튼으로 미션 앱을 열거나 /missions 로 진행 상황을 확인하세요.`,
  'start.welcomePlain': (p: { name: string }) => `${p.name}님, 골든아워에 오신 걸 환영해요! 🔥\n아래 버튼으로 미션 앱을 열거나 /missions 로 진행 상황을 확인하세요.`,
  'rewards.list': (p: { diamonds: number; xp: number; tickets: number }) =>
    [p.diamonds ? `다이아 ${p.diamonds}개` : '', p.xp ? `시즌패스 XP ${p.xp}` : '', p.tickets ? `티켓 ${p.tickets}장` : ''].filter(Boolean).join(', ') || '보상',
  'start.welcomeGolden': (p: { name: string }) => `${p.name}님, 골든아워 미션으로 바로 안내할게요! 🔥 아래 버튼을 눌러 주세요.`,
  'start.openApp': '🎮 미션 앱 열기',
  'start.openGolden': '🔥 골든아워 미션 열기',
  'share.golden.title': '골든아워 보상 인증',
  'share.golden.text': (p: { rewards: string; start: string; end: string; zone: string; target: number }) =>
    `🔥 오늘의 골든아워 보상을 받았어요! ${p.rewards}\n매일 ${p.start}~${p.end}(${p.zone}) 게임 ${p.target}판이면 나도 받을 수 있어요.`,
  'share.golden.open': '🔥 골든아워 미션 열기',
  'menu.button': '미션',

  // ---- /missions
  'missions.header': (p: { now: string; zone: string }) => `📋 오늘의 미션 (서버 시각 ${p.now} ${p.zone})`,
  'missions.empty': '지금 진행 중인 미션이 없어요.',
  'missions.locked': '🔒 잠김',
  'missions.claimed': '✅ 보상 받음',
  'missions.completed': '🎁 완료! 보상을 받으세요',
  'missions.autoClaim': '(자동 지급)',
  'missions.window': (p: { start: string; end: string; zone: string }) => `⏰ ${p.start}~${p.end} ${p.zone}`,
  'missions.closesIn': (p: { left: string }) => `마감까지 ${p.left}`,
  'missions.opensIn': (p: { at: string; left: string }) => `${p.at} 시작 (${p.left} 후)`,
  'missions.rewards': (p: { diamonds: number; xp: number; tickets: number }) => `보상: 💎${p.diamonds} · XP ${p.xp} · 🎟${p.tickets}`,
  'missions.claimButton': (p: { title: string }) => `🎁 받기: ${p.title}`,
  'missions.refresh': '🔄 새로고침',
  'missions.claimedToast': (p: { diamonds: number; xp: number; tickets: number }) => `보상을 받았어요! 💎+${p.diamonds} XP+${p.xp} 🎟+${p.tickets}`,
  'duration.hm': (p: { h: number; m: number }) => (p.h > 0 ? `${p.h}시간 ${p.m}분` : `${p.m}분`),
  'duration.s': (p: { s: number }) => `${p.s}초`,

  // ---- /golden and flag
  'golden.status': (p: { flag: string; window: string; now: string; zone: string; clock: string; participants: number; completions: number; claims: number; claimsManual: number; claimsAuto: number; claimsPayout: number; period: string }) =>
    `🔥 골든아워 상태\n플래그: ${p.flag}\n시간: ${p.window}\n서버 시각: ${p.now} ${p.zone}\n시계 점검: ${p.clock}\n\n오늘(${p.period}) 현황\n참여자: ${p.participants}명\n완료: ${p.completions}명\n보상 수령: ${p.claims}건 (수동 ${p.claimsManual} · 자동 ${p.claimsAuto} · 지급 ${p.claimsPayout})`,
  'golden.broadcast': (p: { day: string; recipients: number; rate: number; finish: string; outlasts: boolean; zone: string; pre: number; preStart: string; opens: string; live: number; paid: number; stars: number; reachBy: string; late: number; sentPre: number; sentLive: number }) =>
    `📣 공지 (${p.day}): 대상 ${p.recipients}명 · 초당 ${p.rate}건 · 예상 완료 ${p.finish} ${p.zone}${p.outlasts ? ' ⚠️ 골든아워 종료 후 완료' : ''}` +
    (p.pre > 0 ? `\n· 사전 공지 ${p.pre}명: ${p.preStart}부터 ("${p.opens}에 시작돼요")` : '') +
    `\n· 시작 공지 ${p.live}명: ${p.opens}부터` +
    (p.paid > 0 ? `\n· 유료 발송 ${p.paid}명 (약 ${p.stars} Stars)` : '') +
    `\n· 전원 수신 목표: ${p.reachBy}${p.late > 0 ? ` ⚠️ ${p.late}명은 늦음` : ''}` +
    (p.sentPre + p.sentLive > 0 ? `\n· 발송됨: 사전 ${p.sentPre} · 시작 ${p.sentLive}` : ''),
  'golden.noMission': '골든아워 미션이 없습니다.',
  'golden.noWindow': '시간 설정 없음',
  'golden.clockOff': '꺼짐 (NTP_SERVERS 미설정, 정상 처리)',
  'golden.clockHealthy': (p: { checkedAt: string }) => `정상 (마지막 확인 ${p.checkedAt})`,
  'golden.clockUnhealthy': (p: { failures: number; error: string }) => `⚠️ 비정상: 연속 실패 ${p.failures}회 (${p.error}) — 창이 닫힘`,
  'flag.confirm': (p: { from: string; to: string }) => `골든아워 플래그를 ${p.from} → ${p.to} 로 바꿀까요?`,
  'flag.done': (p: { from: string; to: string }) => `골든아워 플래그를 ${p.from} → ${p.to} 로 바꿨습니다. (감사 로그 기록됨)`,
  'flag.same': (p: { state: string }) => `이미 ${p.state} 상태입니다.`,

  // ---- /golden_time
  'time.usage': (p: { zone: string }) => `사용법: /golden_time 21:30 22:30 (${p.zone}, 시작과 끝, 자정을 넘기면 23:30 00:30)`,
  'time.badTime': (p: { value: string }) => `"${p.value}" 은(는) 올바른 시각이 아닙니다. 00:00~23:59 사이 HH:MM 으로 입력하세요. (24:00 은 00:00 으로)`,
  'time.equal': '시작과 끝 시각이 같습니다. 서로 다른 시각을 입력하세요.',
  'time.confirm': (p: { title: string; from: string; to: string; zone: string }) => `"${p.title}" 시간을 ${p.from} → ${p.to} (${p.zone}) 로 바꿀까요?`,
  'time.done': (p: { to: string; zone: string }) => `골든아워 시간을 ${p.to} (${p.zone}) 로 바꿨습니다. (감사 로그 기록됨)`,

  // ---- /broadcast_test
  'broadcastTest.noMission': '골든아워 미션(시간대 포함)이 없습니다.',
  'broadcastTest.noToken': 'BOT_TOKEN이 없어 보낼 수 없습니다.',
  'broadcastTest.done': (p: { n: number; sent: number; blocked: number; failed: number }) =>
    `테스트 발송 완료 (관리자·테스터 ${p.n}명): 성공 ${p.sent}, 차단 ${p.blocked}, 실패 ${p.failed}`,
  'broadcastTest.eta': (p: { day: string; recipients: number; rate: number; minutes: number; finish: string; zone: string; outlasts: boolean }) =>
    `실제 공지(${p.day}): ${p.recipients}명, 초당 ${p.rate}건 → 약 ${p.minutes}분, ${p.finish} ${p.zone} 완료 예상${p.outlasts ? ' ⚠️ 시간대 종료 후' : ''}`,


  // ---- notifications core sends (bot/notifications.ts): HTML, the send loop sets parse_mode; the
  // facts (times, zone, rewards) come from the mission, already escaped
  'notify.rewards': (p: Rewards) =>
    [
      p.diamonds ? `💎 ${p.diamonds}개` : '',
      p.xp ? (p.xp % XP_PER_STAMP === 0 ? `시즌패스 스탬프 ${p.xp / XP_PER_STAMP}개` : `시즌패스 XP ${p.xp}`) : '',
      p.tickets ? `티켓 ${p.tickets}장` : '',
    ].filter(Boolean).join(' + '),
  'notify.duration': (p: { minutes: number }) => (p.minutes % 60 === 0 ? `${p.minutes / 60}시간` : `${p.minutes}분`),
  'notify.announcement': (p: AnnouncementFacts & { duration: string; rewardText: string }) =>
    [
      `🚀 <b>[CCJM] 골든아워 미션 시작!</b>`,
      ``,
      `지금부터 ${p.duration} 동안만 열리는 특별 미션!`,
      `🎮 게임 ${p.target}판만 해도 다이아와 스탬프가 쏟아집니다.`,
      ``,
      `⏰ 시간: ${p.start} ~ ${p.end} (${p.zone})`,
      `🎁 보상: ${p.rewardText}`,
      ``,
      `지금 바로 접속하세요!`,
    ].join('\n'),
  'notify.preAnnouncement': (p: AnnouncementFacts & { rewardText: string }) =>
    [
      `⏰ <b>[CCJM] 골든아워가 ${p.start}에 시작돼요 (${p.zone})</b>`,
      ``,
      `${p.start} ~ ${p.end} 동안만 열리는 특별 미션!`,
      `🎮 게임 ${p.target}판이면 🎁 ${p.rewardText}`,
      ``,
      `시작 시간에 맞춰 접속하세요!`,
    ].join('\n'),
  'notify.reminder': (p: ReminderFacts & { rewardText: string }) =>
    `⏳ <b>골든아워 종료 ${p.minutesLeft}분 전!</b>\n\n지금 ${p.done}/${p.target}판 — ${p.left}판만 더 하면 🎁 ${p.rewardText}!\n⏰ ${p.end} (${p.zone})까지`,
  'notify.openApp': '🎮 앱 열기',
  'alert.clockFailed': (p: { when: string }) => `⚠️ 시계 점검 실패 — ${p.when} 골든아워 공지를 보내지 않습니다.`,
  'alert.noAnswer': '응답 없음',

  // ---- the daily report (/report and the automatic post; bot/notifications.ts formatReportText)
  'report.title': (p: { date: string; tz: string }) => `📊 골든아워 일일 리포트 — ${p.date} (${p.tz})`,
  'report.window': (p: { start: string; end: string; zone: string }) => `⏰ 윈도우 ${p.start}–${p.end} ${p.zone}`,
  'report.noWindow': '⏰ 골든아워 윈도우 없음',
  'report.golden': '🔥 골든아워 미션',
  'report.other': '📋 기타 미션',
  'report.group': (g: GroupStats) =>
    `• 참여 ${fmtN(g.participants)}명 · 완료 ${fmtN(g.completions)} · 클레임 수동 ${fmtN(g.claims.manual)} / 자동 ${fmtN(g.claims.auto)} / 수동지급 ${fmtN(g.claims.payout)}\n` +
    `• 지급 💎 ${fmtN(g.paid.diamonds)} · XP ${fmtN(g.paid.xp)} · 🎟 ${fmtN(g.paid.tickets)}`,
  'report.vault': (v: DailyReport['vault']) =>
    `🏦 금고 포인트 발행 ${fmtN(v.issued)} (골든아워 ${fmtN(v.goldenIssued)}) / 한도 ${fmtN(v.cap)}` + (v.exceeded ? '\n⚠️ 일일 한도 초과! 배율·보상을 점검하세요.' : ''),
  'report.ccu': (c: DailyReport['ccu']) =>
    `👥 CCU(윈도우) 평균 ${c.window.avg} · 최대 ${c.window.peak}` + (c.ratio === null ? ' — 지난 7일 같은 시간대 데이터 없음' : ` — 지난 7일 같은 시간대 대비 ×${c.ratio}`),
  'report.deposit': (d: DailyReport['depositCr']) => `💰 입금 전환율 ${pct(d.share)} (클레임 ${fmtN(d.claimers)}명 중 ${fmtN(d.depositors)}명이 2시간 내 입금)`,
  // ---- /mission_edit
  'edit.chooseMission': '어떤 미션을 수정할까요? (/cancel 로 언제든 취소)',
  'edit.chooseField': (p: { title: string }) => `"${p.title}" 의 어떤 항목을 바꿀까요?`,
  'edit.field.title': '제목',
  'edit.field.target': '목표 횟수',
  'edit.field.diamonds': '💎 다이아',
  'edit.field.xp': 'XP',
  'edit.field.tickets': '🎟 티켓',
  'edit.field.window': '시간',
  'edit.field.autoClaim': '자동 지급',
  'edit.askValue': (p: { field: string; current: string; hint: string }) => `새 ${p.field} 값을 보내 주세요. 현재: ${p.current}\n${p.hint}`,
  'edit.hint.title': '1~120자',
  'edit.hint.number': '0 이상의 정수',
  'edit.hint.target': '1 이상의 정수',
  'edit.hint.window': '"21:30 22:30" 처럼 시작 끝, 또는 "없음" 으로 시간 제한 해제',
  'edit.hint.autoClaim': '"on" 또는 "off"',
  'edit.invalid': (p: { reason: string }) => `올바르지 않은 값입니다: ${p.reason}\n다시 보내 주세요. (/cancel 로 취소)`,
  'edit.tooManyTries': '잘못된 입력이 너무 많아 수정을 중단했습니다. /mission_edit 로 다시 시작하세요.',
  'edit.confirm': (p: { title: string; field: string; before: string; after: string }) => `"${p.title}" ${p.field}: ${p.before} → ${p.after}\n적용할까요?`,
  'edit.done': (p: { title: string }) => `"${p.title}" 을(를) 수정했습니다. (감사 로그 기록됨)`,
  'edit.useButtons': '위의 버튼 중 하나를 눌러 주세요. (/cancel 로 취소)',
  'edit.none': '없음',

  // ---- /audit
  'audit.empty': '감사 로그가 비어 있습니다.',
  'audit.header': (p: { n: number }) => `🧾 최근 감사 로그 ${p.n}건`,

  // ---- /why
  'why.usage': '사용법: /why <userId> [YYYY-MM-DD]',
  'why.badDate': (p: { value: string }) => `"${p.value}" 은(는) 날짜가 아닙니다. YYYY-MM-DD 로 입력하세요.`,
  'why.header': (p: { userId: number; date: string; window: string; from: string; to: string; zone: string }) =>
    `🔎 사용자 ${p.userId} · ${p.date} 골든아워 ${p.window}\n조회 범위 ${p.from} ~ ${p.to} ${p.zone}`,
  'why.arm': (p: { arm: string }) => `🧪 실험 그룹: ${p.arm}`,
  'why.armHoldout': '홀드아웃 (대조군)',
  'why.none': '이 범위에 기록된 행동이 없습니다.',
  'why.verdict.counted': '✅ 인정',
  'why.verdict.outside_window': '⏰ 시간 외',
  'why.verdict.flag_off': '🚫 플래그 꺼짐',
  'why.verdict.clock_unhealthy': '⚠️ 시계 비정상',
  'why.verdict.none': '— 판정 없음',
  'why.replays': (p: { n: number }) => ` (중복 수신 ${p.n}회 무시)`,
  'why.progress': (p: { progress: number; target: number; status: string }) => `진행: ${p.progress}/${p.target} · 상태 ${p.status}`,

  // ---- /payout
  'payout.ask': (p: { title: string; period: string }) =>
    `"${p.title}" (${p.period}) 수동 지급: 사용자 ID 한 열짜리 CSV 파일을 보내 주세요. (헤더 허용, 최대 1MB / 10만 행, /cancel 로 취소)`,
  'payout.usage': '사용법: /payout [미션키] [YYYY-MM-DD] 후 CSV 파일 전송',
  'payout.noMission': (p: { key: string }) => `"${p.key}" 미션을 찾을 수 없습니다.`,
  'payout.notCsv': 'CSV 파일(.csv 또는 text/csv)을 보내 주세요.',
  'payout.tooBig': '파일이 너무 큽니다 (최대 1MB).',
  'payout.noPending': '먼저 /payout 을 보내 주세요.',
  'payout.preview': (p: { title: string; period: string; rows: number; valid: number; toPay: number; alreadyPaid: number; invalid: number; duplicates: number }) =>
    `📄 수동 지급 미리보기\n미션: ${p.title} (${p.period})\n행: ${p.rows}\n유효: ${p.valid}명\n지급 예정: ${p.toPay}명\n이미 지급됨: ${p.alreadyPaid}명\n잘못된 행: ${p.invalid}\n중복 행: ${p.duplicates}`,
  'payout.invalidLine': (p: { line: number; value: string }) => `  ${p.line}행: "${p.value}"`,
  'payout.more': (p: { n: number }) => `  … 외 ${p.n}건`,
  'payout.confirmButton': (p: { n: number }) => `💸 ${p.n}명 지급`,
  'payout.nothingToPay': '지급할 사용자가 없습니다.',
  'payout.done': (p: { batchId: number; paid: number; alreadyPaid: number; invalid: number }) =>
    `✅ 지급 완료 (배치 #${p.batchId})\n지급: ${p.paid}명\n이미 지급됨: ${p.alreadyPaid}명\n잘못된 행: ${p.invalid}`,
  'payout.changed': '파일 내용이 미리보기와 다릅니다. 다시 보내 주세요.',
  // payout: ids that are no known player (docs/bot.md, Payout CSV)
  'payout.unknown': (p: { n: number; ids: string }) => `❓ 알려진 플레이어가 아닌 ID ${p.n}개 (플레이·앱·봇 기록 없음, 기본 지급에서 제외): ${p.ids}`,
  'payout.confirmAllButton': (p: { n: number }) => `⚠️ 미확인 ID 포함 ${p.n}명 지급`,
  'payout.unknownSkipped': (p: { n: number }) => `미확인 ID 제외: ${p.n}명`,
  // ---- experiment (docs/operations.md, Experiments)
  'exp.usage': '사용법: /experiment · /experiment holdout 10 (0–50) · /experiment off',
  'exp.off': '실험 꺼짐',
  'exp.status': (p: { period: string; id: string; split: string; since: string }) => `🧪 골든아워 실험 (기간 ${p.period})\nID: ${p.id}\n분할: ${p.split}\n적용 시작: ${p.since}`,
  'exp.pending': (p: { split: string; from: string }) => `⏭ 다음 변경: ${p.split} (${p.from} 기간부터)`,
  'exp.holdoutArm': (p: { pct: number }) => `홀드아웃 ${p.pct}%`,
  'exp.variantArm': (p: { name: string; share: number; rewards: string }) => `${p.name} ${p.share}%${p.rewards}`,
  'exp.variantRewards': (p: { diamonds: number; xp: number; tickets: number }) => ` (💎${p.diamonds} · XP ${p.xp} · 🎟${p.tickets})`,
  'exp.confirmHoldout': (p: { from: number; to: number; effectiveFrom: string }) => `홀드아웃을 ${p.from}% → ${p.to}% 로 바꿀까요?\n${p.effectiveFrom} 기간부터 적용됩니다 (진행 중인 기간은 그대로).`,
  'exp.confirmOff': (p: { effectiveFrom: string }) => `실험을 끌까요?\n${p.effectiveFrom} 기간부터 모두가 골든아워 미션을 봅니다 (진행 중인 기간은 그대로).`,
  'exp.done': (p: { split: string; effectiveFrom: string }) => `✅ 저장했습니다: ${p.split}\n${p.effectiveFrom} 기간부터 적용 (감사 로그 기록됨)`,
  'exp.lift': (p: { date: string; variant: string; metric: string; diff: string; lower: string; upper: string; verdict: string }) => `${p.date} ${p.variant} vs 홀드아웃 · ${p.metric}: ${p.diff}%p (95% 구간 ${p.lower}~${p.upper}%p) — ${p.verdict}`,
  'exp.noLift': '아직 비교할 실험 데이터가 없습니다.',
  'exp.metric.participation': '참여',
  'exp.metric.depositCr2h': '2시간 내 입금',
  'exp.metric.returnedNextDay': '다음 날 재방문',
  'exp.verdict.not_enough_data': '아직 데이터가 부족합니다',
  'exp.verdict.lift': '뚜렷한 상승',
  'exp.verdict.drop': '뚜렷한 하락',
  'exp.verdict.no_clear_difference': '뚜렷한 차이 없음',
  'why.verdict.holdout': '🧪 홀드아웃 (실험 대조군)',
  'payout.holdout': (p: { n: number }) => `🧪 실험 홀드아웃 ${p.n}명은 지급하지 않습니다 (API의 includeHoldout=1 로만 지급).`,
  'exp.armsHeader': '군: 접속 / 윈도우 중 플레이 / 클레임',
};

export type Messages = typeof ko;
