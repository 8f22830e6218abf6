import {
  AccessDenied,
  CloudFrontClient,
  CloudFrontServiceException,
  CreateInvalidationCommand,
  type CreateInvalidationCommandInput,
  GetInvalidationCommand,
  ListInvalidationsCommand,
  NoSuchDistribution,
  TooManyInvalidationsInProgress,
} from "@aws-sdk/client-cloudfront";
import { mockClient } from "aws-sdk-client-mock";
import { fakeClock } from "test-utils";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createCloudFrontClient,
  getInvalidationStatuses,
  normalizeStatus,
  type SendEvent,
  submitBatches,
} from "../src/cloudfront.js";
import { ConfigurationError, DeadlineExceededError, PermissionError, TransientError } from "../src/errors.js";
import { invalidate } from "../src/send-engine.js";

const meta = { $metadata: { httpStatusCode: 400 } };
const tooMany = () =>
  new TooManyInvalidationsInProgress({ message: "Your request contains too many invalidations.", ...meta });

// CloudFront's answer to CreateInvalidation: the new invalidation, echoing the batch it was given.
let nextId = 0;
function created(input: CreateInvalidationCommandInput, status = "InProgress") {
  nextId += 1;
  return {
    Location: `https://cloudfront.amazonaws.com/2020-05-31/distribution/${input.DistributionId}/invalidation/I${nextId}`,
    Invalidation: {
      Id: `I${nextId}`,
      Status: status,
      CreateTime: new Date(0),
      InvalidationBatch: input.InvalidationBatch,
    },
  };
}

const client = new CloudFrontClient({
  region: "us-east-1",
  credentials: { accessKeyId: "AKIAUNITTEST", secretAccessKey: "unit-test-secret" },
});
const cf = mockClient(client);

beforeEach(() => {
  cf.reset();
  nextId = 0;
});

function createInputs() {
  return cf.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input);
}

describe("createCloudFrontClient", () => {
  const saved = { region: process.env.AWS_REGION };
  afterEach(() => {
    if (saved.region === undefined) delete process.env.AWS_REGION;
    else process.env.AWS_REGION = saved.region;
  });

  it("signs in us-east-1 even when AWS_REGION names another region", async () => {
    process.env.AWS_REGION = "eu-west-1";
    const cloudFront = createCloudFrontClient();
    expect(await cloudFront.config.region()).toBe("us-east-1");
  });

  it("uses the standard retry strategy with the given number of attempts, 3 by default", async () => {
    expect(await createCloudFrontClient().config.maxAttempts()).toBe(3);
    const five = createCloudFrontClient({ maxAttempts: 5 });
    expect(await five.config.maxAttempts()).toBe(5);
    const strategy = await five.config.retryStrategy();
    expect("mode" in strategy ? strategy.mode : undefined).toBe("standard");
  });

  it("refuses a number of attempts below one as a configuration error", () => {
    expect(() => createCloudFrontClient({ maxAttempts: 0 })).toThrow(ConfigurationError);
    expect(() => createCloudFrontClient({ maxAttempts: 1.5 })).toThrow(/maxAttempts/);
  });
});

describe("normalizeStatus", () => {
  it("maps every spelling of completed to Completed and anything else to InProgress", () => {
    expect(["Completed", "COMPLETED", "completed"].map(normalizeStatus)).toEqual([
      "Completed",
      "Completed",
      "Completed",
    ]);
    expect(["InProgress", "IN_PROGRESS", "INPROGRESS", "", undefined].map(normalizeStatus)).toEqual(
      Array(5).fill("InProgress"),
    );
  });
});

describe("submitBatches", () => {
  it("sends the batches from fromBatch in order, each with its paths and caller reference", async () => {
    cf.on(CreateInvalidationCommand).callsFake((input) => created(input, "COMPLETED"));
    const result = await submitBatches({
      client,
      distributionId: "EDIST1",
      batches: [["/skipped"], ["/a", "/b"], ["/c/*"]],
      fromBatch: 1,
      callerReference: (i) => `ref-${i}`,
    });
    expect(createInputs()).toEqual([
      {
        DistributionId: "EDIST1",
        InvalidationBatch: { CallerReference: "ref-1", Paths: { Quantity: 2, Items: ["/a", "/b"] } },
      },
      {
        DistributionId: "EDIST1",
        InvalidationBatch: { CallerReference: "ref-2", Paths: { Quantity: 1, Items: ["/c/*"] } },
      },
    ]);
    expect(result).toEqual({
      busy: false,
      nextBatch: 3,
      created: [
        {
          distributionId: "EDIST1",
          id: "I1",
          status: "Completed",
          paths: ["/a", "/b"],
          callerReference: "ref-1",
          batchIndex: 1,
        },
        {
          distributionId: "EDIST1",
          id: "I2",
          status: "Completed",
          paths: ["/c/*"],
          callerReference: "ref-2",
          batchIndex: 2,
        },
      ],
    });
  });

  it("stops at the first TooManyInvalidationsInProgress and says which batch is next", async () => {
    cf.on(CreateInvalidationCommand)
      .callsFakeOnce((input) => created(input))
      .rejectsOnce(tooMany());
    const result = await submitBatches({
      client,
      distributionId: "EDIST1",
      batches: [["/a"], ["/b"], ["/c"]],
      fromBatch: 0,
      callerReference: (i) => `ref-${i}`,
    });
    expect(result.busy).toBe(true);
    expect(result.nextBatch).toBe(1);
    expect(result.created.map((c) => c.batchIndex)).toEqual([0]);
    // The third batch was not tried: batches go in order.
    expect(createInputs()).toHaveLength(2);
  });

  it("turns InvalidationBatchAlreadyExists into a configuration error naming the caller reference", async () => {
    // Not a modeled error in the SDK: it arrives as a generic service exception with that name.
    cf.on(CreateInvalidationCommand).rejects(
      new CloudFrontServiceException({
        name: "InvalidationBatchAlreadyExists",
        $fault: "client",
        message: "Invalidation batch specified already exists.",
        ...meta,
      }),
    );
    const sent = submitBatches({
      client,
      distributionId: "EDIST1",
      batches: [["/a"]],
      fromBatch: 0,
      callerReference: () => "deploy-7",
    });
    await expect(sent).rejects.toBeInstanceOf(ConfigurationError);
    await expect(sent).rejects.toThrow(/"deploy-7" was already used.*other paths/);
  });

  it("throws NoSuchDistribution as a configuration error naming the distribution", async () => {
    cf.on(CreateInvalidationCommand).rejects(
      new NoSuchDistribution({
        message: "The specified distribution does not exist.",
        $metadata: { httpStatusCode: 404 },
      }),
    );
    const sent = submitBatches({
      client,
      distributionId: "EBAD",
      batches: [["/a"]],
      fromBatch: 0,
      callerReference: () => "r",
    });
    await expect(sent).rejects.toBeInstanceOf(ConfigurationError);
    await expect(sent).rejects.toThrow(/CreateInvalidation on EBAD failed: NoSuchDistribution/);
  });

  it("throws throttling left over after the SDK's retries as a transient error", async () => {
    cf.on(CreateInvalidationCommand).rejects(
      new CloudFrontServiceException({ name: "Throttling", $fault: "client", message: "Rate exceeded", ...meta }),
    );
    const sent = submitBatches({
      client,
      distributionId: "E1",
      batches: [["/a"]],
      fromBatch: 0,
      callerReference: () => "r",
    });
    await expect(sent).rejects.toBeInstanceOf(TransientError);
  });

  it("refuses a fromBatch outside the plan", async () => {
    const sent = submitBatches({
      client,
      distributionId: "E1",
      batches: [["/a"]],
      fromBatch: 2,
      callerReference: () => "r",
    });
    await expect(sent).rejects.toBeInstanceOf(ConfigurationError);
    expect(createInputs()).toHaveLength(0);
  });
});

describe("getInvalidationStatuses", () => {
  it("asks once per invalidation and normalizes the status", async () => {
    cf.on(GetInvalidationCommand, { Id: "I1" })
      .resolves({
        Invalidation: { Id: "I1", Status: "COMPLETED", CreateTime: new Date(0), InvalidationBatch: undefined },
      })
      .on(GetInvalidationCommand, { Id: "I2" })
      .resolves({
        Invalidation: { Id: "I2", Status: "InProgress", CreateTime: new Date(0), InvalidationBatch: undefined },
      });
    const statuses = await getInvalidationStatuses(client, [
      { distributionId: "E1", id: "I1" },
      { distributionId: "E2", id: "I2" },
    ]);
    expect(statuses).toEqual([
      { distributionId: "E1", id: "I1", status: "Completed" },
      { distributionId: "E2", id: "I2", status: "InProgress" },
    ]);
    expect(cf.commandCalls(GetInvalidationCommand).map((c) => c.args[0].input)).toEqual([
      { DistributionId: "E1", Id: "I1" },
      { DistributionId: "E2", Id: "I2" },
    ]);
  });

  it("throws AccessDenied as a permission error", async () => {
    cf.on(GetInvalidationCommand).rejects(
      new AccessDenied({ message: "User is not authorized", $metadata: { httpStatusCode: 403 } }),
    );
    await expect(getInvalidationStatuses(client, [{ distributionId: "E1", id: "I1" }])).rejects.toBeInstanceOf(
      PermissionError,
    );
  });

  it("throws a 5xx as a transient error", async () => {
    cf.on(GetInvalidationCommand).rejects(
      new CloudFrontServiceException({
        name: "ServiceUnavailable",
        $fault: "server",
        message: "try later",
        $metadata: { httpStatusCode: 503 },
      }),
    );
    await expect(getInvalidationStatuses(client, [{ distributionId: "E1", id: "I1" }])).rejects.toBeInstanceOf(
      TransientError,
    );
  });
});

describe("invalidate", () => {
  const timing = { slotRetryMs: 10_000, maxSlotRetryMs: 60_000, pollIntervalMs: 5_000, maxPollIntervalMs: 30_000 };

  it("creates every batch on every distribution, with one caller reference per (distribution, batch)", async () => {
    cf.on(CreateInvalidationCommand).callsFake((input) => created(input));
    const clock = fakeClock();
    const events: SendEvent[] = [];
    const result = await invalidate({
      client,
      distributionIds: ["EA", "EB"],
      batches: [["/a"], ["/b/*"]],
      callerReference: (d, i) => `run-1:${d}:${i}`,
      wait: false,
      deadline: clock.now() + 60_000,
      clock,
      timing,
      onEvent: (e) => events.push(e),
    });
    expect(
      createInputs().map((i) => [
        i.DistributionId,
        i.InvalidationBatch?.CallerReference,
        i.InvalidationBatch?.Paths?.Items,
      ]),
    ).toEqual([
      ["EA", "run-1:EA:0", ["/a"]],
      ["EA", "run-1:EA:1", ["/b/*"]],
      ["EB", "run-1:EB:0", ["/a"]],
      ["EB", "run-1:EB:1", ["/b/*"]],
    ]);
    expect(result.completed).toBe(false);
    expect(result.invalidations.map((i) => i.id)).toEqual(["I1", "I2", "I3", "I4"]);
    expect(events.map((e) => e.type)).toEqual(["created", "created", "created", "created"]);
    // Without wait, nothing polls and nothing sleeps.
    expect(cf.commandCalls(GetInvalidationCommand)).toHaveLength(0);
    expect(clock.slept).toEqual([]);
  });

  it("waits with growing delays while a distribution is busy, then sends the rest", async () => {
    cf.on(CreateInvalidationCommand)
      .callsFakeOnce((input) => created(input))
      .rejectsOnce(tooMany())
      .rejectsOnce(tooMany())
      .callsFake((input) => created(input));
    const clock = fakeClock();
    const events: SendEvent[] = [];
    const result = await invalidate({
      client,
      distributionIds: ["EA"],
      batches: [["/a"], ["/b"]],
      callerReference: (d, i) => `r:${d}:${i}`,
      wait: false,
      deadline: clock.now() + 600_000,
      clock,
      timing,
      onEvent: (e) => events.push(e),
    });
    expect(result.invalidations.map((i) => i.batchIndex)).toEqual([0, 1]);
    expect(clock.slept).toEqual([10_000, 20_000]);
    expect(events.filter((e) => e.type === "waiting-for-slot")).toEqual([
      { type: "waiting-for-slot", distributionId: "EA", batchIndex: 1, retryInMs: 10_000 },
      { type: "waiting-for-slot", distributionId: "EA", batchIndex: 1, retryInMs: 20_000 },
    ]);
    // The retried batch keeps its caller reference, so a retry can never create a duplicate.
    expect(createInputs().map((i) => i.InvalidationBatch?.CallerReference)).toEqual([
      "r:EA:0",
      "r:EA:1",
      "r:EA:1",
      "r:EA:1",
    ]);
  });

  it("keeps sending to other distributions while one is busy", async () => {
    cf.on(CreateInvalidationCommand, { DistributionId: "EA" })
      .rejectsOnce(tooMany())
      .callsFake((input) => created(input))
      .on(CreateInvalidationCommand, { DistributionId: "EB" })
      .callsFake((input) => created(input));
    const clock = fakeClock();
    await invalidate({
      client,
      distributionIds: ["EA", "EB"],
      batches: [["/a"]],
      callerReference: (d, i) => `r:${d}:${i}`,
      wait: false,
      deadline: clock.now() + 600_000,
      clock,
      timing,
    });
    expect(createInputs().map((i) => i.DistributionId)).toEqual(["EA", "EB", "EA"]);
    expect(clock.slept).toEqual([10_000]);
  });

  it("stops at the deadline while busy, reporting what was created and what is unsent", async () => {
    cf.on(CreateInvalidationCommand)
      .callsFakeOnce((input) => created(input))
      .rejects(tooMany());
    const clock = fakeClock();
    const deadline = clock.now() + 25_000;
    const error = await invalidate({
      client,
      distributionIds: ["EA"],
      batches: [["/a"], ["/b"], ["/c"]],
      callerReference: (d, i) => `r:${d}:${i}`,
      wait: true,
      deadline,
      clock,
      timing,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    const deadlineError = error as DeadlineExceededError;
    expect(deadlineError.kind).toBe("timeout");
    expect(deadlineError.message).toMatch(/created I1 on EA \(batch 0\)/);
    expect(deadlineError.message).toMatch(/2 batch\(es\) still unsent: EA batch 1, EA batch 2/);
    expect(deadlineError.invalidations.map((i) => i.id)).toEqual(["I1"]);
    expect(deadlineError.unsent).toEqual([
      { distributionId: "EA", batchIndex: 1, paths: ["/b"] },
      { distributionId: "EA", batchIndex: 2, paths: ["/c"] },
    ]);
    // 10 s, then the 15 s left (not the 20 s of the backoff): never sleeps past the deadline, and
    // uses the last moment for one more try before giving up.
    expect(clock.slept).toEqual([10_000, 15_000]);
    expect(clock.now()).toBe(deadline);
    expect(createInputs()).toHaveLength(4);
  });

  it("polls until every invalidation completes, with progress and a growing, capped interval", async () => {
    cf.on(CreateInvalidationCommand).callsFake((input) => created(input));
    // I1 completes on the 2nd poll, I2 on the 5th; each poll asks only for what is still running.
    let polls = 0;
    cf.on(GetInvalidationCommand).callsFake((input: { Id: string }) => {
      polls += 1;
      const done = input.Id === "I1" ? polls >= 3 : polls >= 6;
      return { Invalidation: { Id: input.Id, Status: done ? "Completed" : "InProgress", CreateTime: new Date(0) } };
    });
    const clock = fakeClock();
    const events: SendEvent[] = [];
    const result = await invalidate({
      client,
      distributionIds: ["EA", "EB"],
      batches: [["/a"]],
      callerReference: (d, i) => `r:${d}:${i}`,
      wait: true,
      deadline: clock.now() + 600_000,
      clock,
      timing: { ...timing, maxPollIntervalMs: 12_000 },
      onEvent: (e) => events.push(e),
    });
    expect(result.completed).toBe(true);
    expect(result.invalidations.map((i) => i.status)).toEqual(["Completed", "Completed"]);
    expect(clock.slept).toEqual([5_000, 7_500, 11_250, 12_000]);
    expect(cf.commandCalls(GetInvalidationCommand).map((c) => c.args[0].input.Id)).toEqual([
      "I1",
      "I2",
      "I1",
      "I2",
      "I2",
      "I2",
    ]);
    expect(events.filter((e) => e.type === "progress")).toEqual([
      { type: "progress", completed: 0, total: 2, elapsedMs: 0 },
      { type: "progress", completed: 0, total: 2, elapsedMs: 5_000 },
      { type: "progress", completed: 1, total: 2, elapsedMs: 12_500 },
      { type: "progress", completed: 1, total: 2, elapsedMs: 23_750 },
      { type: "progress", completed: 2, total: 2, elapsedMs: 35_750 },
    ]);
  });

  it("does not poll when CloudFront already answered Completed", async () => {
    cf.on(CreateInvalidationCommand).callsFake((input) => created(input, "COMPLETED"));
    const clock = fakeClock();
    const result = await invalidate({
      client,
      distributionIds: ["EA"],
      batches: [["/a"]],
      callerReference: () => "r",
      wait: true,
      deadline: clock.now() + 1,
      clock,
    });
    expect(result.completed).toBe(true);
    expect(cf.commandCalls(GetInvalidationCommand)).toHaveLength(0);
  });

  it("stops waiting at the deadline and lists the invalidations still in progress", async () => {
    cf.on(CreateInvalidationCommand).callsFake((input) => created(input));
    cf.on(GetInvalidationCommand).resolves({
      Invalidation: { Id: "x", Status: "InProgress", CreateTime: new Date(0), InvalidationBatch: undefined },
    });
    const clock = fakeClock();
    const deadline = clock.now() + 20_000;
    const error = await invalidate({
      client,
      distributionIds: ["EA", "EB"],
      batches: [["/a"]],
      callerReference: (d, i) => `r:${d}:${i}`,
      wait: true,
      deadline,
      clock,
      timing,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as Error).message).toMatch(
      /2 of 2 invalidation\(s\) completed: I1 on EA, I2 on EB still in progress/,
    );
    expect((error as DeadlineExceededError).invalidations.map((i) => i.id)).toEqual(["I1", "I2"]);
    expect(clock.now()).toBe(deadline);
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBe(20_000);
  });

  it("stops at once on AccessDenied while waiting instead of polling on", async () => {
    cf.on(CreateInvalidationCommand).callsFake((input) => created(input));
    cf.on(GetInvalidationCommand).rejects(
      new AccessDenied({
        message: "not authorized to perform cloudfront:GetInvalidation",
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const clock = fakeClock();
    const sent = invalidate({
      client,
      distributionIds: ["EA"],
      batches: [["/a"]],
      callerReference: () => "r",
      wait: true,
      deadline: clock.now() + 600_000,
      clock,
      timing,
    });
    await expect(sent).rejects.toBeInstanceOf(PermissionError);
    await expect(sent).rejects.toThrow(/GetInvalidation I1 on EA failed: AccessDenied/);
    expect(cf.commandCalls(GetInvalidationCommand)).toHaveLength(1);
    expect(clock.slept).toEqual([5_000]);
  });

  it("polls again after a transient error while waiting", async () => {
    cf.on(CreateInvalidationCommand).callsFake((input) => created(input));
    cf.on(GetInvalidationCommand)
      .rejectsOnce(
        new CloudFrontServiceException({ name: "Throttling", $fault: "client", message: "Rate exceeded", ...meta }),
      )
      .resolves({
        Invalidation: { Id: "I1", Status: "Completed", CreateTime: new Date(0), InvalidationBatch: undefined },
      });
    const clock = fakeClock();
    const result = await invalidate({
      client,
      distributionIds: ["EA"],
      batches: [["/a"]],
      callerReference: () => "r",
      wait: true,
      deadline: clock.now() + 600_000,
      clock,
      timing,
    });
    expect(result.completed).toBe(true);
    expect(cf.commandCalls(GetInvalidationCommand)).toHaveLength(2);
  });

  it("ends at once on NoSuchDistribution without trying later distributions or waiting", async () => {
    cf.on(CreateInvalidationCommand, { DistributionId: "EBAD" }).rejects(
      new NoSuchDistribution({
        message: "The specified distribution does not exist.",
        $metadata: { httpStatusCode: 404 },
      }),
    );
    cf.on(CreateInvalidationCommand, { DistributionId: "EOK" }).callsFake((input) => created(input));
    const clock = fakeClock();
    const sent = invalidate({
      client,
      distributionIds: ["EBAD", "EOK"],
      batches: [["/a"]],
      callerReference: () => "r",
      wait: true,
      deadline: clock.now() + 600_000,
      clock,
      timing,
    });
    await expect(sent).rejects.toBeInstanceOf(ConfigurationError);
    expect(createInputs().map((i) => i.DistributionId)).toEqual(["EBAD"]);
    expect(clock.slept).toEqual([]);
  });
});

describe("invalidate: waiting for a free slot", () => {
  const batches = [["/a"], ["/b"]];
  const ref = (d: string, i: number) => `run-${d}-${i}`;

  it("lists the running invalidations and retries only once one of them has completed", async () => {
    const clock = fakeClock();
    cf.on(CreateInvalidationCommand)
      .callsFakeOnce((input) => created(input))
      .rejectsOnce(tooMany())
      .callsFake((input) => created(input));
    cf.on(ListInvalidationsCommand).resolves({
      InvalidationList: {
        Marker: "",
        MaxItems: 100,
        IsTruncated: false,
        Quantity: 2,
        Items: [
          { Id: "RUNNING", Status: "InProgress", CreateTime: new Date(0) },
          { Id: "OLD", Status: "Completed", CreateTime: new Date(0) },
        ],
      },
    });
    cf.on(GetInvalidationCommand, { Id: "RUNNING" })
      .resolvesOnce({
        Invalidation: { Id: "RUNNING", Status: "InProgress", CreateTime: new Date(0), InvalidationBatch: undefined },
      })
      .resolves({
        Invalidation: { Id: "RUNNING", Status: "Completed", CreateTime: new Date(0), InvalidationBatch: undefined },
      });

    const result = await invalidate({
      client,
      distributionIds: ["E1"],
      batches,
      callerReference: ref,
      wait: false,
      deadline: clock.now() + 600_000,
      clock,
      timing: { slotRetryMs: 1_000, maxSlotRetryMs: 4_000 },
    });

    expect(result.invalidations.map((i) => i.batchIndex)).toEqual([0, 1]);
    // Busy once, then no create until the running invalidation was seen completed.
    expect(createInputs()).toHaveLength(3);
    expect(cf.commandCalls(ListInvalidationsCommand)).toHaveLength(1);
    expect(cf.commandCalls(GetInvalidationCommand).map((c) => c.args[0].input.Id)).toEqual(["RUNNING", "RUNNING"]);
    expect(clock.slept).toEqual([1_000, 2_000]);
  });

  it("falls back to plain backoff when the role may not list invalidations", async () => {
    const clock = fakeClock();
    cf.on(CreateInvalidationCommand)
      .rejectsOnce(tooMany())
      .callsFake((input) => created(input));
    cf.on(ListInvalidationsCommand).rejects(new AccessDenied({ message: "not allowed", ...meta }));

    const result = await invalidate({
      client,
      distributionIds: ["E1"],
      batches,
      callerReference: ref,
      wait: false,
      deadline: clock.now() + 600_000,
      clock,
      timing: { slotRetryMs: 1_000 },
    });

    expect(result.invalidations).toHaveLength(2);
    expect(clock.slept).toEqual([1_000]);
    expect(cf.commandCalls(GetInvalidationCommand)).toHaveLength(0);
  });
});
