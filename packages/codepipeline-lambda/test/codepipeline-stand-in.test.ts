// The stand-in must behave like CodePipeline where the handler depends on it, or the e2e test
// would prove nothing: talk to it with the real SDK client.
import {
  CodePipelineClient,
  InvalidJobStateException,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
  ValidationException,
} from "@aws-sdk/client-codepipeline";
import { type CodePipelineStandIn, startCodePipelineStandIn } from "test-utils";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { newJobId } from "./fakes.js";

describe("CodePipeline stand-in", () => {
  let standIn: CodePipelineStandIn;
  let client: CodePipelineClient;

  beforeAll(async () => {
    standIn = await startCodePipelineStandIn();
    client = new CodePipelineClient({
      region: "us-east-1",
      endpoint: standIn.endpoint,
      credentials: { accessKeyId: "AKIAFAKEFORTESTS0001", secretAccessKey: "x" },
      maxAttempts: 1,
    });
  }, 60_000);
  afterAll(async () => standIn.stop(), 30_000);
  beforeEach(() => standIn.reset());

  it("accepts one result per job and refuses a second with InvalidJobStateException", async () => {
    const jobId = newJobId();
    await client.send(new PutJobSuccessResultCommand({ jobId, executionDetails: { summary: "ok" } }));
    await expect(
      client.send(new PutJobFailureResultCommand({ jobId, failureDetails: { type: "JobFailed", message: "late" } })),
    ).rejects.toBeInstanceOf(InvalidJobStateException);
    expect(standIn.results.get(jobId)?.operation).toBe("PutJobSuccessResult");
    expect(standIn.calls.map((c) => c.status)).toEqual([200, 400]);
  });

  it.each([
    ["output variables with a continuation token", { continuationToken: "t", outputVariables: { A: "1" } }],
    ["a token over 2,048 characters", { continuationToken: "t".repeat(2049) }],
    ["a summary over 2,048 characters", { executionDetails: { summary: "s".repeat(2049) } }],
    ["percentComplete over 100", { continuationToken: "t", executionDetails: { summary: "s", percentComplete: 101 } }],
  ])("refuses %s with ValidationException, like the service", async (_name, fields) => {
    await expect(client.send(new PutJobSuccessResultCommand({ jobId: newJobId(), ...fields }))).rejects.toBeInstanceOf(
      ValidationException,
    );
    expect(standIn.results.size).toBe(0);
  });

  it("fails the next calls as told, then serves again", async () => {
    standIn.failNext(1, { type: "InvalidJobStateException" });
    const jobId = newJobId();
    const send = () => client.send(new PutJobSuccessResultCommand({ jobId, executionDetails: { summary: "ok" } }));
    await expect(send()).rejects.toBeInstanceOf(InvalidJobStateException);
    standIn.failNext(1);
    await expect(send()).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
    await send();
    expect(standIn.calls.map((c) => c.status)).toEqual([400, 500, 200]);
  });
});
