import { loadConfig } from '../core/platform/config.js';
import { openDatabase } from '../db/connection.js';
import { seed } from '../db/seed.js';

/** `npm run seed`: inserts the seed missions once (existing rows are left as they are). */
const config = loadConfig();
const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
console.log(`seed missions inserted: ${await seed(db)}`);
await db.close();
