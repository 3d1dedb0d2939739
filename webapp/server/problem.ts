import type { Context } from 'hono';
import { DomainError, ERROR_STATUS, type ErrorCode } from '../../core/domain/errors.js';

/**
 * The one place errors become HTTP: application/problem+json (RFC 9457) with a stable `code`.
 * Never a stack trace or SQL: unknown errors are INTERNAL with a generic detail.
 */
const TITLES: Partial<Record<ErrorCode, string>> = {
  IDEMPOTENCY_KEY_REQUIRED: 'Idempotency key required',
  IDEMPOTENCY_KEY_REUSED: 'Idempotency key reused for another request',
  REQUEST_IN_PROGRESS: 'Request with this key is still in progress',
  ALREADY_CLAIMED: 'Already claimed',
  NOT_COMPLETED: 'Mission not completed',
  PAYOUT_NOT_CONFIRMED: 'Payout not confirmed for this file',
  OUTSIDE_WINDOW: 'Outside the mission window',
  MISSION_NOT_FOUND: 'Mission not found',
  UNAUTHORIZED: 'Unauthorized',
  FORBIDDEN: 'Forbidden',
  RATE_LIMITED: 'Too many requests',
  VALIDATION_FAILED: 'Validation failed',
  PAYLOAD_TOO_LARGE: 'Payload too large',
  NOT_FOUND: 'Not found',
  SERVICE_UNAVAILABLE: 'Service unavailable',
  INTERNAL: 'Internal error',
};

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail?: string;
  [k: string]: unknown;
}

export function problemBody(code: ErrorCode, detail?: string, extra: Record<string, unknown> = {}): ProblemBody {
  const status = ERROR_STATUS[code];
  return { type: `https://golden-hour.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`, title: TITLES[code] ?? code, status, code, detail, ...extra };
}

export function problem(c: Context, code: ErrorCode, detail?: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const body = problemBody(code, detail, extra);
  for (const [k, v] of Object.entries(headers)) c.header(k, v);
  return c.body(JSON.stringify(body), body.status as 400, { 'Content-Type': 'application/problem+json' });
}

/** Safe extras from a domain error's details (only plain, client-meaningful fields). */
export function fromDomainError(c: Context, e: DomainError) {
  const extra: Record<string, unknown> = {};
  const d = e.details ?? {};
  for (const k of ['field', 'errors', 'index', 'window', 'retryAfterS', 'reason'] as const) if (d[k] !== undefined) extra[k] = d[k];
  const headers: Record<string, string> = {};
  if (typeof d.retryAfterS === 'number') headers['Retry-After'] = String(Math.max(1, Math.ceil(d.retryAfterS)));
  return problem(c, e.code, e.message, extra, headers);
}
