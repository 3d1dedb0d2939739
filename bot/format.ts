/** Telegram refuses messages over 4096 characters; long admin listings are clipped. */
export const MAX_MESSAGE = 4096;

export function clip(text: string, max = MAX_MESSAGE): string {
  return text.length <= max ? text : `${text.slice(0, max - 2)}\n…`;
}

export const hhmm = (hms: string) => hms.slice(0, 5);
