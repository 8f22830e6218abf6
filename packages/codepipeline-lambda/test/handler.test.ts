import {
  CreateInvalidationCommand,
  CreateInvalidationForDistributionTenantCommand,
  type DistributionConfig,
  GetDistributionConfigCommand,
  GetDistributionTenantCommand,
  ListDistributionsCommand,
} from "@aws-sdk/client-cloudfront";
import { callerReferences, MAX_TRANSIENT_ROUNDS } from "invalidation-core";
import { describe, expect, it } from "vitest";
import { CONTINUATION_TOKEN_LIMIT, openContinuation, sealContinuation } from "../src/continuation-token.js";
import type { ReadJobInput } from "../src/job-input.js";
import {
  ARTIFACT_SECRETS,
  awsError,
  codePipelineEvent,
  DISTRIBUTION,
  type Harness,
  harness,
  newJobId,
  OTHER_DISTRIBUTION,
  TOKEN_ENV,
} from "./fakes.js";

const params = (value: Record<string, unknown>) => JSON.stringify({ distributionId: DISTRIBUTION, ...value });

/**
 * Paths as an input artifact would give them (UserParameters hold at most 1,000 characters), so that
 * a plan needs several batches under CloudFront's real limits (3,000 paths, 15 wildcards in progress).
 * (Before the port, the tests shrank the planner's limits instead; the core's request takes none.)
 */
const withPaths =
  (paths: readonly string[]): ReadJobInput =>
  async () => ({ paths, maxPaths: paths.length });
const pages = (count: number) => Array.from({ length: count }, (_, i) => `/page-${i}.html`);
const REAL_LIMITS = { maxFilePaths: 3000, maxWildcardPaths: 15 };

/** The core's caller reference of a batch: `codepipeline-<first job id>-<distribution>-b<n>-<digest>`. */
const referenceOf = (
  firstJobId: string,
  batches: readonly (readonly string[])[],
  distribution: string,
  index: number,
) => callerReferences({ base: `codepipeline-${firstJobId}`, batches })(distribution, index);

function onlyResult(h: Harness, jobId: string) {
  const results = h.codePipeline.calls.filter((c) => c.input.jobId === jobId);
  expect(results).toHaveLength(1);
  return results[0]!;
}

/** Runs the continuation chain as CodePipeline would: each token starts a new job. */
async function followContinuations(
  h: Harness,
  userParameters: string,
  between: (round: number) => void,
  maxRounds = 50,
) {
  const jobIds: string[] = [];
  let token: string | undefined;
  for (let round = 0; round < maxRounds; round++) {
    const jobId = newJobId();
    jobIds.push(jobId);
    await h.handler(
      codePipelineEvent({ jobId, userParameters, ...(token === undefined ? {} : { continuationToken: token }) }),
    );
    const result = onlyResult(h, jobId);
    if (result.operation === "PutJobFailureResult") return { jobIds, final: result };
    token = result.input.continuationToken;
    if (token === undefined) return { jobIds, final: result };
    expect(token.length).toBeLessThanOrEqual(CONTINUATION_TOKEN_LIMIT);
    // Output variables belong to the final success only.
    expect(result.input.outputVariables).toBeUndefined();
    between(round);
  }
  throw new Error(`no final result after ${maxRounds} invocations`);
}

describe("handler: success", () => {
  it("creates one invalidation and reports its id, the distribution and the path count", async () => {
    const h = harness();
    const jobId = newJobId();
    const outcome = await h.handler(
      codePipelineEvent({ jobId, userParameters: params({ paths: ["/index.html", "/css/*"] }) }),
    );

    expect(outcome).toEqual({ jobId, result: "success", report: "reported" });
    expect(h.cloudFront.invalidations).toHaveLength(1);
    const [invalidation] = h.cloudFront.invalidations;
    expect(invalidation!.distributionId).toBe(DISTRIBUTION);
    expect([...invalidation!.paths].sort()).toEqual(["/css/*", "/index.html"]);
    // Drift fix: the core's caller reference form (was `codepipeline-<job id>-<distribution>-<batch index>`).
    expect(invalidation!.callerReference).toBe(referenceOf(jobId, [["/css/*", "/index.html"]], DISTRIBUTION, 0));

    const result = onlyResult(h, jobId);
    expect(result.operation).toBe("PutJobSuccessResult");
    expect(result.input.continuationToken).toBeUndefined();
    expect(result.input.executionDetails.externalExecutionId).toBe(invalidation!.id);
    expect(result.input.executionDetails.summary).toContain(DISTRIBUTION);
    expect(result.input.executionDetails.summary).toContain(invalidation!.id);
    // Drift fix: the core's plural() ("2 paths", was "2 path(s)"), and the plan's cost (issue 15).
    expect(result.input.executionDetails.summary).toContain("Invalidated 2 paths on");
    expect(result.input.executionDetails.summary).toContain(
      "Cost: 2 paths billed (free: 500 deploys like this a month fit the 1,000 free paths)",
    );
    expect(result.input.outputVariables).toEqual({
      InvalidationIds: invalidation!.id,
      DistributionIds: DISTRIBUTION,
      PathCount: "2",
    });
  });

  it("without UserParameters invalidates /* on CLOUDFRONT_DISTRIBUTION_ID", async () => {
    const h = harness({ env: { CLOUDFRONT_DISTRIBUTION_ID: DISTRIBUTION } });
    const jobId = newJobId();
    await h.handler(codePipelineEvent({ jobId }));
    expect(h.cloudFront.invalidations.map((i) => [i.distributionId, i.paths])).toEqual([[DISTRIBUTION, ["/*"]]]);
    expect(onlyResult(h, jobId).operation).toBe("PutJobSuccessResult");
  });

  it("invalidates every listed distribution and reports all ids", async () => {
    const h = harness();
    const jobId = newJobId();
    await h.handler(
      codePipelineEvent({
        jobId,
        userParameters: JSON.stringify({ distributionIds: [DISTRIBUTION, OTHER_DISTRIBUTION] }),
      }),
    );
    expect(h.cloudFront.invalidations.map((i) => i.distributionId)).toEqual([DISTRIBUTION, OTHER_DISTRIBUTION]);
    const ids = h.cloudFront.invalidations.map((i) => i.id);
    const result = onlyResult(h, jobId);
    expect(result.input.outputVariables).toEqual({
      InvalidationIds: ids.join(","),
      DistributionIds: `${DISTRIBUTION},${OTHER_DISTRIBUTION}`,
      PathCount: "1",
    });
    expect(result.input.executionDetails.externalExecutionId).toBe(ids.join(","));
  });

  it("with wait: true finishes at once when CloudFront reports the invalidation completed", async () => {
    const h = harness();
    h.cloudFront.completeAtOnce = true;
    const jobId = newJobId();
    await h.handler(codePipelineEvent({ jobId, userParameters: params({ wait: true }) }));
    const result = onlyResult(h, jobId);
    expect(result.input.continuationToken).toBeUndefined();
    expect(result.input.executionDetails.summary).toContain("completed");
  });

  it("writes JSON log lines with the job id and never the artifact credentials", async () => {
    const h = harness();
    const jobId = newJobId();
    await h.handler(codePipelineEvent({ jobId, userParameters: params({}) }));
    expect(h.logLines.length).toBeGreaterThan(0);
    for (const line of h.logLines) {
      const record = JSON.parse(line);
      expect(record).toMatchObject({ level: expect.any(String), message: expect.any(String), jobId });
      for (const secret of Object.values(ARTIFACT_SECRETS)) expect(line).not.toContain(secret);
    }
  });
});

describe("handler: failures", () => {
  // One row per failure class: where it happens and the CodePipeline failure type it must become.
  const cases: [string, string, (h: Harness) => void, RegExp][] = [
    [
      "AccessDenied from CreateInvalidation",
      "PermissionError",
      (h) => {
        h.cloudFront.createError = awsError("AccessDenied", 403);
      },
      /AccessDenied/,
    ],
    [
      "NoSuchDistribution from CreateInvalidation",
      "ConfigurationError",
      (h) => {
        h.cloudFront.createError = awsError("NoSuchDistribution", 404);
      },
      /NoSuchDistribution/,
    ],
    [
      "InvalidationBatchAlreadyExists (a caller reference reused with other paths)",
      "ConfigurationError",
      (h) => {
        h.cloudFront.createError = awsError("InvalidationBatchAlreadyExists", 400);
      },
      /already used/,
    ],
  ];

  it.each(cases)("%s fails the job with %s", async (_name, failureType, arrange, message) => {
    const h = harness();
    arrange(h);
    const jobId = newJobId();
    const outcome = await h.handler(codePipelineEvent({ jobId, userParameters: params({}) }));
    expect(outcome).toEqual({ jobId, result: "failure", report: "reported" });
    const result = onlyResult(h, jobId);
    expect(result.operation).toBe("PutJobFailureResult");
    expect(result.input.failureDetails.type).toBe(failureType);
    expect(result.input.failureDetails.message).toMatch(message);
  });

  it("an AccessDenied while polling fails at once with PermissionError instead of polling on", async () => {
    const h = harness();
    const first = newJobId();
    await h.handler(codePipelineEvent({ jobId: first, userParameters: params({ wait: true }) }));
    const token = onlyResult(h, first).input.continuationToken;
    expect(token).toBeDefined();
    h.cloudFront.getError = awsError("AccessDenied", 403);
    const second = newJobId();
    await h.handler(
      codePipelineEvent({ jobId: second, userParameters: params({ wait: true }), continuationToken: token }),
    );
    expect(onlyResult(h, second).input.failureDetails.type).toBe("PermissionError");
  });

  it("a transient CloudFront failure is tried again in continuations, then fails with JobFailed", async () => {
    const h = harness();
    h.cloudFront.createError = awsError("ServiceUnavailable", 503);
    const { jobIds, final } = await followContinuations(h, params({}), () => h.clock.advance(30_000));
    // MAX_TRANSIENT_ROUNDS invocations in all: the first ones continue, the last one fails.
    expect(jobIds).toHaveLength(MAX_TRANSIENT_ROUNDS);
    expect(final.operation).toBe("PutJobFailureResult");
    expect(final.input.failureDetails.type).toBe("JobFailed");
    expect(final.input.failureDetails.message).toMatch(/ServiceUnavailable/);
  });

  it("recovers when the transient failure passes before the retries run out", async () => {
    const h = harness();
    h.cloudFront.createError = awsError("Throttling", 400);
    const { jobIds, final } = await followContinuations(h, params({}), () => {
      h.cloudFront.createError = undefined;
    });
    expect(jobIds).toHaveLength(2);
    expect(final.operation).toBe("PutJobSuccessResult");
    // The retry keeps the first job's caller reference.
    expect(h.cloudFront.invalidations[0]!.callerReference).toBe(referenceOf(jobIds[0]!, [["/*"]], DISTRIBUTION, 0));
  });

  it("an unexpected exception still ends in one JobFailed result and the handler resolves", async () => {
    const h = harness({
      readJobInput: async () => {
        throw new TypeError("cannot read properties of undefined (reading 'x')");
      },
    });
    const jobId = newJobId();
    await expect(h.handler(codePipelineEvent({ jobId, userParameters: params({}) }))).resolves.toMatchObject({
      result: "failure",
    });
    const result = onlyResult(h, jobId);
    expect(result.input.failureDetails).toMatchObject({
      type: "JobFailed",
      message: expect.stringMatching(/cannot read/),
    });
  });

  it("cuts a failure message to CodePipeline's 5,000 characters", async () => {
    const h = harness({
      readJobInput: async () => {
        throw new Error(`boom ${"x".repeat(9000)}`);
      },
    });
    const jobId = newJobId();
    await h.handler(codePipelineEvent({ jobId, userParameters: params({}) }));
    const message: string = onlyResult(h, jobId).input.failureDetails.message;
    expect(message.length).toBe(5000);
    expect(message.endsWith("…")).toBe(true);
  });

  it.each([
    ["an unknown key", '{"distributionId":"E2QWRUHAPOMQZL","path":["/*"]}', /unknown key "path"/],
    ["a wrong type", '{"distributionId":"E2QWRUHAPOMQZL","wait":"yes"}', /wait must be a boolean/],
    ["an invalid path", '{"distributionId":"E2QWRUHAPOMQZL","paths":["index.html"]}', /index\.html/],
    ["a malformed distribution id", '{"distributionId":"my-distribution"}', /my-distribution/],
    ["broken JSON", '{"distributionId":', /not valid JSON/],
  ])(
    "malformed UserParameters (%s) fail with ConfigurationError before any CloudFront call",
    async (_name, text, message) => {
      const h = harness();
      const jobId = newJobId();
      await h.handler(codePipelineEvent({ jobId, userParameters: text }));
      expect(h.cloudFront.mock.commandCalls(CreateInvalidationCommand)).toHaveLength(0);
      const result = onlyResult(h, jobId);
      expect(result.input.failureDetails.type).toBe("ConfigurationError");
      expect(result.input.failureDetails.message).toMatch(message);
    },
  );

  it("ignores an event that is not a CodePipeline job, without throwing", async () => {
    const h = harness();
    await expect(h.handler({ Records: [] })).resolves.toEqual({ result: "not-a-job", report: "none" });
    expect(h.codePipeline.calls).toHaveLength(0);
  });
});

describe("handler: continuations", () => {
  it("waits across invocations, sends batches beyond the in-progress limits as slots free, and finishes", async () => {
    const paths = pages(6500);
    const h = harness({ readJobInput: withPaths(paths) });
    h.cloudFront.limits = REAL_LIMITS;
    const percents: number[] = [];
    const { jobIds, final } = await followContinuations(h, params({ wait: true }), (round) => {
      const last = h.codePipeline.calls.at(-1)!;
      percents.push(last.input.executionDetails.percentComplete);
      expect(last.input.executionDetails.summary).toMatch(/batch/);
      // CloudFront finishes the running invalidation every other round.
      if (round % 2 === 1) h.cloudFront.completeAll();
      h.clock.advance(60_000);
    });

    expect(final.operation).toBe("PutJobSuccessResult");
    // Three batches of at most 3,000 paths went out, one at a time, never more than the limit.
    expect(h.cloudFront.invalidations.map((i) => i.paths.length)).toEqual([3000, 3000, 500]);
    expect(h.cloudFront.invalidations.flatMap((i) => i.paths).sort()).toEqual([...paths].sort());
    // Every batch keeps the caller reference of the job that started the work.
    const batches = h.cloudFront.invalidations.map((i) => i.paths);
    expect(h.cloudFront.invalidations.map((i) => i.callerReference)).toEqual(
      [0, 1, 2].map((b) => referenceOf(jobIds[0]!, batches, DISTRIBUTION, b)),
    );
    expect(jobIds.length).toBeGreaterThan(3);
    expect(percents.every((p) => p >= 0 && p < 100)).toBe(true);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    const ids = h.cloudFront.invalidations.map((i) => i.id);
    expect(final.input.outputVariables).toEqual({
      InvalidationIds: ids.join(","),
      DistributionIds: DISTRIBUTION,
      PathCount: "6500",
    });
  });

  it("without wait, still sends a plan beyond the limits batch by batch, then succeeds without waiting", async () => {
    const h = harness({ readJobInput: withPaths(pages(4000)) });
    h.cloudFront.limits = REAL_LIMITS;
    const { final } = await followContinuations(h, params({}), () => {
      h.cloudFront.completeAll();
    });
    expect(final.operation).toBe("PutJobSuccessResult");
    expect(h.cloudFront.invalidations).toHaveLength(2);
    // The last invalidation is still running: success does not wait for it.
    expect(h.cloudFront.invalidations.at(-1)!.status).toBe("InProgress");
  });

  it("keeps every token under 2,048 characters for a plan of hundreds of batches", async () => {
    // 6,000 wildcards: 400 batches of 15 (one CreateInvalidation takes 15 wildcards at most).
    const paths = Array.from({ length: 6000 }, (_, i) => `/dir-${i}/*`);
    const h = harness({ readJobInput: withPaths(paths) });
    const { jobIds, final } = await followContinuations(
      h,
      params({ wait: true }),
      () => h.cloudFront.completeAll(),
      100,
    );
    expect(final.operation).toBe("PutJobSuccessResult");
    expect(h.cloudFront.invalidations).toHaveLength(400);
    expect(new Set(h.cloudFront.invalidations.map((i) => i.callerReference)).size).toBe(400);
    // The token could not carry 400 ids at once, so the work took several rounds.
    expect(jobIds.length).toBeGreaterThan(2);
    expect(final.input.executionDetails.summary.length).toBeLessThanOrEqual(2048);
    // The ids give way to the limit; the cost line stays whole.
    expect(final.input.executionDetails.summary).toMatch(
      /Cost: 6,000 paths billed \(USD 25\.00 beyond the free 1,000 a month\)\.$/,
    );
    expect(final.input.outputVariables.PathCount).toBe("6000");
  });

  it("fails with a clear message naming the invalidations still in progress when the wait times out", async () => {
    const h = harness();
    const { jobIds, final } = await followContinuations(h, params({ wait: true, waitTimeoutMinutes: 5 }), () =>
      h.clock.advance(2 * 60_000),
    );
    // Invocations at 0, 2 and 4 minutes continue; the one at 6 minutes is past the 5-minute deadline.
    expect(jobIds.length).toBe(4);
    expect(final.operation).toBe("PutJobFailureResult");
    expect(final.input.failureDetails.type).toBe("JobFailed");
    const id = h.cloudFront.invalidations[0]!.id;
    expect(final.input.failureDetails.message).toMatch(/Timed out after waitTimeoutMinutes=5/);
    // Drift fix: the core's one wait-timeout message names the invalidation as `<id> on <distribution>`.
    expect(final.input.failureDetails.message).toContain(`${id} on ${DISTRIBUTION}`);
  });

  it("fails with ConfigurationError when the configuration changed between continuations", async () => {
    const h = harness();
    const first = newJobId();
    await h.handler(codePipelineEvent({ jobId: first, userParameters: params({ wait: true }) }));
    const token = onlyResult(h, first).input.continuationToken;
    const second = newJobId();
    await h.handler(
      codePipelineEvent({
        jobId: second,
        userParameters: params({ wait: true, paths: ["/other"] }),
        continuationToken: token,
      }),
    );
    expect(onlyResult(h, second).input.failureDetails.type).toBe("ConfigurationError");
  });

  it("fails with ConfigurationError on a continuation token it did not write", async () => {
    const h = harness();
    const jobId = newJobId();
    await h.handler(codePipelineEvent({ jobId, userParameters: params({ wait: true }), continuationToken: "garbage" }));
    // Drift fix (issue 14): a token is authenticated; one that is not ours is a ConfigurationError (was JobFailed).
    expect(onlyResult(h, jobId).input.failureDetails).toMatchObject({
      type: "ConfigurationError",
      message: expect.stringMatching(/token/),
    });
  });
});

describe("handler: edited continuation tokens", () => {
  async function firstToken(h: Harness) {
    const first = newJobId();
    await h.handler(codePipelineEvent({ jobId: first, userParameters: params({ wait: true }) }));
    return onlyResult(h, first).input.continuationToken as string;
  }

  it.each([
    ["a changed id", (t: string) => t.replace(/"I\d{13}"/, '"I9999999999999"')],
    [
      "a changed deadline",
      (t: string) => t.replace(/,(\d{13}),"poll"/, (_m, d) => `,${Number(d) + 86_400_000},"poll"`),
    ],
    ["a truncated one", (t: string) => t.slice(0, -3)],
  ])("refuses %s as ConfigurationError, never a success", async (_name, edit) => {
    const h = harness();
    const token = await firstToken(h);
    const edited = edit(token);
    expect(edited).not.toBe(token);
    h.cloudFront.completeAll();
    const jobId = newJobId();
    await h.handler(codePipelineEvent({ jobId, userParameters: params({ wait: true }), continuationToken: edited }));
    expect(onlyResult(h, jobId).input.failureDetails).toMatchObject({
      type: "ConfigurationError",
      message: expect.stringMatching(/continuation token is refused/),
    });
  });

  it("never reports an id CloudFront did not give, even in a token signed with the right key", async () => {
    const h = harness();
    const token = await firstToken(h);
    const { originalJobId, state } = openContinuation(token, TOKEN_ENV);
    const d = state.distributions[0]!;
    const forged = sealContinuation(
      {
        originalJobId,
        state: {
          ...state,
          distributions: [{ ...d, invalidations: [{ id: "IFORGED0000000", batchIndex: 0, completed: true }] }],
        },
      },
      TOKEN_ENV,
    );
    const jobId = newJobId();
    await h.handler(codePipelineEvent({ jobId, userParameters: params({ wait: true }), continuationToken: forged }));
    const result = onlyResult(h, jobId);
    expect(result.operation).toBe("PutJobFailureResult");
    expect(JSON.stringify(result.input)).not.toMatch(/InvalidationIds/);
  });
});

describe("handler: duplicate delivery and reporting", () => {
  it("a second delivery of the same job creates no second invalidation and does not throw", async () => {
    const h = harness();
    const event = codePipelineEvent({ userParameters: params({ paths: ["/index.html"] }) });
    const first = await h.handler(event);
    const second = await h.handler(event);
    expect(first.report).toBe("reported");
    // CloudFront was asked twice with the same caller reference and returned the same invalidation.
    const references = h.cloudFront.createCalls.map((c) => c.InvalidationBatch?.CallerReference);
    expect(references).toHaveLength(2);
    expect(references[0]).toBe(references[1]);
    expect(h.cloudFront.invalidations).toHaveLength(1);
    // The job already had its result: the second answer is refused and that is accepted.
    expect(second.report).toBe("already-answered");
    expect(h.codePipeline.accepted.size).toBe(1);
  });

  it("a duplicate delivery of a continuation job repeats no batch", async () => {
    const h = harness({ readJobInput: withPaths(pages(3001)) });
    h.cloudFront.limits = REAL_LIMITS;
    const first = newJobId();
    const userParameters = params({ wait: true });
    await h.handler(codePipelineEvent({ jobId: first, userParameters }));
    h.cloudFront.completeAll();
    const continuation = codePipelineEvent({
      userParameters,
      continuationToken: onlyResult(h, first).input.continuationToken,
    });
    await h.handler(continuation);
    await h.handler(continuation);
    expect(h.cloudFront.invalidations).toHaveLength(2);
  });

  it("retries a PutJob call that fails transiently, with the injected clock, and reports once", async () => {
    const h = harness();
    h.codePipeline.failures.push(awsError("InternalServiceError", 500), awsError("ThrottlingException", 400));
    const jobId = newJobId();
    const outcome = await h.handler(codePipelineEvent({ jobId, userParameters: params({}) }));
    expect(outcome.report).toBe("reported");
    expect(h.codePipeline.calls.map((c) => c.operation)).toEqual([
      "PutJobSuccessResult",
      "PutJobSuccessResult",
      "PutJobSuccessResult",
    ]);
    expect(h.codePipeline.accepted.size).toBe(1);
    expect(h.clock.sleeps).toEqual([1000, 2000]);
  });

  it("gives up on a PutJob call that keeps failing, after bounded attempts, without throwing", async () => {
    const h = harness();
    for (let i = 0; i < 10; i++) h.codePipeline.failures.push(awsError("InternalServiceError", 500));
    const jobId = newJobId();
    await expect(h.handler(codePipelineEvent({ jobId, userParameters: params({}) }))).resolves.toMatchObject({
      report: "not-reported",
    });
    expect(h.codePipeline.calls).toHaveLength(4);
    expect(h.logLines.some((l) => JSON.parse(l).message.includes("could not be reported"))).toBe(true);
  });

  it("replaces a success CodePipeline refuses as invalid with a failure, so the job still gets a result", async () => {
    const h = harness();
    h.codePipeline.failures.push(awsError("ValidationException", 400));
    const jobId = newJobId();
    await h.handler(codePipelineEvent({ jobId, userParameters: params({}) }));
    expect(h.codePipeline.accepted.get(jobId)?.operation).toBe("PutJobFailureResult");
  });
});

/** An S3 REST origin for `bucket` with `originPath`, and optionally a cache-tag header. */
function distributionConfig(bucket: string, originPath: string, cacheTagHeader?: string): DistributionConfig {
  return {
    Origins: {
      Quantity: 1,
      Items: [{ Id: "site", DomainName: `${bucket}.s3.us-east-1.amazonaws.com`, OriginPath: originPath }],
    },
    DefaultCacheBehavior: { TargetOriginId: "site" },
    ...(cacheTagHeader === undefined ? {} : { CacheTagConfig: { HeaderName: cacheTagHeader } }),
  } as DistributionConfig;
}

describe("handler: what the distribution tells (issue 17)", () => {
  const syncLog: ReadJobInput = async () => ({
    changes: {
      kind: "log",
      bytes: Buffer.from("upload: public/index.html to s3://site-bucket/prod/index.html\n"),
      source: "the sync log",
    },
  });

  it("maps a sync log's keys with the origin path of the bucket that was synced, when s3Prefix is not set", async () => {
    const h = harness({ readJobInput: syncLog });
    h.cloudFront.mock
      .on(GetDistributionConfigCommand)
      .resolves({ DistributionConfig: distributionConfig("site-bucket", "/prod") });
    const jobId = newJobId();
    await h.handler(codePipelineEvent({ jobId, userParameters: params({}) }));
    expect(h.cloudFront.mock.commandCalls(GetDistributionConfigCommand)[0]?.args[0].input).toEqual({
      Id: DISTRIBUTION,
    });
    expect(h.cloudFront.invalidations.map((i) => i.paths)).toEqual([["/", "/index.html"]]);
    expect(onlyResult(h, jobId).operation).toBe("PutJobSuccessResult");
  });

  it("names the distribution by its domain, and reports the id it resolved to", async () => {
    const h = harness();
    h.cloudFront.mock.on(ListDistributionsCommand).resolves({
      DistributionList: {
        IsTruncated: false,
        Items: [
          {
            Id: DISTRIBUTION,
            DomainName: "d111111abcdef8.cloudfront.net",
            Aliases: { Quantity: 1, Items: ["www.example.com"] },
          },
        ],
      },
    } as never);
    const jobId = newJobId();
    await h.handler(
      codePipelineEvent({ jobId, userParameters: JSON.stringify({ distributionId: "WWW.Example.com" }) }),
    );
    expect(h.cloudFront.invalidations.map((i) => i.distributionId)).toEqual([DISTRIBUTION]);
    expect(onlyResult(h, jobId).input.outputVariables.DistributionIds).toBe(DISTRIBUTION);
  });

  it("fails a domain no distribution has as ConfigurationError naming the key and the name", async () => {
    const h = harness();
    h.cloudFront.mock
      .on(ListDistributionsCommand)
      .resolves({ DistributionList: { IsTruncated: false, Items: [] } } as never);
    const jobId = newJobId();
    await h.handler(
      codePipelineEvent({ jobId, userParameters: JSON.stringify({ distributionId: "www.example.com" }) }),
    );
    const result = onlyResult(h, jobId);
    expect(result.input.failureDetails.type).toBe("ConfigurationError");
    expect(result.input.failureDetails.message).toMatch(/UserParameters\.distributionId.*www\.example\.com/s);
    expect(h.cloudFront.invalidations).toHaveLength(0);
  });

  it("sends cache tags with the paths on a distribution with a CacheTagConfig", async () => {
    const h = harness();
    h.cloudFront.mock
      .on(GetDistributionConfigCommand)
      .resolves({ DistributionConfig: distributionConfig("site-bucket", "", "x-amz-meta-cache-tag") });
    const jobId = newJobId();
    await h.handler(
      codePipelineEvent({
        jobId,
        userParameters: params({ paths: ["/index.html"], cacheTags: ["Product:TV", "#blog"] }),
      }),
    );
    expect(h.cloudFront.invalidations.map((i) => [...i.paths].sort())).toEqual([
      ["#blog", "#product:tv", "/index.html"],
    ]);
    expect(onlyResult(h, jobId).input.outputVariables.PathCount).toBe("3");
  });

  it("refuses cache tags on a distribution without CacheTagConfig, naming UserParameters.cacheTags", async () => {
    const h = harness();
    h.cloudFront.mock
      .on(GetDistributionConfigCommand)
      .resolves({ DistributionConfig: distributionConfig("site-bucket", "") });
    const jobId = newJobId();
    await h.handler(codePipelineEvent({ jobId, userParameters: params({ cacheTags: ["blog"] }) }));
    const result = onlyResult(h, jobId);
    expect(result.input.failureDetails.type).toBe("ConfigurationError");
    expect(result.input.failureDetails.message).toMatch(/UserParameters\.cacheTags.*CacheTagConfig/);
    expect(h.cloudFront.invalidations).toHaveLength(0);
  });

  it("invalidates a distribution tenant through the tenant API, not its distribution", async () => {
    const h = harness({ env: { ...TOKEN_ENV, CLOUDFRONT_DISTRIBUTION_ID: DISTRIBUTION } });
    h.cloudFront.mock.on(GetDistributionTenantCommand).resolves({
      DistributionTenant: { Id: "dt_2abcTENANT", DistributionId: DISTRIBUTION, Name: "shop", Domains: [] },
    } as never);
    h.cloudFront.mock.on(CreateInvalidationForDistributionTenantCommand).resolves({
      Invalidation: {
        Id: "ITENANT000001",
        Status: "Completed",
        CreateTime: new Date(),
        InvalidationBatch: { CallerReference: "x", Paths: { Quantity: 1, Items: ["/*"] } },
      },
    });
    const jobId = newJobId();
    await h.handler(codePipelineEvent({ jobId, userParameters: JSON.stringify({ tenant: "dt_2abcTENANT" }) }));
    expect(h.cloudFront.invalidations).toHaveLength(0);
    const calls = h.cloudFront.mock.commandCalls(CreateInvalidationForDistributionTenantCommand);
    expect(calls.map((c) => c.args[0].input.Id)).toEqual(["dt_2abcTENANT"]);
    const result = onlyResult(h, jobId);
    expect(result.operation).toBe("PutJobSuccessResult");
    expect(result.input.outputVariables).toEqual({
      InvalidationIds: "ITENANT000001",
      DistributionIds: "dt_2abcTENANT",
      PathCount: "1",
    });
  });
});
