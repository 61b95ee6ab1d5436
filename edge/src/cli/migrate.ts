/** @module `npm run db:migrate`: applies the migrations to DATABASE_URL (the database a Workers edge uses through Neon). */
import { openStore } from "../store/open-store.ts";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("db:migrate needs DATABASE_URL (postgres://…)");
  process.exit(2);
}
const store = await openStore({ databaseUrl: url, pgliteDir: "unused" });
await store.close();
console.log(`migrations applied to ${new URL(url).host}${new URL(url).pathname}`);
