import type { Context } from 'hono';
import { z } from 'zod';
import { DomainError } from '../../core/domain/errors.js';

/**
 * The query string checked against a zod object: an unknown, repeated or ill-formed parameter is
 * 400 VALIDATION_FAILED naming it, never a 500 or a silent default.
 *
 * @example
 * const { limit } = query(c, z.object({ limit: intParam(1, 500).optional() }))
 */
export function query<S extends z.ZodRawShape>(c: Context, schema: z.ZodObject<S>): z.output<z.ZodObject<S>> {
  const all = c.req.queries();
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) {
    if (v.length > 1) throw new DomainError('VALIDATION_FAILED', `query parameter "${k}" is repeated`, { field: k });
    flat[k] = v[0]!;
  }
  const r = schema.strict().safeParse(flat);
  if (!r.success) {
    const iss = r.error.issues[0]!;
    const field = iss.code === 'unrecognized_keys' ? iss.keys[0]! : String(iss.path[0] ?? '?');
    throw new DomainError('VALIDATION_FAILED', iss.code === 'unrecognized_keys' ? `unknown query parameter "${field}"` : `${field}: ${iss.message}`, { field });
  }
  return r.data;
}

/** A whole number between min and max written in decimal digits ("1.5", "1e3", " 2" are refused). */
export const intParam = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'expected a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

/** "1" or "true" / "0" or "false". */
export const flagParam = z.enum(['1', 'true', '0', 'false']).transform((v) => v === '1' || v === 'true');

/** YYYY-MM-DD (the calendar check is the caller's rule: parseDate / parseReportDate). */
export const dateParam = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
