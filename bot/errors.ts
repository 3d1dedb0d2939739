import { isDomainError } from '../core/domain/errors.js';
import type { Translate } from './i18n.js';

/**
 * The one place domain error codes become Telegram text (docs/design.md). Unknown errors get the
 * generic apology; their details go to the log, never to the chat.
 */
export function errorText(t: Translate, err: unknown): string {
  if (!isDomainError(err)) return t('error.generic');
  switch (err.code) {
    case 'ALREADY_CLAIMED':
    case 'NOT_COMPLETED':
    case 'OUTSIDE_WINDOW':
    case 'MISSION_NOT_FOUND':
    case 'RATE_LIMITED':
    case 'SERVICE_UNAVAILABLE':
      return t(`err.${err.code}`);
    case 'NOT_FOUND':
      return t('err.MISSION_NOT_FOUND');
    case 'VALIDATION_FAILED':
    case 'BAD_REQUEST':
      return t('err.VALIDATION_FAILED', { detail: err.message });
    case 'PAYLOAD_TOO_LARGE':
      return t('err.PAYLOAD_TOO_LARGE', { detail: err.message });
    default:
      return t('error.generic');
  }
}
