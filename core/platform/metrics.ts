import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus families (docs/operations.md, the metrics table). One registry per process; gauges say how they
 * combine across the API processes of one machine (sum unless `aggregator` says otherwise); labels are
 * low-cardinality only (never user ids). ops/ dashboards and alerts may reference only these names.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const m = {
    registry,
    /** the exposition `/metrics` serves: this registry, or in an API process of a cluster every process's sum (core/platform/cluster.ts) */
    text: (): Promise<string> => registry.metrics(),
    missionClaim: new Counter({ name: 'mission_claim_total', help: 'Claims by result (ok, auto, payout, or an error code)', labelNames: ['result'], registers: [registry] }),
    missionProgress: new Counter({ name: 'mission_progress_total', help: 'Per-mission progress decisions by result (counted, outside_window, flag_off, clock_unhealthy, duplicate)', labelNames: ['result'], registers: [registry] }),
    eventsIngested: new Counter({ name: 'events_ingested_total', help: 'Game events accepted for queueing, by type', labelNames: ['type'], registers: [registry] }),
    eventQueueLag: new Gauge({ name: 'event_queue_lag_seconds', help: 'Age of the oldest event in the last processed batch (receive stamp to commit)', registers: [registry], aggregator: 'max' }),
    eventsProcessed: new Counter({ name: 'events_processed_total', help: 'Game events applied by the consumer', registers: [registry] }),
    rateLimited: new Counter({ name: 'rate_limited_total', help: 'Requests refused with 429, by route', labelNames: ['route'], registers: [registry] }),
    idempotencyReplay: new Counter({ name: 'idempotency_replay_total', help: 'Finished requests replayed from the idempotency store', registers: [registry] }),
    ntpPreflight: new Counter({ name: 'ntp_preflight_total', help: 'Clock checks by result (pass, fail)', labelNames: ['result'], registers: [registry] }),
    clockOffset: new Gauge({ name: 'clock_offset_seconds', help: 'Measured local clock offset against each NTP source', labelNames: ['source'], registers: [registry], aggregator: 'average' }),
    notification: new Counter({ name: 'notification_total', help: 'Notifications by kind and result (sent, failed, blocked, skipped)', labelNames: ['kind', 'result'], registers: [registry] }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP latency by route template',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    windowOpen: new Gauge({ name: 'golden_hour_window_open', help: '1 while a golden-hour window is open', registers: [registry], aggregator: 'max' }),
    flagState: new Gauge({ name: 'golden_hour_flag_state', help: '1 for the current golden_hour_enabled state', labelNames: ['state'], registers: [registry], aggregator: 'max' }),
    // the outbound Bot API budget (core/delivery/budget.ts, docs/broadcast.md)
    botApiQueueDepth: new Gauge({ name: 'bot_api_queue_depth', help: 'Bot API calls waiting for the outbound budget in this process, by lane', labelNames: ['lane'], registers: [registry] }),
    botApiWait: new Histogram({
      name: 'bot_api_wait_seconds',
      help: 'Time a Bot API call waited for the outbound budget, by lane',
      labelNames: ['lane'],
      buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    botApiQueueOverflow: new Counter({ name: 'bot_api_queue_overflow_total', help: 'Bot API calls refused because the outbound queue was full, by lane', labelNames: ['lane'], registers: [registry] }),
    botApiThrottled: new Counter({ name: 'bot_api_throttled_total', help: 'Bot API answers of 429 (each pauses the whole budget for retry_after)', registers: [registry] }),
    webhookUpdates: new Counter({ name: 'webhook_updates_total', help: 'Webhook updates by result (queued, duplicate, overflow)', labelNames: ['result'], registers: [registry] }),
    webhookQueueDepth: new Gauge({ name: 'webhook_queue_depth', help: 'Webhook updates accepted and not yet handled in this process', registers: [registry] }),
    redisFallback: new Counter({ name: 'redis_fallback_total', help: 'Operations served by the in-memory fallback because Redis failed', labelNames: ['store'], registers: [registry] }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
