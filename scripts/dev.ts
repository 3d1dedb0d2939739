/**
 * `npm run dev`: the embedded default with the newcomer conveniences on — dev login, dev clock,
 * demo play button, the golden hour switched on, user 1001 as admin, a local ingest token.
 * Any of these can be overridden from the environment. Never use this in production.
 */
const defaults: Record<string, string> = {
  // DEV_MODE is accepted only in development or test (core/platform/config.ts)
  NODE_ENV: 'development',
  DEV_MODE: '1',
  GOLDEN_HOUR_ENABLED: 'on',
  ADMIN_IDS: '1001',
  INGEST_TOKEN: 'dev-ingest-token',
};
for (const [k, v] of Object.entries(defaults)) process.env[k] ??= v;
await import('./start.js');
export {};
