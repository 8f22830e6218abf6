// Issue 14: an endpoint that accepts connections and never answers. The bundle, run as the runner
// runs it, must give up at its deadline plus a small margin and still report: `::error::`, the
// `status` output and the job summary.
import { type SilentServer, startSilentServer, TEST_CREDENTIALS } from "test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newJob, runStep } from "./support/runner.js";

const DEADLINE_S = 10;
// The core aborts a call still under way 5 s after the deadline (CALL_GRACE_MS); the rest is
// Node's start-up and the report, generous for a loaded 2-core machine.
const MARGIN_S = 5 + 10;

describe("against an endpoint that accepts connections and never answers", () => {
  let silent: SilentServer;
  let endpoint: string;
  beforeAll(async () => {
    silent = await startSilentServer();
    endpoint = silent.endpoint;
  });
  afterAll(async () => {
    await silent?.stop();
  });

  it.each([
    ["without wait", "false"],
    ["with wait", "true"],
  ])(
    `gives up within wait-timeout-seconds ${DEADLINE_S} plus ${MARGIN_S} s (%s) and reports`,
    async (_, wait) => {
      const started = Date.now();
      const step = await runStep(
        await newJob(),
        { "distribution-id": "E2QWRUHAPOMQZL", paths: "/index.html", wait, "wait-timeout-seconds": String(DEADLINE_S) },
        { ...TEST_CREDENTIALS, AWS_ENDPOINT_URL_CLOUDFRONT: endpoint },
      );
      const elapsed = (Date.now() - started) / 1000;
      console.log(`stalled endpoint, wait ${wait}: deadline ${DEADLINE_S} s, step ended after ${elapsed.toFixed(1)} s`);
      expect(step.code).toBe(1);
      expect(step.stdout).toMatch(
        new RegExp(`^::error::Timeout: ${endpoint.replace(/\./g, "\\.")} did not answer in time`, "m"),
      );
      expect(step.outputs.status).toBe("failed");
      expect(step.outputs["invalidation-ids"]).toBe("");
      expect(step.summary).toMatch(/\*\*Failed:\*\* Timeout: .*did not answer in time/);
      expect(elapsed).toBeGreaterThanOrEqual(DEADLINE_S);
      expect(elapsed).toBeLessThan(DEADLINE_S + MARGIN_S);
    },
    60_000,
  );
});
