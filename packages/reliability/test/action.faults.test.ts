// The GitHub Action's committed dist/index.js, run as the runner runs it, through a seeded
// fault-injecting proxy in front of moto_server. A failed step is re-run (same run id and
// attempt, as "re-run failed step" does not exist but a retry wrapper or a second step would):
// the run must end with every planned path invalidated and no batch created twice.
import { buildPlan } from "invalidation-core";
import { createTestDistribution, hasMoto, type MotoServer, startMoto, TEST_CREDENTIALS } from "test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAction } from "./support/action.ts";
import { groundTruthClient } from "./support/census.ts";
import { startAccessDenied } from "./support/fake-endpoints.ts";
import {
  countRun,
  PROCESS_SLACK_MS,
  runRerunSchedule,
  startBusyCloudFront,
  stopBusyCloudFront,
} from "./support/fault-schedules.ts";
import { capturedLogs, pool, STACK_LINE } from "./support/processes.ts";
import { FaultTally } from "./support/summary.ts";

const SCHEDULES = 50;
const FAULT_RATE = 0.45;
const TIMEOUT_SECONDS = 2;
const DEADLINE = { timeoutSeconds: TIMEOUT_SECONDS, slackMs: PROCESS_SLACK_MS };
const SLACK_MS = DEADLINE.slackMs;
const MAX_RUNS = 8;

// 20 wildcards (two batches: CloudFront allows 15 wildcards in progress) plus a sync log with
// names that need encoding.
const wildcardPaths = Array.from({ length: 20 }, (_, i) => `/section-${i}/*`);
const syncLog = [
  "Completed 1.2 KiB/3.4 KiB (2.1 KiB/s) with 3 file(s) remaining\r",
  "upload: public/index.html to s3://site/index.html",
  "upload: public/blog/my post.html to s3://site/blog/my post.html",
  "upload: public/café/menü.html to s3://site/café/menü.html",
  "delete: s3://site/old#1.css",
  "",
].join("\n");
const planned = buildPlan({ paths: wildcardPaths, changes: syncLog, maxPaths: 100 }).plan;

const tally = new FaultTally("action");

describe.skipIf(!hasMoto())("the action's dist under injected faults", () => {
  let moto: MotoServer;

  beforeAll(async () => {
    moto = await startMoto();
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
    tally.publish();
  }, 30_000);

  it("plans two batches, so that a fault between them is exercised", () => {
    expect(planned.batches.length).toBe(2);
  });

  it(`${SCHEDULES} seeded schedules: every path invalidated, no batch twice, no wait past the deadline`, {
    timeout: 300_000,
  }, async () => {
    const truth = groundTruthClient(moto);
    const failures: string[] = [];
    await pool(
      4,
      Array.from({ length: SCHEDULES }, (_, seed) => async () => {
        const found = await runRerunSchedule({
          seed,
          moto,
          truth,
          tally,
          deadline: DEADLINE,
          maxRuns: MAX_RUNS,
          distributionName: `action-${seed}`,
          proxySeed: 1000 + seed,
          faultRate: FAULT_RATE,
          plannedPaths: planned.paths,
          run: (proxy, distributionId) =>
            runAction(
              {
                "distribution-id": distributionId,
                paths: wildcardPaths.join("\n"),
                "sync-log": "sync.log",
                "max-paths": "100",
                wait: seed % 2 === 0 ? "true" : "false",
                "wait-timeout-seconds": String(TIMEOUT_SECONDS),
              },
              {
                ...TEST_CREDENTIALS,
                AWS_REGION: "us-east-1",
                AWS_ENDPOINT_URL_CLOUDFRONT: proxy.endpoint,
                GITHUB_RUN_ID: `${5000 + seed}`,
              },
              { "sync.log": syncLog },
            ),
          check: (run) => {
            const problems: string[] = [];
            if (run.code !== 0) {
              // Faults are transient: the step must say so (or that it timed out), never crash.
              const message = run.errors.join("\n");
              if (!/^(Transient error|Timeout): /.test(message) || message.replace(STACK_LINE, "").trim() === "") {
                problems.push(`unexpected failure ${JSON.stringify(message || run.stderr)}`);
              }
              if (!["failed", "in-progress"].includes(run.outputs.status ?? "")) {
                problems.push(`status output ${run.outputs.status}`);
              }
            } else if (!["completed", "in-progress"].includes(run.outputs.status ?? "")) {
              problems.push(`status output ${run.outputs.status} on success`);
            }
            return problems;
          },
        });
        failures.push(...found);
      }),
    );
    expect(failures).toEqual([]);
    // The schedules must actually have hit the faults they claim to test.
    for (const count of Object.values(tally.injected)) expect(count).toBeGreaterThan(0);
  });

  it("gives up at its deadline when CloudFront stays busy, and says so as a timeout", async () => {
    const distributionId = await createTestDistribution(moto, "action-busy");
    // Every CreateInvalidation answers TooManyInvalidationsInProgress: the action waits for a
    // slot (10 s between tries by default), but never past wait-timeout-seconds.
    const busy = await startBusyCloudFront(moto);
    try {
      const run = await runAction(
        { "distribution-id": distributionId, paths: "/index.html", "wait-timeout-seconds": String(TIMEOUT_SECONDS) },
        { ...TEST_CREDENTIALS, AWS_ENDPOINT_URL_CLOUDFRONT: busy.endpoint },
      );
      // Counted only: the assertions below judge this run's timing themselves.
      countRun(tally, DEADLINE, run);
      expect(run.code).toBe(1);
      expect(run.errors.join("\n")).toMatch(/^Timeout: .*TooManyInvalidationsInProgress/s);
      expect(run.wallMs).toBeGreaterThanOrEqual(TIMEOUT_SECONDS * 1000);
      expect(run.workMs).toBeLessThan(TIMEOUT_SECONDS * 1000 + SLACK_MS);
    } finally {
      await stopBusyCloudFront(busy, tally);
    }
  });

  it("fails fast as a configuration error on a distribution that does not exist", async () => {
    const run = await runAction(
      { "distribution-id": "E0000000NOSUCH", paths: "/index.html", "wait-timeout-seconds": "600" },
      { ...TEST_CREDENTIALS, AWS_ENDPOINT_URL_CLOUDFRONT: moto.endpoint },
    );
    tally.processes++;
    expect(run.code).toBe(1);
    expect(run.errors.join("\n")).toMatch(/^Configuration error: .*NoSuchDistribution/);
    expect(run.outputs.status).toBe("failed");
    // A 600 s timeout must not be spent on a failure no retry can fix.
    // Quick against a 600 s timeout: Node's start-up on a loaded machine is most of this.
    expect(run.wallMs).toBeLessThan(10_000);
  });

  it("fails fast as a permission error on AccessDenied, asking CloudFront once", async () => {
    const denied = await startAccessDenied();
    try {
      const run = await runAction(
        { "distribution-id": "E2QWRUHAPOMQZL", paths: "/index.html", wait: "true", "wait-timeout-seconds": "600" },
        { ...TEST_CREDENTIALS, AWS_ENDPOINT_URL_CLOUDFRONT: denied.endpoint },
      );
      tally.processes++;
      expect(run.code).toBe(1);
      expect(run.errors.join("\n")).toMatch(/^Permission error: .*AccessDenied/);
      // Quick against a 600 s timeout: Node's start-up on a loaded machine is most of this.
      expect(run.wallMs).toBeLessThan(10_000);
      expect(denied.requests).toBe(1);
    } finally {
      await denied.stop();
    }
  });

  it("writes no credential into any log line of these runs", () => {
    const logs = capturedLogs.join("\n");
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of Object.values(TEST_CREDENTIALS)) expect(logs).not.toContain(secret);
  });
});
