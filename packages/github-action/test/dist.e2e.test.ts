import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { CloudFrontClient, GetInvalidationCommand, ListInvalidationsCommand } from "@aws-sdk/client-cloudfront";
import { createTestDistribution, hasMoto, type MotoServer, startMoto, TEST_CREDENTIALS } from "test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIST, newJob, runStep, type StepRun } from "./support/runner.js";

/**
 * Runs dist/index.js as the runner runs one step (support/runner.ts), in a fresh job whose
 * workspace holds `files`.
 */
async function runAction(inputs: Record<string, string>, env: Record<string, string>): Promise<StepRun> {
  const job = await newJob();
  for (const [name, content] of Object.entries(files)) await writeFile(join(job.workspace, name), content);
  return runStep(job, inputs, { GITHUB_RUN_ID: "987654321", ...env });
}

const files: Record<string, string> = {
  "sync.log": [
    "Completed 1.2 KiB/3.4 KiB (2.1 KiB/s) with 2 file(s) remaining\r",
    "upload: public/index.html to s3://site-bucket/index.html",
    "upload: public/blog/my post.html to s3://site-bucket/blog/my post.html",
    "delete: s3://site-bucket/old.css",
    "",
  ].join("\n"),
};

/** Stands in for AWS where no request may arrive: counts every request and refuses it. */
async function startRecorder(): Promise<{ server: Server; endpoint: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { server, endpoint: `http://127.0.0.1:${port}`, requests };
}

describe("dist/index.js as the runner runs it", () => {
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  beforeAll(async () => {
    if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run \`pnpm --filter github-action build\``);
    recorder = await startRecorder();
  }, 60_000);
  afterAll(async () => {
    await new Promise((resolve) => recorder?.server.close(resolve));
  }, 30_000);

  it("plans a dry run without any credentials and sends nothing", async () => {
    const before = recorder.requests.length;
    const result = await runAction(
      { "distribution-id": "E2QWRUHAPOMQZL", "sync-log": "sync.log", "dry-run": "true" },
      { AWS_ENDPOINT_URL: recorder.endpoint },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(recorder.requests.length).toBe(before);
    expect(result.outputs.status).toBe("dry-run");
    expect(result.outputs["invalidation-ids"]).toBe("");
    expect(result.outputs.paths?.split("\n")).toEqual(expect.arrayContaining(["/blog/my%20post.html", "/old.css"]));
    expect(result.summary).toMatch(/Dry run/);
  });

  it("fails a bad input with exit code 1, naming the input, before any request", async () => {
    const before = recorder.requests.length;
    const result = await runAction(
      { "distribution-id": "E2QWRUHAPOMQZL", "max-paths": "plenty" },
      { ...TEST_CREDENTIALS, AWS_ENDPOINT_URL: recorder.endpoint },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^::error::Configuration error: input "max-paths".*"plenty"/m);
    expect(recorder.requests.length).toBe(before);
    expect(result.outputs.status).toBe("failed");
  });

  it("fails on a missing sync log naming the input and the file", async () => {
    const result = await runAction(
      { "distribution-id": "E2QWRUHAPOMQZL", "sync-log": "deploy/missing.log" },
      { ...TEST_CREDENTIALS, AWS_ENDPOINT_URL: recorder.endpoint },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/::error::Configuration error: input "sync-log".*deploy\/missing\.log/);
  });

  describe.skipIf(!hasMoto())("against moto_server", () => {
    let moto: MotoServer;
    beforeAll(async () => {
      moto = await startMoto();
    }, 60_000);
    afterAll(async () => {
      await moto?.stop();
    }, 30_000);

    it("creates the invalidation, writes the outputs and the job summary", async () => {
      const distributionId = await createTestDistribution(moto);
      const result = await runAction(
        { "distribution-id": distributionId, "sync-log": "sync.log", wait: "true" },
        moto.env,
      );
      // On Node 20 the SDK warns on stderr that later releases need Node 22; nothing else may appear.
      expect(result.stderr).not.toMatch(/error/i);
      expect(result.code).toBe(0);

      const client = new CloudFrontClient({
        region: "us-east-1",
        endpoint: moto.endpoint,
        credentials: {
          accessKeyId: TEST_CREDENTIALS.AWS_ACCESS_KEY_ID,
          secretAccessKey: TEST_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
        },
      });
      const listed = await client.send(new ListInvalidationsCommand({ DistributionId: distributionId }));
      const ids = (listed.InvalidationList?.Items ?? []).map((item) => item.Id);
      expect(ids).toHaveLength(1);
      expect(result.outputs["invalidation-ids"]).toBe(ids[0]);

      const created = await client.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: ids[0] }));
      const sentPaths = created.Invalidation?.InvalidationBatch?.Paths?.Items ?? [];
      expect(result.outputs.paths?.split("\n")).toEqual(sentPaths);
      expect(result.outputs["path-count"]).toBe(String(sentPaths.length));
      expect(sentPaths).toEqual(expect.arrayContaining(["/blog/my%20post.html", "/old.css"]));
      expect(created.Invalidation?.InvalidationBatch?.CallerReference).toMatch(
        new RegExp(`^gha-987654321-1-deploy-__owner_repo-${distributionId}-b1-`),
      );
      // moto completes invalidations at once.
      expect(result.outputs.status).toBe("completed");

      expect(result.summary).toContain(`| \`${distributionId}\` | \`${ids[0]}\` | Completed | ${sentPaths.length} |`);
      expect(result.stdout).toContain(`::group::CloudFront distribution ${distributionId}`);
      client.destroy();
    });
  });
});
