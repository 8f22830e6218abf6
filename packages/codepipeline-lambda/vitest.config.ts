import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/fixed-seed.ts"],
    reporters: ["default", "json"],
    outputFile: { json: ".reports/vitest.json" },
    // Sized for a loaded 2-core machine (CI shares it): tests that spawn bundles, the AWS CLI or
    // moto_server, or plan 10^5 paths, take 20-30 s there. Hooks start moto_server, proxies and child
    // processes (startMoto alone allows 30 s), far beyond vitest's 10 s hook default.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
