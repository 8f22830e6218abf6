// The bundled CLI as a process, through a seeded fault-injecting proxy in front of moto_server.
// A failed run is run again by the CI job (same CI_JOB_ID, so the same caller references): the
// job must end with every planned path invalidated and no batch created twice.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildPlan } from "invalidation-core";
import { createTestDistribution, hasMoto, type MotoServer, startMoto, TEST_CREDENTIALS } from "test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groundTruthClient } from "./support/census.ts";
import { runCli } from "./support/cli.ts";
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
const TIMEOUT_SECONDS = 1.5;
const DEADLINE = { timeoutSeconds: TIMEOUT_SECONDS, slackMs: PROCESS_SLACK_MS };
const SLACK_MS = DEADLINE.slackMs;
const MAX_RUNS = 8;

const wildcardPaths = Array.from({ length: 20 }, (_, i) => `/part-${i}/*`);
const syncLog = [
  "upload: public/index.html to s3://site/site/index.html",
  "upload: public/a b/c?d.html to s3://site/site/a b/c?d.html",
  "copy: s3://site/site/x~y.css to s3://site/site/x~z.css",
  "delete: s3://site/site/gone/index.html",
  "",
].join("\r\n");
const planned = buildPlan({ paths: wildcardPaths, changes: syncLog, s3Prefix: "site", maxPaths: 100 }).plan;

const tally = new FaultTally("cli");
const dir = mkdtempSync(join(tmpdir(), "reliability-cli-"));
writeFileSync(join(dir, "sync.log"), syncLog);

const EXIT_FOR_FAULTS: Record<number, RegExp> = {
  1: /cf-invalidate: .*(?:failed|Throttl|Internal|Service|socket|ECONNRESET|reset)/i,
  3: /cf-invalidate: timed out after/,
};

describe.skipIf(!hasMoto())("the CLI under injected faults", () => {
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

  it(`${SCHEDULES} seeded schedules: every path invalidated, no batch twice, exit codes by kind, no wait past the deadline`, {
    timeout: 300_000,
  }, async () => {
    const truth = groundTruthClient(moto);
    const failures: string[] = [];
    const args = (distributionId: string, seed: number) => [
      "--distribution-id",
      distributionId,
      ...wildcardPaths.flatMap((p) => ["--path", p]),
      "--sync-log",
      join(dir, "sync.log"),
      "--s3-prefix",
      "site",
      "--max-paths",
      "100",
      ...(seed % 2 === 0 ? ["--wait"] : []),
      "--wait-timeout",
      String(TIMEOUT_SECONDS),
      ...(seed % 3 === 0 ? ["--json"] : []),
    ];
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
          distributionName: `cli-${seed}`,
          proxySeed: 2000 + seed,
          faultRate: FAULT_RATE,
          plannedPaths: planned.paths,
          run: (proxy, distributionId) =>
            runCli(args(distributionId, seed), {
              ...TEST_CREDENTIALS,
              AWS_REGION: "eu-west-1",
              AWS_ENDPOINT_URL_CLOUDFRONT: proxy.endpoint,
              CI_JOB_ID: `${7000 + seed}`,
            }),
          check: (run) => {
            if (run.code === 0) return [];
            const pattern = EXIT_FOR_FAULTS[run.code ?? -1];
            if (!pattern?.test(run.stderr) || run.stderr.replace(STACK_LINE, "").trim() === "") {
              return [`exit ${run.code}: ${JSON.stringify(run.stderr.slice(-600))}`];
            }
            return [];
          },
        });
        failures.push(...found);
      }),
    );
    expect(failures).toEqual([]);
    for (const count of Object.values(tally.injected)) expect(count).toBeGreaterThan(0);
  });

  it("exits 3 at its deadline when CloudFront stays busy, naming the batches not sent", async () => {
    const distributionId = await createTestDistribution(moto, "cli-busy");
    const busy = await startBusyCloudFront(moto);
    try {
      const run = await runCli(
        ["--distribution-id", distributionId, "--path", "/index.html", "--wait-timeout", String(TIMEOUT_SECONDS)],
        {
          ...TEST_CREDENTIALS,
          AWS_ENDPOINT_URL_CLOUDFRONT: busy.endpoint,
        },
      );
      // Counted only: the assertions below judge this run's timing themselves.
      countRun(tally, DEADLINE, run);
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toMatch(/not sent/);
      expect(run.wallMs).toBeGreaterThanOrEqual(TIMEOUT_SECONDS * 1000);
      expect(run.workMs).toBeLessThan(TIMEOUT_SECONDS * 1000 + SLACK_MS);
    } finally {
      await stopBusyCloudFront(busy, tally);
    }
  });

  it("exits 2 at once on a distribution that does not exist (NoSuchDistribution)", async () => {
    const run = await runCli(
      ["--distribution-id", "E0000000NOSUCH", "--path", "/x", "--wait", "--wait-timeout", "600"],
      {
        ...TEST_CREDENTIALS,
        AWS_ENDPOINT_URL_CLOUDFRONT: moto.endpoint,
      },
    );
    tally.processes++;
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/NoSuchDistribution/);
    // Quick against a 600 s timeout: Node's start-up on a loaded machine is most of this.
    expect(run.wallMs).toBeLessThan(10_000);
  });

  it("exits 1 at once on AccessDenied, asking CloudFront once", async () => {
    const denied = await startAccessDenied();
    try {
      const run = await runCli(
        ["--distribution-id", "E2QWRUHAPOMQZL", "--path", "/x", "--wait", "--wait-timeout", "600"],
        {
          ...TEST_CREDENTIALS,
          AWS_ENDPOINT_URL_CLOUDFRONT: denied.endpoint,
        },
      );
      tally.processes++;
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/AccessDenied/);
      expect(run.stderr).not.toMatch(STACK_LINE);
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
