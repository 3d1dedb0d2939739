import { Hono } from 'hono';
import { z } from 'zod';
import { DomainError } from '../../../core/domain/errors.js';
import { ACTION_TYPES } from '../../../core/missions/progress.js';
import type { WireEvent } from '../../../core/domain/events.js';
import { safeEqual } from '../../../core/platform/safeEqual.js';
import type { Services } from '../../../core/services.js';
import { readJson } from '../readJson.js';

export const MAX_EVENTS = 1000;

export interface IngestRoutesOptions {
  /** INGEST_TOKEN; undefined → every request is refused */
  token: string | undefined;
  maxEvents?: number;
}

const eventSchema = z
  .object({
    userId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    type: z.enum(ACTION_TYPES),
    actionId: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
    amount: z.number().finite().min(0).max(1e12).nullable().optional(),
  })
  .strict();

/**
 * `POST /api/events` for game servers (`Authorization: Bearer <INGEST_TOKEN>`): validates every
 * event, queues the batch durably, answers 202 with the receive time stamped on each event.
 *
 * @example
 * app.route('/', ingestRoutes(s, { token: config.ingestToken }))
 */
export function ingestRoutes(s: Services, options: IngestRoutesOptions) {
  const o = { maxEvents: MAX_EVENTS, ...options };
  const app = new Hono();
  app.post('/api/events', async (c) => {
    const auth = c.req.header('authorization');
    if (!o.token || !safeEqual(auth, `Bearer ${o.token}`)) throw new DomainError('UNAUTHORIZED', 'ingest needs Authorization: Bearer <INGEST_TOKEN>');
    const receivedAt = s.clock.nowMs();
    const body = await readJson(c);
    if (!body || typeof body !== 'object' || !Array.isArray((body as { events?: unknown }).events)) {
      throw new DomainError('VALIDATION_FAILED', 'body must be { "events": [...] }');
    }
    const raw = (body as { events: unknown[] }).events;
    if (raw.length === 0) throw new DomainError('VALIDATION_FAILED', 'events must not be empty');
    if (raw.length > o.maxEvents) throw new DomainError('VALIDATION_FAILED', `at most ${o.maxEvents} events per request`, { field: 'events' });
    const events: WireEvent[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const r = eventSchema.safeParse(raw[i]);
      if (!r.success) {
        const iss = r.error.issues[0]!;
        throw new DomainError('VALIDATION_FAILED', `events[${i}].${iss.path.join('.') || '?'}: ${iss.message}`, { index: i, field: `events[${i}].${iss.path.join('.')}` });
      }
      events[i] = r.data;
    }
    await s.queue.enqueue(receivedAt, events);
    const counts: Record<string, number> = {};
    for (const e of events) counts[e.type] = (counts[e.type] ?? 0) + 1;
    for (const [type, n] of Object.entries(counts)) s.metrics.eventsIngested.inc({ type }, n);
    return c.json({ accepted: events.length, receivedAt: new Date(receivedAt).toISOString() }, 202);
  });
  return app;
}
