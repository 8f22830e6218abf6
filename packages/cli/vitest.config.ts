import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", "json"],
    outputFile: { json: ".reports/vitest.json" },
    testTimeout: 30_000,
    // Hooks start moto_server, proxies and child processes: on a loaded 2-core machine that takes
    // far longer than vitest's 10 s default (startMoto alone allows 30 s).
    hookTimeout: 60_000,
    // Builds dist/index.js when it is older than the sources: the process tests run the bundle.
    globalSetup: ["test/global-setup.ts"],
  },
});
