// The Lambda's dist/ handler, played by a CodePipeline stand-in loop (support/lambda.ts): each
// continuation is a new job, events are delivered twice (one after the other, or at once), and
// both CloudFront (moto_server) and the CodePipeline job API sit behind seeded fault proxies.
// Most schedules invoke the bundle in this process (imported once, as a warm Lambda); some run
// every invocation as a process of its own (cold starts), as the runtime does.
import { pathToFileURL } from "node:url";
import { buildPlan } from "invalidation-core";
import {
  type CodePipelineStandIn,
  createTestDistribution,
  type FaultProxy,
  hasMoto,
  type MotoServer,
  seededRandom,
  startCodePipelineStandIn,
  startFaultProxy,
  startMoto,
  TEST_CREDENTIALS,
} from "test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groundTruthClient, invalidationsIn, judge } from "./support/census.ts";
import { type Endpoint, startAccessDenied, startRelay } from "./support/fake-endpoints.ts";
import { startBusyCloudFront, startCloudFrontFaults, stopBusyCloudFront } from "./support/fault-schedules.ts";
import {
  ARTIFACT_SECRETS,
  type Handler,
  LAMBDA_DIST,
  type PipelineOutcome,
  playPipeline,
  processHandler,
  TOKEN_KEY,
} from "./support/lambda.ts";
import { capturedLogs, STACK_LINE } from "./support/processes.ts";
import { FaultTally } from "./support/summary.ts";

const IN_PROCESS_SCHEDULES = 100;
const PROCESS_SCHEDULES = 6;
const FAULT_RATE = 0.3;
const WAIT_TIMEOUT_MINUTES = 0.05; // 3 s: short enough that busy schedules reach it
const DEADLINE_MS = WAIT_TIMEOUT_MINUTES * 60_000;
// Reporting a result retries with 1 s, 2 s, 4 s pauses (job-result.ts, not configurable in the
// bundle): one unlucky report can take 7 s beyond the CloudFront work; and on a loaded 2-core
// machine one invocation has been seen to take 6 s. A handler that ignored the deadline would
// never end the busy chain below (the test's timeout catches that), so the slack can be generous.
const SLACK_MS = 15_000;

// 35 wildcards: three batches (15 wildcards in progress at most) for continuations to carry.
const paths = [...Array.from({ length: 35 }, (_, i) => `/p${i}/*`), "/index.html", "/a%20b.html"];
const planned = buildPlan({ paths, maxPaths: 100 }).plan;

const tally = new FaultTally("lambda");

describe.skipIf(!hasMoto())("the Lambda's dist over continuations, duplicate deliveries and faults", () => {
  let moto: MotoServer;
  let standIn: CodePipelineStandIn;
  let cloudFrontRelay: Endpoint & { target: string };
  let codePipelineRelay: Endpoint & { target: string };
  let handler: Handler;
  const failures: string[] = [];

  beforeAll(async () => {
    [moto, standIn, cloudFrontRelay, codePipelineRelay] = await Promise.all([
      startMoto(),
      startCodePipelineStandIn(),
      startRelay(),
      startRelay(),
    ]);
    // What the Lambda runtime gives the function, set before the module creates its clients.
    Object.assign(process.env, {
      ...TEST_CREDENTIALS,
      AWS_REGION: "eu-west-1",
      AWS_ENDPOINT_URL_CLOUDFRONT: cloudFrontRelay.endpoint,
      AWS_ENDPOINT_URL_CODEPIPELINE: codePipelineRelay.endpoint,
      ...TOKEN_KEY,
    });
    const module = (await import(/* @vite-ignore */ pathToFileURL(LAMBDA_DIST).href)) as { handler: Handler };
    handler = module.handler;
  }, 60_000);
  afterAll(async () => {
    await Promise.all([moto?.stop(), standIn?.stop(), cloudFrontRelay?.stop(), codePipelineRelay?.stop()]);
    tally.publish();
  }, 30_000);

  /** Runs `fn` with the bundle's log lines (process.stdout) captured instead of printed. */
  async function capturingLogs<T>(fn: () => Promise<T>): Promise<T> {
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      capturedLogs.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
      return true;
    }) as typeof process.stdout.write;
    try {
      return await fn();
    } finally {
      process.stdout.write = write;
    }
  }

  async function checkSchedule(seed: number, distributionId: string, outcome: PipelineOutcome, elapsedMs: number) {
    tally.schedules++;
    tally.jobsWithoutResult += outcome.withoutResult.length;
    tally.jobsWithTwoResults += outcome.withTwoResults.length;
    tally.extra.jobs = (tally.extra.jobs ?? 0) + outcome.jobs.length;
    tally.extra.invocations = (tally.extra.invocations ?? 0) + outcome.invocations;
    tally.overrun(elapsedMs - DEADLINE_MS);
    if (outcome.threw > 0) failures.push(`seed ${seed}: the handler threw ${outcome.threw} time(s)`);
    if (outcome.withoutResult.length > 0)
      failures.push(`seed ${seed}: job(s) without a result ${outcome.withoutResult}`);
    if (outcome.withTwoResults.length > 0) failures.push(`seed ${seed}: job(s) with two results`);
    if (!outcome.final) failures.push(`seed ${seed}: no final result after ${outcome.jobs.length} jobs`);
    if (elapsedMs > DEADLINE_MS + SLACK_MS) failures.push(`seed ${seed}: took ${elapsedMs} ms`);
    const verdict = judge(await invalidationsIn(groundTruthClient(moto), distributionId), planned.paths);
    tally.duplicates += verdict.duplicates;
    if (verdict.duplicates > 0) failures.push(`seed ${seed}: ${verdict.duplicates} duplicate(s): ${verdict.detail}`);
    if (outcome.final?.operation === "PutJobSuccessResult") {
      tally.extra.succeeded = (tally.extra.succeeded ?? 0) + 1;
      tally.uncoveredPaths += verdict.uncovered.length;
      if (verdict.uncovered.length > 0) failures.push(`seed ${seed}: success, but uncovered ${verdict.uncovered}`);
    } else if (outcome.final) {
      // A failure under transient faults: the pipeline shows it (JobFailed, with a readable
      // message); a retry of the stage is a new job. Never a configuration or permission error.
      tally.extra.failedJobs = (tally.extra.failedJobs ?? 0) + 1;
      const details = outcome.final.body.failureDetails as { type?: string; message?: string };
      if (details.type !== "JobFailed" || !details.message || details.message.replace(STACK_LINE, "").trim() === "") {
        failures.push(`seed ${seed}: failure ${JSON.stringify(details)}`);
      }
    }
  }

  it("plans three batches, so that continuations carry progress", () => {
    expect(planned.batches.length).toBe(3);
  });

  it(`${IN_PROCESS_SCHEDULES} in-process schedules: one final result per job chain, no batch twice, all paths on success`, {
    timeout: 300_000,
  }, async () => {
    for (let seed = 0; seed < IN_PROCESS_SCHEDULES; seed++) {
      const distributionId = await createTestDistribution(moto, `lambda-${seed}`);
      const proxies: FaultProxy[] = await Promise.all([
        startCloudFrontFaults(moto, 3000 + seed, FAULT_RATE),
        startFaultProxy({
          target: standIn.endpoint,
          seed: 4000 + seed,
          faultRate: FAULT_RATE / 2,
          slowMs: 50,
          protocol: "json",
        }),
      ]);
      cloudFrontRelay.target = proxies[0]!.endpoint;
      codePipelineRelay.target = proxies[1]!.endpoint;
      const random = seededRandom(5000 + seed);
      const userParameters = JSON.stringify({
        distributionId,
        paths,
        maxPaths: 100,
        wait: seed % 2 === 0,
        waitTimeoutMinutes: WAIT_TIMEOUT_MINUTES,
      });
      const started = Date.now();
      const outcome = await capturingLogs(() =>
        playPipeline(handler, standIn, userParameters, { duplicate: () => random() < 0.5, concurrent: seed % 4 === 3 }),
      );
      for (const proxy of proxies) {
        tally.addStats(proxy.stats);
        await proxy.stop();
      }
      await checkSchedule(seed, distributionId, outcome, Date.now() - started);
    }
    expect(failures).toEqual([]);
    expect(tally.extra.succeeded ?? 0).toBeGreaterThan(IN_PROCESS_SCHEDULES * 0.8);
    expect(tally.extra.jobs ?? 0).toBeGreaterThan(IN_PROCESS_SCHEDULES);
    for (const count of Object.values(tally.injected)) expect(count).toBeGreaterThan(0);
  });

  it(`${PROCESS_SCHEDULES} schedules with every invocation a process of its own (cold starts)`, {
    timeout: 300_000,
  }, async () => {
    const before = failures.length;
    for (let seed = 0; seed < PROCESS_SCHEDULES; seed++) {
      const distributionId = await createTestDistribution(moto, `lambda-process-${seed}`);
      const proxies: FaultProxy[] = await Promise.all([
        startCloudFrontFaults(moto, 6000 + seed, FAULT_RATE),
        startFaultProxy({
          target: standIn.endpoint,
          seed: 7000 + seed,
          faultRate: FAULT_RATE / 2,
          slowMs: 50,
          protocol: "json",
        }),
      ]);
      const env = {
        ...TEST_CREDENTIALS,
        AWS_REGION: "eu-west-1",
        AWS_ENDPOINT_URL_CLOUDFRONT: proxies[0]!.endpoint,
        AWS_ENDPOINT_URL_CODEPIPELINE: proxies[1]!.endpoint,
        ...TOKEN_KEY,
      };
      const userParameters = JSON.stringify({
        distributionId,
        paths,
        maxPaths: 100,
        wait: true,
        waitTimeoutMinutes: WAIT_TIMEOUT_MINUTES,
      });
      const started = Date.now();
      const outcome = await playPipeline(
        processHandler(env, () => tally.processes++),
        standIn,
        userParameters,
        {
          duplicate: (n) => n === 0 || seed % 2 === 1,
          concurrent: false,
        },
      );
      for (const proxy of proxies) {
        tally.addStats(proxy.stats);
        await proxy.stop();
      }
      await checkSchedule(1000 + seed, distributionId, outcome, Date.now() - started);
    }
    expect(failures.slice(before)).toEqual([]);
  });

  it("fails the job as a timeout at its deadline when CloudFront stays busy through every continuation", async () => {
    const distributionId = await createTestDistribution(moto, "lambda-busy");
    const busy = await startBusyCloudFront(moto);
    cloudFrontRelay.target = busy.endpoint;
    codePipelineRelay.target = standIn.endpoint;
    try {
      const started = Date.now();
      const outcome = await capturingLogs(() =>
        playPipeline(
          handler,
          standIn,
          JSON.stringify({ distributionId, paths: ["/x"], waitTimeoutMinutes: WAIT_TIMEOUT_MINUTES }),
          {
            duplicate: (n) => n % 5 === 0,
            concurrent: false,
            // CodePipeline's delay before a continuation is undocumented; here it is none, so many.
            maxJobs: 10_000,
          },
        ),
      );
      const elapsed = Date.now() - started;
      tally.overrun(elapsed - DEADLINE_MS);
      tally.jobsWithoutResult += outcome.withoutResult.length;
      tally.extra.busyChainJobs = outcome.jobs.length;
      expect(outcome.withoutResult).toEqual([]);
      expect(outcome.jobs.length).toBeGreaterThan(1);
      expect(outcome.final?.operation).toBe("PutJobFailureResult");
      expect(outcome.final?.body.failureDetails).toMatchObject({
        type: "JobFailed",
        message: expect.stringMatching(/Timed out after waitTimeoutMinutes/),
      });
      expect(elapsed).toBeGreaterThanOrEqual(DEADLINE_MS);
      expect(elapsed).toBeLessThan(DEADLINE_MS + SLACK_MS);
    } finally {
      await stopBusyCloudFront(busy, tally);
    }
  });

  it("fails the job at once as ConfigurationError on a distribution that does not exist", async () => {
    cloudFrontRelay.target = moto.endpoint;
    codePipelineRelay.target = standIn.endpoint;
    const started = Date.now();
    const outcome = await capturingLogs(() =>
      playPipeline(handler, standIn, JSON.stringify({ distributionId: "E0000000NOSUCH", paths: ["/x"], wait: true }), {
        duplicate: () => true,
        concurrent: false,
      }),
    );
    expect(outcome.jobs).toHaveLength(1);
    expect(outcome.final?.operation).toBe("PutJobFailureResult");
    expect(outcome.final?.body.failureDetails).toMatchObject({
      type: "ConfigurationError",
      message: expect.stringMatching(/NoSuchDistribution/),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("fails the job at once as PermissionError on AccessDenied", async () => {
    const denied = await startAccessDenied();
    cloudFrontRelay.target = denied.endpoint;
    codePipelineRelay.target = standIn.endpoint;
    try {
      const started = Date.now();
      const outcome = await capturingLogs(() =>
        playPipeline(
          handler,
          standIn,
          JSON.stringify({ distributionId: "E2QWRUHAPOMQZL", paths: ["/x"], wait: true }),
          {
            duplicate: () => false,
            concurrent: false,
          },
        ),
      );
      expect(outcome.jobs).toHaveLength(1);
      expect(outcome.final?.body.failureDetails).toMatchObject({
        type: "PermissionError",
        message: expect.stringMatching(/AccessDenied/),
      });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(denied.requests).toBe(1);
    } finally {
      await denied.stop();
    }
  });

  it("writes neither the test credentials nor the event's artifactCredentials into any log line", () => {
    const logs = capturedLogs.join("\n");
    expect(logs).toMatch(/invalidation created/);
    for (const secret of [...Object.values(TEST_CREDENTIALS), ...Object.values(ARTIFACT_SECRETS)]) {
      expect(logs).not.toContain(secret);
    }
  });
});
