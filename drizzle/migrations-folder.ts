/** @module Where the generated SQL migrations live, for drizzle's migrators (Node only). */
import { fileURLToPath } from "node:url";

export const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));
