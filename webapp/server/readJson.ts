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
    parsed = JSON.parse(text, (k, v) => {
      if (k === '__proto__' || k === 'constructor' || k === 'prototype') forbidden ??= k;
      return v;
    });
  } catch {
    throw new DomainError('VALIDATION_FAILED', 'request body is not valid JSON');
  }
  if (forbidden) throw new DomainError('VALIDATION_FAILED', `forbidden key "${forbidden}" in the body`, { field: forbidden });
  return parsed;
}
