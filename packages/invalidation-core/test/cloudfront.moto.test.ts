import { GetInvalidationCommand, ListInvalidationsCommand } from "@aws-sdk/client-cloudfront";
import { createTestDistribution, hasMoto, type MotoServer, startMoto } from "test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCloudFrontClient, type SendEvent } from "../src/cloudfront.js";
import { ConfigurationError } from "../src/errors.js";
import { invalidate } from "../src/send-engine.js";

// Real SDK requests against moto_server on loopback: checks the request shapes, the endpoint and
// credentials taken from the environment, and moto's `COMPLETED` status normalization.
describe.skipIf(!hasMoto())("invalidate against moto_server", () => {
  let moto: MotoServer;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    moto = await startMoto();
    // The client must find the endpoint and credentials in the environment, as in production.
    // AWS_REGION is deliberately not us-east-1: CloudFront must still sign for us-east-1.
    Object.assign(process.env, moto.env, { AWS_REGION: "eu-west-1", AWS_DEFAULT_REGION: "eu-west-1" });
  }, 60_000);

  afterAll(async () => {
    process.env = savedEnv;
    await moto?.stop();
  }, 30_000);

  it("creates one invalidation per batch, waits for completion and leaves them listed with their paths", async () => {
    const distributionId = await createTestDistribution(moto);
    const client = createCloudFrontClient();
    const events: SendEvent[] = [];
    const batches = [["/index.html", "/a%20b.html"], ["/images/*"]];

    const result = await invalidate({
      client,
      distributionIds: [distributionId],
      batches,
      callerReference: (d, i) => `run-42-${d}-${i}`,
      wait: true,
      deadline: Date.now() + 20_000,
      timing: { pollIntervalMs: 10, maxPollIntervalMs: 50 },
      onEvent: (event) => events.push(event),
    });

    expect(result.completed).toBe(true);
    expect(result.invalidations.map((i) => [i.batchIndex, i.status, i.paths, i.callerReference])).toEqual([
      [0, "Completed", batches[0], `run-42-${distributionId}-0`],
      [1, "Completed", batches[1], `run-42-${distributionId}-1`],
    ]);
    expect(events.filter((e) => e.type === "created")).toHaveLength(2);

    const listed = await client.send(new ListInvalidationsCommand({ DistributionId: distributionId }));
    const listedIds = (listed.InvalidationList?.Items ?? []).map((item) => item.Id).sort();
    expect(listedIds).toEqual(result.invalidations.map((i) => i.id).sort());

    for (const [index, created] of result.invalidations.entries()) {
      const got = await client.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: created.id }));
      expect(got.Invalidation?.InvalidationBatch?.Paths?.Items).toEqual(batches[index]);
      expect(got.Invalidation?.InvalidationBatch?.CallerReference).toBe(`run-42-${distributionId}-${index}`);
    }
  });

  it("prefers AWS_ENDPOINT_URL_CLOUDFRONT over AWS_ENDPOINT_URL", async () => {
    const distributionId = await createTestDistribution(moto);
    const general = process.env.AWS_ENDPOINT_URL;
    // The general endpoint points at a closed port: the call only succeeds through the CloudFront one.
    process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:9";
    process.env.AWS_ENDPOINT_URL_CLOUDFRONT = moto.endpoint;
    try {
      const result = await invalidate({
        client: createCloudFrontClient({ maxAttempts: 1 }),
        distributionIds: [distributionId],
        batches: [["/only.html"]],
        callerReference: () => "per-service-endpoint",
        wait: false,
        deadline: Date.now() + 5_000,
      });
      expect(result.invalidations).toHaveLength(1);
    } finally {
      process.env.AWS_ENDPOINT_URL = general;
      delete process.env.AWS_ENDPOINT_URL_CLOUDFRONT;
    }
  });

  it("reports an unknown distribution as a configuration error", async () => {
    const client = createCloudFrontClient({ maxAttempts: 1 });
    const sent = invalidate({
      client,
      distributionIds: ["E000000000000"],
      batches: [["/x"]],
      callerReference: (d, i) => `ref-${d}-${i}`,
      wait: false,
      deadline: Date.now() + 5_000,
    });
    await expect(sent).rejects.toBeInstanceOf(ConfigurationError);
    await expect(sent).rejects.toThrow(/NoSuchDistribution/);
  });
});
