// A real invalidation through the bundle, against moto_server on loopback: the SDK, signing,
// endpoint from AWS_ENDPOINT_URL and the XML round trip are all real.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudFrontClient, GetInvalidationCommand } from "@aws-sdk/client-cloudfront";
import {
  type CreatedDistribution,
  createDistributionWithOrigin,
  createTestDistribution,
  hasMoto,
  type MotoServer,
  startMoto,
} from "test-utils";
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

  describe("reading the distribution (issue 17)", () => {
    // Its S3 origin serves bucket site-bucket from OriginPath /prod: key prod/index.html is URL /index.html.
    let prod: CreatedDistribution;
    let dir: string;
    let log: string;

    beforeAll(async () => {
      prod = await createDistributionWithOrigin(moto, { bucket: "site-bucket", originPath: "/prod" });
      dir = mkdtempSync(join(tmpdir(), "cf-invalidate-origin-"));
      log = join(dir, "sync.log");
      writeFileSync(
        log,
        "upload: public/index.html to s3://site-bucket/prod/index.html\n" +
          "upload: public/blog/post.html to s3://site-bucket/prod/blog/post.html\n" +
          "delete: s3://site-bucket/prod/gone.html\n",
      );
    });

    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("resolves the *.cloudfront.net name and strips the origin path read from the distribution", async () => {
      expect(prod.domainName).toMatch(/\.cloudfront\.net$/);
      const run = await runCli(["--distribution-id", prod.domainName, "--sync-log", log, "--json"], { env: moto.env });

      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout);
      expect(report.distributionIds).toEqual([prod.id]);
      expect(report.keyPrefix).toEqual({ value: "prod/", from: "distribution" });
      expect(report.paths).toEqual(["/", "/blog/post.html", "/gone.html", "/index.html"]);
      expect(report.invalidations).toEqual([expect.objectContaining({ distributionId: prod.id, paths: report.paths })]);
      expect(report.warnings).toEqual([]);
    });

    it("says where the key prefix came from, for people", async () => {
      const run = await runCli(["--distribution-id", prod.id, "--sync-log", log], { env: moto.env });

      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`Key prefix "prod/", from the distribution's origin path (no --s3-prefix).`);
      // Said before the plan whose paths it shapes.
      expect(run.stdout.indexOf("Key prefix")).toBeLessThan(run.stdout.indexOf("Plan:"));
      expect(run.stdout).toContain("  /index.html");
      expect(run.stdout).not.toContain("/prod/");
    });

    it("uses a contradicting --s3-prefix as given, with a warning naming both", async () => {
      const run = await runCli(["--distribution-id", prod.id, "--sync-log", log, "--s3-prefix", "", "--json"], {
        env: moto.env,
      });

      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout);
      expect(report.keyPrefix).toEqual({ value: "", from: "given" });
      expect(report.paths).toContain("/prod/index.html");
      expect(run.stderr).toMatch(
        /warning: --s3-prefix "" contradicts distribution \S+, which serves bucket "site-bucket"/,
      );
    });

    it("reads nothing in a dry run: the keys are mapped without a prefix", async () => {
      const run = await runCli(["--distribution-id", prod.id, "--sync-log", log, "--dry-run", "--json"], {
        env: moto.env,
      });

      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout);
      expect(report).not.toHaveProperty("keyPrefix");
      expect(report.paths).toContain("/prod/index.html");
    });
  });
});
