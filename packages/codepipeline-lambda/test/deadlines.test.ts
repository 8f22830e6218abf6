// Issue 14: the bundle against endpoints that accept a connection and never answer. Whatever stalls,
// the job gets exactly one result before the function's time is up (CloudFront stalls), or the
// handler at least returns before then (CodePipeline itself stalls): never a hang until Lambda kills it.
import { type CodePipelineStandIn, startCodePipelineStandIn, startSilentServer, TEST_CREDENTIALS } from "test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBundle } from "./bundle-stage.ts";
import { codePipelineEvent, DISTRIBUTION, newJobId, TOKEN_ENV } from "./fakes.js";
import { invokeBundle } from "./invoke-bundle.js";

const TIMEOUT_MS = 8_000;
const env = (cloudFront: string, codePipeline: string) => ({
  ...TEST_CREDENTIALS,
  AWS_REGION: "us-east-1",
  AWS_ENDPOINT_URL_CLOUDFRONT: cloudFront,
  AWS_ENDPOINT_URL_CODEPIPELINE: codePipeline,
  HANDLER_TIMEOUT_MS: String(TIMEOUT_MS),
  ...TOKEN_ENV,
});

describe("stalled endpoints: the bundle with a context of 8 s", { timeout: 60_000 }, () => {
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  let standIn: CodePipelineStandIn;

  beforeAll(async () => {
    ensureBundle();
    [silent, standIn] = await Promise.all([startSilentServer(), startCodePipelineStandIn()]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([silent?.stop(), standIn?.stop()]);
  }, 30_000);

  it.each([
    ["without wait", false],
    ["with wait", true],
  ])("CloudFront never answers (%s): one result, sent within the function's time", async (_name, wait) => {
    standIn.reset();
    const jobId = newJobId();
    const userParameters = JSON.stringify({ distributionId: DISTRIBUTION, paths: ["/index.html"], wait });
    const run = await invokeBundle(
      codePipelineEvent({ jobId, userParameters }),
      env(silent.endpoint, standIn.endpoint),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(silent.connections()).toBeGreaterThan(0);
    // The result went out before the handler returned, and the handler returned within its time.
    expect(run.handlerMs).toBeLessThan(TIMEOUT_MS);
    console.info(`CloudFront stalled (${_name}): handler returned after ${run.handlerMs} ms of ${TIMEOUT_MS} ms`);
    // Drift fix: a call aborted at the invocation's end, long before the run's deadline, is transient in
    // the core now: the job continues (the next invocation tries again, at most 3 rounds in a row)
    // instead of failing at once as JobFailed.
    expect(standIn.calls.filter((c) => c.body.jobId === jobId).map((c) => c.operation)).toEqual([
      "PutJobSuccessResult",
    ]);
    const body = standIn.results.get(jobId)?.body as {
      continuationToken?: string;
      executionDetails: { summary: string };
    };
    expect(body.continuationToken).toBeDefined();
    expect(body.executionDetails.summary).toMatch(
      /will be retried \(1\/2\): CloudFront did not answer within this invocation.s time/,
    );
    expect(run.result).toMatchObject({ jobId, result: "continuation", report: "reported" });
  });

  it("CodePipeline never answers: the handler gives up on reporting and returns within the function's time", async () => {
    const jobId = newJobId();
    const userParameters = JSON.stringify({ distributionId: DISTRIBUTION, paths: ["/index.html"] });
    // CloudFront stalls too, so the work itself runs into its abort before reporting is tried.
    const run = await invokeBundle(codePipelineEvent({ jobId, userParameters }), env(silent.endpoint, silent.endpoint));
    expect(run.code, run.stderr).toBe(0);
    expect(run.handlerMs).toBeLessThan(TIMEOUT_MS);
    console.info(`CodePipeline stalled: handler returned after ${run.handlerMs} ms of ${TIMEOUT_MS} ms`);
    expect(run.result).toMatchObject({ jobId, result: "continuation", report: "not-reported" });
    expect(run.stdout).toMatch(/could not be reported/);
  });
});
