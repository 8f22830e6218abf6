import { CloudFrontClient, CreateInvalidationCommand, GetInvalidationCommand } from "@aws-sdk/client-cloudfront";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { advanceSending, type SendContext, type SendState, startSending } from "../src/send-engine.js";

// A carrier with room for a few ids (the Lambda's continuation token) must not stall a run that waits:
// when its room is full of running invalidations, the engine learns which completed so they can be left out.
describe("advanceSending with a size-limited carrier", () => {
  it("polls its own invalidations when it has no room left, so completed ones free room", async () => {
    const client = new CloudFrontClient({
      region: "us-east-1",
      credentials: { accessKeyId: "A", secretAccessKey: "B" },
    });
    const cf = mockClient(client);
    let next = 0;
    cf.on(CreateInvalidationCommand).callsFake(async (input) => ({
      Invalidation: {
        Id: `I${++next}`,
        Status: "InProgress",
        CreateTime: new Date(0),
        InvalidationBatch: input.InvalidationBatch,
      },
    }));
    cf.on(GetInvalidationCommand).callsFake(async (input) => ({
      Invalidation: { Id: input.Id, Status: "Completed", CreateTime: new Date(0) },
    }));
    const batches = [["/a"], ["/b"], ["/c"]];
    // Room for two running invalidations; completed ones do not count (the carrier drops them).
    const roomForIds = (state: SendState) =>
      2 - state.distributions.flatMap((d) => d.invalidations).filter((i) => !i.completed).length;
    const context: SendContext = {
      client,
      batches,
      callerReference: (d, i) => `ref-${d}-${i}`,
      clock: { now: () => 1000, sleep: async () => {} },
      roomForIds,
    };
    let state = startSending({ distributionIds: ["E1"], batches, wait: true, now: 1000, deadline: 100_000 });
    state = (await advanceSending(state, context)).state;
    expect(state.distributions[0]?.nextBatch).toBe(2);
    const round = await advanceSending(state, context);
    // The second round polled, saw both completed, and sent the last batch.
    expect(round.state.distributions[0]?.nextBatch).toBe(3);
    expect(cf.commandCalls(GetInvalidationCommand).length).toBeGreaterThan(0);
  });
});
