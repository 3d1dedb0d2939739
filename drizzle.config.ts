import { defineConfig } from 'drizzle-kit';

// Migrations are generated from db/schema.ts and committed; both PGlite and Postgres apply them at start.
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema.ts',
  out: './migrations',
});
