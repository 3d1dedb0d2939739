/**
 * Errors are values with a stable code (docs/design.md). HTTP mapping lives in webapp/server/problem.ts,
 * Telegram wording in bot/locales.
 */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  IDEMPOTENCY_KEY_REQUIRED: 400,
  IDEMPOTENCY_KEY_INVALID: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  OUTSIDE_WINDOW: 403,
  NOT_FOUND: 404,
  MISSION_NOT_FOUND: 404,
  ALREADY_CLAIMED: 409,
  NOT_COMPLETED: 409,
  REQUEST_IN_PROGRESS: 409,
  /** a manual payout's confirm is not the sha256 of the file sent (core/missions/payout.ts) */
  PAYOUT_NOT_CONFIRMED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * The `reason` of an UNAUTHORIZED problem whose init data is older than INIT_DATA_MAX_AGE_S: the
 * Mini App re-reads its init data and retries once (webapp/server/auth.ts, webapp/client/src/api.ts).
 */
export const INIT_DATA_EXPIRED = 'INIT_DATA_EXPIRED';

export class DomainError extends Error {
  constructor(
    public readonly code: ErrorCode,
    message?: string,
    public readonly details?: Record<string, unknown>,
  ) {
    super(message ?? code);
    this.name = 'DomainError';
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;
