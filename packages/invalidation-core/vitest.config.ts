import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/fixed-seed.ts"],
    reporters: ["default", "json"],
    outputFile: { json: ".reports/vitest.json" },
    testTimeout: 30_000,
  },
});
