import type { Context } from 'hono';
import { DomainError } from '../../core/domain/errors.js';

/**
 * The request body as JSON, strictly: an empty body is VALIDATION_FAILED unless `optional`, a
 * non-JSON Content-Type is 415, and prototype-pollution keys are refused (not dropped: dropping
 * them let a hostile body through as valid).
 *
 * @example
 * const body = await readJson(c)            // throws on an empty body
 * const maybe = await readJson(c, true)     // null on an empty body
 */
/** a key that could be one of the forbidden ones: spelled out, or hidden behind a JSON escape */
const MAYBE_FORBIDDEN = /__proto__|constructor|prototype|\\/;

export async function readJson(c: Context, optional = false): Promise<unknown> {
  const ct = c.req.header('content-type') ?? '';
  const text = await c.req.text();
  if (text.trim() === '') {
    if (optional) return null;
    throw new DomainError('VALIDATION_FAILED', 'request body is empty; send JSON');
  }
  if (ct && !ct.includes('json')) throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'send Content-Type: application/json');
  let forbidden: string | undefined;
  let parsed: unknown;
  try {
    // a reviver visits every value (most of the ingest's parse time); without a backslash a key
    // can only be spelled out, so a body that names none of the three needs no reviver
    parsed = MAYBE_FORBIDDEN.test(text)
      ? JSON.parse(text, (k, v) => {
          if (k === '__proto__' || k === 'constructor' || k === 'prototype') forbidden ??= k;
          return v;
        })
      : JSON.parse(text);
  } catch {
    throw new DomainError('VALIDATION_FAILED', 'request body is not valid JSON');
  }
  if (forbidden) throw new DomainError('VALIDATION_FAILED', `forbidden key "${forbidden}" in the body`, { field: forbidden });
  return parsed;
}
