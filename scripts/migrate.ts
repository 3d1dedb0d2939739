import { loadConfig } from '../core/platform/config.js';
import { openDatabase } from '../db/connection.js';

/** `npm run migrate`: applies the committed migrations (start does this too; deploys run it first). */
const config = loadConfig();
const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
console.log(`migrations applied on ${db.kind}`);
await db.close();
