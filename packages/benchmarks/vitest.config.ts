import { defineConfig } from "vitest/config";

// Only the generators' and the scoring's fast tests: the benchmarks themselves run with `pnpm bench`.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", "json"],
    outputFile: { json: ".reports/vitest.json" },
    testTimeout: 30_000,
  },
});
