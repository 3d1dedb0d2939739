import type { Messages } from './ko.js';
import { XP_PER_STAMP } from '../../core/domain/rewards.js';
import { fmtN, pct } from '../format.js';

/** English bot text, for users whose Telegram language_code is not Korean. Same keys as ko.ts. */
export const en: Messages = {
  'error.generic': 'Sorry, something went wrong on our side. Please try again in a moment.',
  'admin.refused': 'This command is for admins only.',
  'common.cancelled': 'Cancelled.',
  'common.nothingToCancel': 'Nothing to cancel.',
  'common.confirm': '✅ Confirm',
  'common.cancel': '✖ Cancel',
  'common.expired': 'This request has expired. Please send the command again.',
  'common.on': 'on',
  'common.off': 'off',

  'cmd.start': 'Start · open the mission app',
  'cmd.missions': "Today's missions and claims",
  'cmd.golden': 'Golden Hour status',
  'cmd.golden_on': 'Turn Golden Hour on',
  'cmd.golden_off': 'Turn Golden Hour off',
  'cmd.golden_dry': 'Golden Hour rehearsal (admins and testers only)',
  'cmd.golden_time': 'Change the Golden Hour window',
  'cmd.mission_edit': 'Edit a mission',
  'cmd.audit': 'Latest audit entries',
  'cmd.report': 'Daily report',
  'cmd.why': "Why a user's plays counted or not",
  'cmd.broadcast_test': 'Send a test announcement',
  'cmd.payout': 'Manual payout (CSV)',
  'cmd.experiment': 'Golden Hour experiment (holdout, variants)',
  'cmd.cancel': 'Cancel the current step',

  'err.ALREADY_CLAIMED': 'You have already claimed this reward.',
  'err.NOT_COMPLETED': 'This mission is not completed yet.',
  'err.OUTSIDE_WINDOW': 'This mission is closed right now. Come back during Golden Hour.',
  'err.MISSION_NOT_FOUND': 'This mission is not available right now.',
  'err.RATE_LIMITED': 'Too many requests. Please try again shortly.',
  'err.VALIDATION_FAILED': (p) => `Please check the input: ${p.detail}`,
  'err.PAYLOAD_TOO_LARGE': (p) => `Too large: ${p.detail}`,
  'err.SERVICE_UNAVAILABLE': 'The service is briefly unavailable. Please try again shortly.',

  'start.welcome': (p) =>
    `Welcome to Golden Hour, ${p.name}! 🔥\nEvery day ${p.start}–${p.end} (${p.zone}), play ${p.target} game${p.target === 1 ? '' : 's'} to earn ${p.rewards}.${p.multiplier > 1 ? ` Vault points accrue ${p.multiplier}× during the hour!` : ''}\n\nOpen the mission app below, or use /missions to see your progress.`,
  'start.welcomePlain': (p) => `Welcome to Golden Hour, ${p.name}! 🔥\nOpen the mission app below, or use /missions to see your progress.`,
  'rewards.list': (p) =>
    [p.diamonds ? `${p.diamonds} diamond${p.diamonds === 1 ? '' : 's'}` : '', p.xp ? `${p.xp} season-pass XP` : '', p.tickets ? `${p.tickets} ticket${p.tickets === 1 ? '' : 's'}` : '']
      .filter(Boolean)
      .join(', ') || 'a reward',
  'start.welcomeGolden': (p) => `${p.name}, let's go straight to the Golden Hour mission! 🔥 Tap the button below.`,
  'start.openApp': '🎮 Open missions',
  'start.openGolden': '🔥 Open Golden Hour',
  'share.golden.title': 'Golden Hour reward claimed',
  'share.golden.text': (p) => `🔥 I claimed today's Golden Hour reward! ${p.rewards}\nEvery day ${p.start}–${p.end} (${p.zone}): play ${p.target} games and it's yours too.`,
  'share.golden.open': '🔥 Open the Golden Hour mission',
  'menu.button': 'Missions',

  'missions.header': (p) => `📋 Today's missions (server time ${p.now} ${p.zone})`,
  'missions.empty': 'No missions are running right now.',
  'missions.locked': '🔒 Locked',
  'missions.claimed': '✅ Claimed',
  'missions.completed': '🎁 Completed! Claim your reward',
  'missions.autoClaim': '(paid automatically)',
  'missions.window': (p) => `⏰ ${p.start}–${p.end} ${p.zone}`,
  'missions.closesIn': (p) => `closes in ${p.left}`,
  'missions.opensIn': (p) => `opens at ${p.at} (in ${p.left})`,
  'missions.rewards': (p) => `Rewards: 💎${p.diamonds} · XP ${p.xp} · 🎟${p.tickets}`,
  'missions.claimButton': (p) => `🎁 Claim: ${p.title}`,
  'missions.refresh': '🔄 Refresh',
  'missions.claimedToast': (p) => `Reward claimed! 💎+${p.diamonds} XP+${p.xp} 🎟+${p.tickets}`,
  'duration.hm': (p) => (p.h > 0 ? `${p.h}h ${p.m}m` : `${p.m}m`),
  'duration.s': (p) => `${p.s}s`,

  'golden.status': (p) =>
    `🔥 Golden Hour status\nFlag: ${p.flag}\nWindow: ${p.window}\nServer time: ${p.now} ${p.zone}\nClock guard: ${p.clock}\n\nToday (${p.period})\nParticipants: ${p.participants}\nCompletions: ${p.completions}\nClaims: ${p.claims} (manual ${p.claimsManual} · auto ${p.claimsAuto} · payout ${p.claimsPayout})`,
  'golden.broadcast': (p) =>
    `📣 Announcement (${p.day}): ${p.recipients} recipients · ${p.rate}/s · expected to finish ${p.finish} ${p.zone}${p.outlasts ? ' ⚠️ after the window closes' : ''}` +
    (p.pre > 0 ? `\n· pre-announcement to ${p.pre}: from ${p.preStart} ("starts at ${p.opens}")` : '') +
    `\n· announcement to ${p.live}: from ${p.opens}` +
    (p.paid > 0 ? `\n· paid sending to ${p.paid} (about ${p.stars} Stars)` : '') +
    `\n· everyone by ${p.reachBy}${p.late > 0 ? ` ⚠️ ${p.late} late` : ''}` +
    (p.sentPre + p.sentLive > 0 ? `\n· sent: pre ${p.sentPre} · announcement ${p.sentLive}` : ''),
  'golden.noMission': 'There is no Golden Hour mission.',
  'golden.noWindow': 'no window',
  'golden.clockOff': 'off (NTP_SERVERS not set; treated as healthy)',
  'golden.clockHealthy': (p) => `healthy (last check ${p.checkedAt})`,
  'golden.clockUnhealthy': (p) => `⚠️ unhealthy: ${p.failures} consecutive failures (${p.error}) — windows closed`,
  'flag.confirm': (p) => `Change the Golden Hour flag from ${p.from} to ${p.to}?`,
  'flag.done': (p) => `Golden Hour flag changed from ${p.from} to ${p.to}. (audited)`,
  'flag.same': (p) => `The flag is already ${p.state}.`,

  'time.usage': (p) => `Usage: /golden_time 21:30 22:30 (${p.zone} start and end; across midnight: 23:30 00:30)`,
  'time.badTime': (p) => `"${p.value}" is not a valid time. Use HH:MM between 00:00 and 23:59 (write 24:00 as 00:00).`,
  'time.equal': 'Start and end are the same. Please give two different times.',
  'time.confirm': (p) => `Change the window of "${p.title}" from ${p.from} to ${p.to} (${p.zone})?`,
  'time.done': (p) => `Golden Hour window changed to ${p.to} (${p.zone}). (audited)`,

  'broadcastTest.noMission': 'There is no golden-hour mission with a window.',
  'broadcastTest.noToken': 'BOT_TOKEN is not set.',
  'broadcastTest.done': (p) => `Test send done (${p.n} admins and testers): sent ${p.sent}, blocked ${p.blocked}, failed ${p.failed}`,
  'broadcastTest.eta': (p) =>
    `Real announcement (${p.day}): ${p.recipients} players at ${p.rate}/s → about ${p.minutes} min, done by ${p.finish} ${p.zone}${p.outlasts ? ' ⚠️ after the window closes' : ''}`,

  // ---- notifications core sends (bot/notifications.ts)
  'notify.rewards': (p) =>
    [
      p.diamonds ? `💎 ${p.diamonds}` : '',
      p.xp ? (p.xp % XP_PER_STAMP === 0 ? `${p.xp / XP_PER_STAMP} season-pass stamp${p.xp === XP_PER_STAMP ? '' : 's'}` : `${p.xp} season-pass XP`) : '',
      p.tickets ? `${p.tickets} ticket${p.tickets === 1 ? '' : 's'}` : '',
    ].filter(Boolean).join(' + '),
  'notify.duration': (p) => (p.minutes % 60 === 0 ? `${p.minutes / 60} hour${p.minutes === 60 ? '' : 's'}` : `${p.minutes} minutes`),
  'notify.announcement': (p) =>
    [
      `🚀 <b>[CCJM] Golden Hour mission is live!</b>`,
      ``,
      `A special mission, open for ${p.duration} only!`,
      `🎮 Play just ${p.target} game${p.target === 1 ? '' : 's'} for a shower of diamonds and stamps.`,
      ``,
      `⏰ Time: ${p.start} ~ ${p.end} (${p.zone})`,
      `🎁 Rewards: ${p.rewardText}`,
      ``,
      `Jump in now!`,
    ].join('\n'),
  'notify.preAnnouncement': (p) =>
    [
      `⏰ <b>[CCJM] The Golden Hour starts at ${p.start} (${p.zone})</b>`,
      ``,
      `A special mission, open ${p.start} ~ ${p.end} only!`,
      `🎮 Play ${p.target} game${p.target === 1 ? '' : 's'} for 🎁 ${p.rewardText}`,
      ``,
      `Be there when it opens!`,
    ].join('\n'),
  'notify.reminder': (p) =>
    `⏳ <b>${p.minutesLeft} minutes left in the Golden Hour!</b>\n\nYou've played ${p.done}/${p.target} — ${p.left} more for 🎁 ${p.rewardText}!\n⏰ Until ${p.end} (${p.zone})`,
  'notify.openApp': '🎮 Open app',
  'alert.clockFailed': (p) => `Clock check failed — the ${p.when} announcement is cancelled.`,
  'alert.noAnswer': 'no answer',

  // ---- the daily report
  'report.title': (p) => `📊 Golden Hour daily report — ${p.date} (${p.tz})`,
  'report.window': (p) => `⏰ Window ${p.start}–${p.end} ${p.zone}`,
  'report.noWindow': '⏰ No golden-hour window',
  'report.golden': '🔥 Golden-hour missions',
  'report.other': '📋 Other missions',
  'report.group': (g) =>
    `• ${fmtN(g.participants)} participants · ${fmtN(g.completions)} completed · claims manual ${fmtN(g.claims.manual)} / auto ${fmtN(g.claims.auto)} / payout ${fmtN(g.claims.payout)}\n` +
    `• Paid 💎 ${fmtN(g.paid.diamonds)} · XP ${fmtN(g.paid.xp)} · 🎟 ${fmtN(g.paid.tickets)}`,
  'report.vault': (v) =>
    `🏦 Vault points issued ${fmtN(v.issued)} (golden hour ${fmtN(v.goldenIssued)}) / cap ${fmtN(v.cap)}` + (v.exceeded ? '\n⚠️ Daily cap exceeded! Check multiplier and rewards.' : ''),
  'report.ccu': (c) =>
    `👥 CCU in window avg ${c.window.avg} · peak ${c.window.peak}` + (c.ratio === null ? ' — no data for the same hours in the last 7 days' : ` — ×${c.ratio} vs the same hours over the last 7 days`),
  'report.deposit': (d) => `💰 Deposit CR ${pct(d.share)} (${fmtN(d.depositors)} of ${fmtN(d.claimers)} claimers deposited within 2 h)`,

  'edit.chooseMission': 'Which mission do you want to edit? (/cancel at any time)',
  'edit.chooseField': (p) => `What should change in "${p.title}"?`,
  'edit.field.title': 'title',
  'edit.field.target': 'target',
  'edit.field.diamonds': '💎 diamonds',
  'edit.field.xp': 'XP',
  'edit.field.tickets': '🎟 tickets',
  'edit.field.window': 'window',
  'edit.field.autoClaim': 'auto-claim',
  'edit.askValue': (p) => `Send the new ${p.field}. Current: ${p.current}\n${p.hint}`,
  'edit.hint.title': '1–120 characters',
  'edit.hint.number': 'a whole number, 0 or more',
  'edit.hint.target': 'a whole number, 1 or more',
  'edit.hint.window': 'start and end like "21:30 22:30", or "none" to remove the window',
  'edit.hint.autoClaim': '"on" or "off"',
  'edit.invalid': (p) => `That value is not valid: ${p.reason}\nPlease send it again. (/cancel to stop)`,
  'edit.tooManyTries': 'Too many invalid answers; editing stopped. Start again with /mission_edit.',
  'edit.confirm': (p) => `"${p.title}" ${p.field}: ${p.before} → ${p.after}\nApply?`,
  'edit.done': (p) => `"${p.title}" updated. (audited)`,
  'edit.useButtons': 'Please tap one of the buttons above. (/cancel to stop)',
  'edit.none': 'none',

  'audit.empty': 'The audit log is empty.',
  'audit.header': (p) => `🧾 Latest ${p.n} audit entries`,

  'why.usage': 'Usage: /why <userId> [YYYY-MM-DD]',
  'why.badDate': (p) => `"${p.value}" is not a date. Use YYYY-MM-DD.`,
  'why.header': (p) => `🔎 User ${p.userId} · Golden Hour ${p.window} on ${p.date}\nShowing ${p.from} – ${p.to} ${p.zone}`,
  'why.arm': (p) => `🧪 Experiment arm: ${p.arm}`,
  'why.armHoldout': 'holdout (control)',
  'why.none': 'No actions recorded in this range.',
  'why.verdict.counted': '✅ counted',
  'why.verdict.outside_window': '⏰ outside window',
  'why.verdict.flag_off': '🚫 flag off',
  'why.verdict.clock_unhealthy': '⚠️ clock unhealthy',
  'why.verdict.none': '— no verdict',
  'why.replays': (p) => ` (${p.n} duplicate deliveries ignored)`,
  'why.progress': (p) => `Progress: ${p.progress}/${p.target} · status ${p.status}`,

  'payout.ask': (p) => `Manual payout for "${p.title}" (${p.period}): send a CSV file with one column of user ids. (Header allowed, max 1 MB / 100k rows, /cancel to stop)`,
  'payout.usage': 'Usage: /payout [missionKey] [YYYY-MM-DD], then send the CSV file',
  'payout.noMission': (p) => `No mission "${p.key}".`,
  'payout.notCsv': 'Please send a CSV file (.csv or text/csv).',
  'payout.tooBig': 'The file is too large (max 1 MB).',
  'payout.noPending': 'Send /payout first.',
  'payout.preview': (p) =>
    `📄 Manual payout preview\nMission: ${p.title} (${p.period})\nRows: ${p.rows}\nValid: ${p.valid}\nTo pay: ${p.toPay}\nAlready paid: ${p.alreadyPaid}\nInvalid lines: ${p.invalid}\nDuplicate lines: ${p.duplicates}`,
  'payout.invalidLine': (p) => `  line ${p.line}: "${p.value}"`,
  'payout.more': (p) => `  … and ${p.n} more`,
  'payout.confirmButton': (p) => `💸 Pay ${p.n}`,
  'payout.nothingToPay': 'Nobody to pay.',
  'payout.done': (p) => `✅ Payout done (batch #${p.batchId})\nPaid: ${p.paid}\nAlready paid: ${p.alreadyPaid}\nInvalid lines: ${p.invalid}`,
  'payout.changed': 'The file differs from the preview. Please send it again.',
  // payout: ids that are no known player (docs/bot.md, Payout CSV)
  'payout.unknown': (p) => `❓ ${p.n} id(s) are no known player (never played, never opened the app or the bot; not paid by default): ${p.ids}`,
  'payout.confirmAllButton': (p) => `⚠️ Pay ${p.n} incl. unknown ids`,
  'payout.unknownSkipped': (p) => `Unknown ids skipped: ${p.n}`,
  // ---- experiment (docs/operations.md, Experiments)
  'exp.usage': 'Usage: /experiment · /experiment holdout 10 (0–50) · /experiment off',
  'exp.off': 'experiment off',
  'exp.status': (p) => `🧪 Golden Hour experiment (period ${p.period})\nID: ${p.id}\nSplit: ${p.split}\nIn force since: ${p.since}`,
  'exp.pending': (p) => `⏭ Next change: ${p.split} (from period ${p.from})`,
  'exp.holdoutArm': (p) => `holdout ${p.pct}%`,
  'exp.variantArm': (p) => `${p.name} ${p.share}%${p.rewards}`,
  'exp.variantRewards': (p) => ` (💎${p.diamonds} · XP ${p.xp} · 🎟${p.tickets})`,
  'exp.confirmHoldout': (p) => `Change the holdout from ${p.from}% to ${p.to}%?\nIt applies from period ${p.effectiveFrom} (the running period keeps its split).`,
  'exp.confirmOff': (p) => `Turn the experiment off?\nFrom period ${p.effectiveFrom} everyone sees the Golden Hour mission (the running period keeps its split).`,
  'exp.done': (p) => `✅ Saved: ${p.split}\nApplies from period ${p.effectiveFrom} (audit log written)`,
  'exp.lift': (p) => `${p.date} ${p.variant} vs holdout · ${p.metric}: ${p.diff} pts (95% interval ${p.lower} to ${p.upper} pts) — ${p.verdict}`,
  'exp.noLift': 'No experiment data to compare yet.',
  'exp.metric.participation': 'participation',
  'exp.metric.depositCr2h': 'deposit within 2 h',
  'exp.metric.returnedNextDay': 'next-day return',
  'exp.verdict.not_enough_data': 'not enough data yet',
  'exp.verdict.lift': 'a clear lift',
  'exp.verdict.drop': 'a clear drop',
  'exp.verdict.no_clear_difference': 'no clear difference',
  'why.verdict.holdout': '🧪 holdout (experiment control)',
  'payout.holdout': (p) => `🧪 ${p.n} experiment holdout player(s) are not paid (only through the API with includeHoldout=1).`,
  'exp.armsHeader': 'arm: active players / played in the window / claims',
};
