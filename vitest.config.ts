/**
 * One vitest config: unit tests beside the code, integration suites in tests/, and the browser
 * suites after them (groupOrder 1): Chromium competing for the two cores would stretch the
 * timing-bound cases of the other suites (a disconnect freeing its slot within 200 ms).
 */
import { defineConfig } from "vitest/config";

const integration = {
  globalSetup: ["tests/setup/global-nats.ts", "tests/setup/edge-bundle.ts"],
  testTimeout: 60_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["shared/src/**/*.test.ts", "edge/src/**/*.test.ts", "workers/*/src/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["tests/**/*.test.ts"],
          exclude: ["tests/browser-*.test.ts", "**/node_modules/**"],
          ...integration,
        },
      },
      {
        test: {
          name: "browser",
          include: ["tests/browser-*.test.ts"],
          sequence: { groupOrder: 1 },
          ...integration,
        },
      },
    ],
  },
});
