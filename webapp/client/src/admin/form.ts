/**
 * The admin mission form: values as the inputs hold them (strings), checked
 * before saving with messages per field, then turned into the camelCase PATCH body (docs/design.md, The HTTP API).
 */
import { t, type Lang, type MsgKey } from '../i18n';
import type { adminView } from '../../../../core/missions/adminMissions';

/** A mission as GET /api/admin/missions returns it: the server's adminView, imported as a type only. */
export type AdminMission = ReturnType<typeof adminView>;

export interface FormValues {
  title: string;
  target: string;
  diamonds: string;
  xp: string;
  tickets: string;
  timed: boolean;
  startTime: string;
  endTime: string;
  autoClaim: boolean;
}

export type FormErrors = Partial<Record<keyof FormValues, string>>;

export function toForm(m: AdminMission): FormValues {
  return {
    title: m.title,
    target: String(m.target),
    diamonds: String(m.rewards.diamonds),
    xp: String(m.rewards.xp),
    tickets: String(m.rewards.tickets),
    timed: m.startTime !== null,
    startTime: m.startTime ?? '',
    endTime: m.endTime ?? '',
    autoClaim: m.autoClaim,
  };
}

const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

/** `<input type="time" step="1">` gives "21:30" when the seconds are zero: always send HH:MM:SS. */
export function normalizeTime(v: string): string | null {
  const m = TIME_RE.exec(v.trim());
  return m ? `${m[1]}:${m[2]}:${m[3] ?? '00'}` : null;
}

const MSG = {
  required: 'formRequired',
  tooLong: 'formTooLong',
  targetInt: 'formTargetInt',
  rewardInt: 'formRewardInt',
  timeFormat: 'formTimeFormat',
  sameTime: 'formSameTime',
} as const satisfies Record<string, MsgKey>;

const isInt = (s: string) => /^\d+$/.test(s.trim());

export function validateForm(v: FormValues, lang: Lang): FormErrors {
  const e: FormErrors = {};
  const m = (k: keyof typeof MSG) => t(lang, MSG[k]);
  if (!v.title.trim()) e.title = m('required');
  else if (v.title.trim().length > 120) e.title = m('tooLong');
  if (!isInt(v.target) || Number(v.target) < 1 || Number(v.target) > 1_000_000) e.target = m('targetInt');
  for (const k of ['diamonds', 'xp', 'tickets'] as const) if (!isInt(v[k]) || Number(v[k]) > 1_000_000_000) e[k] = m('rewardInt');
  if (v.timed) {
    const s = v.startTime ? normalizeTime(v.startTime) : null;
    const en = v.endTime ? normalizeTime(v.endTime) : null;
    if (!v.startTime) e.startTime = m('required');
    else if (!s) e.startTime = m('timeFormat');
    if (!v.endTime) e.endTime = m('required');
    else if (!en) e.endTime = m('timeFormat');
    if (s && en && s === en) e.endTime = m('sameTime');
  }
  return e;
}

export function toPatch(v: FormValues) {
  return {
    title: v.title.trim(),
    target: Number(v.target),
    rewards: { diamonds: Number(v.diamonds), xp: Number(v.xp), tickets: Number(v.tickets) },
    startTime: v.timed ? normalizeTime(v.startTime) : null,
    endTime: v.timed ? normalizeTime(v.endTime) : null,
    autoClaim: v.autoClaim,
  };
}

/** The server's VALIDATION_FAILED `field` (e.g. "rewards.diamonds", "endTime") → the form field. */
export function fieldOf(serverField: string | undefined): keyof FormValues | null {
  if (!serverField) return null;
  const last = serverField.split('.').pop()!;
  const known: Array<keyof FormValues> = ['title', 'target', 'diamonds', 'xp', 'tickets', 'startTime', 'endTime', 'autoClaim'];
  return (known as string[]).includes(last) ? (last as keyof FormValues) : null;
}
