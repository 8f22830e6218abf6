// Issue 14: an endpoint that accepts connections and never answers. The bundle, as a process, must
// give up at its deadline (--wait-timeout) plus the core's grace for a call under way
// (CALL_GRACE_MS, 5 s), plus process start-up, and say which endpoint did not answer and for how long.
import { CALL_GRACE_MS } from "invalidation-core";
import { type SilentServer, startSilentServer, TEST_CREDENTIALS } from "test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

const WAIT_TIMEOUT_SECONDS = 2;
/** Node's start-up and the SDK's loading on a loaded 2-core machine. */
const START_MARGIN_MS = 4_000;

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
    ["with --wait", ["--wait"]],
    ["without --wait", []],
  ])("%s: exits 3 within the deadline and its margin, naming the endpoint and the time spent", async (_name, extra) => {
    const connectionsBefore = silent.connections();
    const started = Date.now();
    const run = await runCli(
      ["--distribution-id", "E2QWRUHAPOMQZL", "--path", "/a", ...extra, "--wait-timeout", String(WAIT_TIMEOUT_SECONDS)],
      { env: { ...TEST_CREDENTIALS, AWS_ENDPOINT_URL_CLOUDFRONT: endpoint }, timeoutMs: 60_000 },
    );
    const elapsed = Date.now() - started;

    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain(`${endpoint} did not answer in time`);
    expect(run.stderr).toMatch(/gave up after \d+ s/);
    expect(run.stderr).toMatch(
      /cf-invalidate: timed out after \d+ s \(--wait-timeout 2\); nothing in progress; 1 batch not sent/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(elapsed).toBeGreaterThanOrEqual(WAIT_TIMEOUT_SECONDS * 1000);
    expect(elapsed).toBeLessThan(WAIT_TIMEOUT_SECONDS * 1000 + CALL_GRACE_MS + START_MARGIN_MS);
    // It did reach the endpoint: the time went into an unanswered call, not elsewhere.
    expect(silent.connections()).toBeGreaterThan(connectionsBefore);
  });
});
