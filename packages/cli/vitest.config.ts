import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", "json"],
    outputFile: { json: ".reports/vitest.json" },
    testTimeout: 30_000,
    // Builds dist/index.js when it is older than the sources: the process tests run the bundle.
    globalSetup: ["test/global-setup.ts"],
  },
});
