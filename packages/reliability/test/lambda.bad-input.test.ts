// Malformed UserParameters, continuation tokens and events through the Lambda's dist handler.
// Each job must get exactly one failure result with CodePipeline's ConfigurationError type and a
// message naming the problem, before any CloudFront call; the handler never throws.
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import { type CodePipelineStandIn, startCodePipelineStandIn, TEST_CREDENTIALS } from "test-utils";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Endpoint, startAccessDenied } from "./support/fake-endpoints.ts";
import { codePipelineEvent, type Handler, LAMBDA_DIST, TOKEN_KEY } from "./support/lambda.ts";
import { STACK_LINE } from "./support/processes.ts";

let standIn: CodePipelineStandIn;
let recorder: Endpoint;
let handler: Handler;
let logs: string[] = [];

beforeAll(async () => {
  [standIn, recorder] = await Promise.all([startCodePipelineStandIn(), startAccessDenied()]);
  Object.assign(process.env, {
    ...TEST_CREDENTIALS,
    AWS_REGION: "eu-west-1",
    AWS_ENDPOINT_URL_CLOUDFRONT: recorder.endpoint,
    AWS_ENDPOINT_URL_CODEPIPELINE: standIn.endpoint,
    ...TOKEN_KEY,
  });
  delete process.env.CLOUDFRONT_DISTRIBUTION_ID;
  handler = ((await import(/* @vite-ignore */ pathToFileURL(LAMBDA_DIST).href)) as { handler: Handler }).handler;
}, 60_000);
afterAll(async () => {
  await Promise.all([standIn?.stop(), recorder?.stop()]);
}, 30_000);
beforeEach(() => {
  standIn.reset();
  logs = [];
});

async function invoke(event: unknown): Promise<unknown> {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    logs.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    return await handler(event, { functionName: "site-invalidator" });
  } finally {
    process.stdout.write = write;
  }
}

async function expectConfigurationFailure(event: unknown, message: RegExp, type = "ConfigurationError") {
  const jobId = (event as { "CodePipeline.job": { id: string } })["CodePipeline.job"].id;
  await expect(invoke(event)).resolves.toBeDefined();
  expect(standIn.calls.map((c) => [c.operation, c.status])).toEqual([["PutJobFailureResult", 200]]);
  const details = standIn.results.get(jobId)?.body.failureDetails as { type: string; message: string };
  expect(details.type).toBe(type);
  expect(details.message).toMatch(message);
  expect(details.message).not.toMatch(STACK_LINE);
  expect(recorder.requests).toBe(0);
}

// As deep as CodePipeline's 1,000-character limit on UserParameters allows. (Far deeper, such as
// 100,000 levels, makes the message's JSON.stringify overflow the stack and the job fails as
// JobFailed instead of ConfigurationError; CodePipeline cannot deliver such a value.)
const deepJson = `${"[".repeat(500)}${"]".repeat(500)}`;

describe("UserParameters: each malformed one fails the job as ConfigurationError, naming the problem", () => {
  const cases: [string, string, RegExp][] = [
    ["not JSON", "distributionId=E2QWRUHAPOMQZL", /not valid JSON/],
    ["truncated JSON", '{"distributionId":"E2QWRUHAPOMQZL","paths":["/a', /not valid JSON/],
    ["an array", '["/*"]', /JSON object/],
    ["a number", "42", /JSON object/],
    ["null", "null", /JSON object/],
    ["a string", '"E2QWRUHAPOMQZL"', /JSON object/],
    ["a typo in a key", '{"distributionID":"E2QWRUHAPOMQZL"}', /unknown key "distributionID"/],
    ["a __proto__ key", '{"__proto__":{"wait":true},"distributionId":"E2QWRUHAPOMQZL"}', /__proto__/],
    ["an id of the wrong type", '{"distributionId":123}', /distributionId/],
    ["a lower-case id", '{"distributionId":"e2qwruhapomqzl"}', /E2QWRUHAPOMQZL/],
    ["both id keys", '{"distributionId":"E2QWRUHAPOMQZL","distributionIds":["E1A2B3C4D5E6F7"]}', /distributionIds?/],
    ["paths as a string", '{"distributionId":"E2QWRUHAPOMQZL","paths":"/*"}', /paths/],
    ["no paths in the list", '{"distributionId":"E2QWRUHAPOMQZL","paths":[]}', /at least one path/],
    ["a path without a slash", '{"distributionId":"E2QWRUHAPOMQZL","paths":["index.html"]}', /"\/index\.html"/],
    ["a cache-tag path", '{"distributionId":"E2QWRUHAPOMQZL","paths":["#tag"]}', /cache tag/],
    ["a zero timeout", '{"distributionId":"E2QWRUHAPOMQZL","waitTimeoutMinutes":0}', /waitTimeoutMinutes/],
    ["a timeout past 24 hours", '{"distributionId":"E2QWRUHAPOMQZL","waitTimeoutMinutes":2000}', /waitTimeoutMinutes/],
    ["a timeout as a string", '{"distributionId":"E2QWRUHAPOMQZL","waitTimeoutMinutes":"30"}', /waitTimeoutMinutes/],
    ["a fractional maxPaths", '{"distributionId":"E2QWRUHAPOMQZL","maxPaths":1.5}', /maxPaths/],
    ["maxPaths 0", '{"distributionId":"E2QWRUHAPOMQZL","maxPaths":0}', /maxPaths/],
    ["wait as a string", '{"distributionId":"E2QWRUHAPOMQZL","wait":"true"}', /wait/],
    ["JSON nested 500 deep (1,000 characters)", deepJson, /JSON object/],
  ];
  it.each(cases)("%s", async (_name, userParameters, message) => {
    await expectConfigurationFailure(codePipelineEvent(randomUUID(), userParameters), message);
  });

  it("no UserParameters and no CLOUDFRONT_DISTRIBUTION_ID: says which to set", async () => {
    await expectConfigurationFailure(codePipelineEvent(randomUUID(), undefined), /CLOUDFRONT_DISTRIBUTION_ID/);
  });
});

describe("continuation tokens and events that are not what they claim", () => {
  it.each([
    ["garbage", "not-a-token"],
    ["empty JSON", "{}"],
    ["a huge one", "x".repeat(100_000)],
  ])("a %s continuation token fails the job once, without a crash", async (_name, token) => {
    const jobId = randomUUID();
    await invoke(codePipelineEvent(jobId, '{"distributionId":"E2QWRUHAPOMQZL","paths":["/*"]}', token));
    expect(standIn.calls.map((c) => c.operation)).toEqual(["PutJobFailureResult"]);
    const details = standIn.results.get(jobId)?.body.failureDetails as { type: string; message: string };
    expect(details.message).not.toMatch(STACK_LINE);
    expect(details.message.length).toBeGreaterThan(10);
    expect(recorder.requests).toBe(0);
  });

  it.each([
    ["null", null],
    ["an empty object", {}],
    ["a job without an id", { "CodePipeline.job": { data: {} } }],
    ["an S3 event", { Records: [{ eventSource: "aws:s3" }] }],
  ])("%s as the event is ignored, without a throw or a result", async (_name, event) => {
    await expect(invoke(event)).resolves.toMatchObject({ result: "not-a-job" });
    expect(standIn.calls).toEqual([]);
    expect(logs.join("")).not.toMatch(STACK_LINE);
  });
});
