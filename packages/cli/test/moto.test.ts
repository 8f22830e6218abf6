// A real invalidation through the bundle, against moto_server on loopback: the SDK, signing,
// endpoint from AWS_ENDPOINT_URL and the XML round trip are all real.
import { CloudFrontClient, GetInvalidationCommand } from "@aws-sdk/client-cloudfront";
import { createTestDistribution, hasMoto, type MotoServer, startMoto } from "test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURES, runCli } from "./run-cli.ts";

describe.skipIf(!hasMoto())("against moto_server", () => {
  let moto: MotoServer;
  let distributionId: string;

  beforeAll(async () => {
    moto = await startMoto();
    distributionId = await createTestDistribution(moto, "cli test");
  }, 60_000);

  afterAll(async () => {
    await moto?.stop();
  }, 30_000);

  it("creates the planned invalidation, waits for it and reports it Completed", async () => {
    const run = await runCli(
      [
        "--distribution-id",
        distributionId,
        "--sync-log",
        `${FIXTURES}/sync-sample.log`,
        "--s3-prefix",
        "site",
        "--wait",
        "--json",
      ],
      { env: moto.env },
    );

    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.completed).toBe(true);
    expect(report.invalidations).toHaveLength(1);
    const [created] = report.invalidations;
    expect(created).toMatchObject({ distributionId, status: "Completed", paths: report.paths });

    // Ask the emulator directly: the invalidation exists with exactly the planned paths.
    const client = new CloudFrontClient({
      region: "us-east-1",
      endpoint: moto.endpoint,
      credentials: {
        accessKeyId: moto.env.AWS_ACCESS_KEY_ID ?? "",
        secretAccessKey: moto.env.AWS_SECRET_ACCESS_KEY ?? "",
      },
    });
    try {
      const stored = await client.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: created.id }));
      expect([...(stored.Invalidation?.InvalidationBatch?.Paths?.Items ?? [])].sort()).toEqual(
        [...report.paths].sort(),
      );
    } finally {
      client.destroy();
    }
  });

  it("prints the invalidation for people without --json", async () => {
    const run = await runCli(["--distribution-id", distributionId, "--path", "/index.html"], { env: moto.env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`Invalidation \\S+ on ${distributionId}: \\w+ \\(1 path, batch 1\\)`));
    expect(run.stderr).toContain("Created invalidation");
  });

  it("exits 2 for a distribution that does not exist (NoSuchDistribution)", async () => {
    const run = await runCli(["--distribution-id", "E0000000000000", "--path", "/a"], { env: moto.env });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain("NoSuchDistribution");
    expect(run.stderr).toContain("E0000000000000");
  });
});
