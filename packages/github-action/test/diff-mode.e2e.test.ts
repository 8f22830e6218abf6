// Diff mode end to end, as a runner runs it: the committed dist/index.js as the main step (INPUT_*,
// GITHUB_STATE), then the user's own `aws s3 sync` (the real AWS CLI, so the ETags are what S3
// stores for a CLI upload: single-part and multipart), then dist/index.js again as the post step
// with the STATE_* variables parsed from the main step's GITHUB_STATE file. moto_server plays S3
// and CloudFront; the test asks it which paths were invalidated.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import {
  createTestDistribution,
  hasAwsCli,
  hasMoto,
  type MotoServer,
  motoClientConfig,
  runAwsCli,
  startKmsEtagProxy,
  startMoto,
  writeFreshBuild,
} from "test-utils";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { expectSuccess, invalidatedPaths } from "./support/invalidations.js";
import { DIST, type Job, newJob, runStep, type StepRun } from "./support/runner.js";

const MIB = 1024 * 1024;
const ready = hasMoto() && hasAwsCli();

// Random bytes: a 12 MiB file the AWS CLI uploads in two 8 MiB parts (ETag `-2`).
const big = randomBytes(12 * MIB);
const siteV1 = (): Record<string, string | Uint8Array> => ({
  "index.html": "<h1>Home</h1>",
  "about/index.html": "<h1>About</h1>",
  "css/site.css": "body { color: #333 }",
  "blog/my post.html": "<p>spaces in a key</p>",
  "media/big.bin": big,
});

describe.skipIf(!ready)("diff mode: main step, the user's sync, post step", { timeout: 120_000 }, () => {
  let moto: MotoServer;
  let cloudfront: CloudFrontClient;
  let job: Job;
  let bucketNumber = 0;

  beforeAll(async () => {
    if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run \`pnpm --filter github-action build\``);
    moto = await startMoto();
    cloudfront = new CloudFrontClient(motoClientConfig(moto));
  }, 60_000);
  afterAll(async () => {
    cloudfront?.destroy();
    await moto?.stop();
  }, 30_000);
  beforeEach(async () => {
    job = await newJob();
  });

  /** The real AWS CLI against moto, isolated from the machine's ~/.aws. */
  const aws = (args: string[], extraEnv: Record<string, string> = {}): string =>
    runAwsCli(moto, args, { home: job.root, env: extraEnv });

  function newBucket(): string {
    const bucket = `site-${process.pid}-${bucketNumber++}`;
    aws(["s3api", "create-bucket", "--bucket", bucket]);
    return bucket;
  }

  /** Writes the site as a CI build does: every file anew, with a new modification time. */
  const build = (files: Record<string, string | Uint8Array>): Promise<string> =>
    writeFreshBuild(join(job.workspace, "public"), files);

  /** Main step, the sync (with the user's flags), post step: the whole job. */
  async function deployJob(options: {
    bucket: string;
    distributionId: string;
    inputs?: Record<string, string>;
    syncFlags?: string[];
    env?: Record<string, string>;
  }): Promise<{ main: StepRun; syncLog: string; post: StepRun }> {
    const inputs = {
      "distribution-id": options.distributionId,
      "site-directory": "public",
      "s3-uri": `s3://${options.bucket}/www`,
      "s3-prefix": "www",
      wait: "true",
      ...options.inputs,
    };
    const env = { ...moto.env, ...options.env };
    const main = await runStep(job, inputs, env);
    expectSuccess(main);
    const syncLog = aws([
      "s3",
      "sync",
      join(job.workspace, "public"),
      `s3://${options.bucket}/www`,
      "--no-progress",
      ...(options.syncFlags ?? ["--delete"]),
    ]);
    const post = await runStep(job, inputs, env, main.state);
    expectSuccess(post);
    return { main, syncLog, post };
  }

  it("invalidates only the one real change of a fresh build whose every file the sync re-uploads", async () => {
    const bucket = newBucket();
    const distributionId = await createTestDistribution(moto, "fresh build");
    aws(["s3", "sync", await build(siteV1()), `s3://${bucket}/www`, "--no-progress"]);
    // The CLI made a multipart object: the diff must verify it by its multipart ETag.
    expect(aws(["s3api", "head-object", "--bucket", bucket, "--key", "www/media/big.bin"])).toMatch(/-2\\"/);

    await build({ ...siteV1(), "about/index.html": "<h1>About us</h1>" });
    const { main, syncLog, post } = await deployJob({ bucket, distributionId });

    expect(main.outputs).toMatchObject({ status: "diffed", "change-count": "1", "extra-paths": "" });
    expect(await readFile(main.outputs["changes-file"] ?? "", "utf8")).toBe("www/about/index.html\n");
    expect(main.outputs["changes-file"]?.startsWith(job.temp)).toBe(true);
    expect(main.state.isPost).toBe("true");
    // The sync log would have said "everything changed": every file has a new mtime.
    expect(syncLog.match(/^upload: /gm)).toHaveLength(5);

    expect(await invalidatedPaths(cloudfront, distributionId)).toEqual([["/about", "/about/", "/about/index.html"]]);
    expect(post.outputs.status).toBe("completed");
    expect(post.outputs.paths?.split("\n").sort()).toEqual(["/about", "/about/", "/about/index.html"]);
    // Drift fix (README): the summary shows the core's describeDiff line, as the log and the CLI do.
    expect(main.summary).toContain("1 changed key (0 added, 1 modified, 0 deleted, 0 unverifiable), 4 unchanged.");
  });

  it("invalidates edits that keep the size, in a single-part and in a multipart object", async () => {
    const bucket = newBucket();
    const distributionId = await createTestDistribution(moto, "same size");
    aws(["s3", "sync", await build(siteV1()), `s3://${bucket}/www`, "--no-progress"]);

    const edited = Buffer.from(big);
    edited[9 * MIB] = (edited[9 * MIB]! + 1) % 256; // one byte in the second part
    await build({ ...siteV1(), "css/site.css": "body { color: #334 }", "media/big.bin": edited });
    const { main } = await deployJob({ bucket, distributionId });

    expect(main.outputs["change-count"]).toBe("2");
    expect(await invalidatedPaths(cloudfront, distributionId)).toEqual([["/css/site.css", "/media/big.bin"]]);
    // Other objects verified by their MD5 ETags: these are edits, not possibly encrypted objects.
    expect(main.stdout).not.toMatch(/SSE-KMS|::warning::/);
    expect(main.stdout).toMatch(/\(0 added, 2 modified, 0 deleted, 0 unverifiable\)/);
  });

  it("invalidates objects gone from the folder when the sync deletes them, not when it keeps them", async () => {
    const bucket = newBucket();
    const withDelete = await createTestDistribution(moto, "delete");
    aws(["s3", "sync", await build(siteV1()), `s3://${bucket}/www`, "--no-progress"]);
    const { "about/index.html": _gone, "blog/my post.html": _alsoGone, ...rest } = siteV1();

    await build(rest);
    const kept = await deployJob({ bucket, distributionId: withDelete, inputs: { delete: "false" }, syncFlags: [] });
    // A sync without --delete leaves the objects: nothing changed, nothing to invalidate.
    expect(kept.main.outputs["change-count"]).toBe("0");
    expect(kept.post.outputs.status).toBe("skipped");
    expect(await invalidatedPaths(cloudfront, withDelete)).toEqual([]);

    const deleted = await deployJob({ bucket, distributionId: withDelete });
    expect(deleted.syncLog.match(/^delete: /gm)).toHaveLength(2);
    expect(await invalidatedPaths(cloudfront, withDelete)).toEqual([
      ["/about", "/about/", "/about/index.html", "/blog/my%20post.html"],
    ]);
  });

  it("counts SSE-KMS objects (ETags not MD5s) as changed, warns why, and invalidates them", async () => {
    const bucket = newBucket();
    const distributionId = await createTestDistribution(moto, "kms");
    const keyId = aws(["kms", "create-key", "--query", "KeyMetadata.KeyId", "--output", "text"]).trim();
    const sse = ["--sse", "aws:kms", "--sse-kms-key-id", keyId];
    aws(["s3", "sync", await build(siteV1()), `s3://${bucket}/www`, "--no-progress", ...sse]);
    // moto gives SSE-KMS objects MD5 ETags; real S3 does not. The proxy lists them as S3 would.
    const proxy = await startKmsEtagProxy(moto.endpoint);
    try {
      await build(siteV1()); // a fresh build, content unchanged
      const { main, post } = await deployJob({
        bucket,
        distributionId,
        syncFlags: ["--delete", ...sse],
        env: { AWS_ENDPOINT_URL_S3: proxy.endpoint },
      });
      expect(main.outputs["change-count"]).toBe("5");
      expect(main.stdout).toMatch(/^::warning::.*probably encrypted with SSE-KMS or SSE-C/m);
      expect(post.outputs.status).toBe("completed");
      expect((await invalidatedPaths(cloudfront, distributionId))[0]).toEqual(
        expect.arrayContaining(["/index.html", "/about/index.html", "/media/big.bin", "/blog/my%20post.html"]),
      );
    } finally {
      await proxy.stop();
    }
  });

  it("two-step form: diff-only step, sync, then an invalidation step fed the changes-file output", async () => {
    const bucket = newBucket();
    const distributionId = await createTestDistribution(moto, "two steps");
    aws(["s3", "sync", await build(siteV1()), `s3://${bucket}/www`, "--no-progress"]);
    await build({ ...siteV1(), "index.html": "<h1>Home!</h1>" });

    const diffInputs = { "site-directory": "public", "s3-uri": `s3://${bucket}/www`, "diff-only": "true" };
    const diff = await runStep(job, diffInputs, moto.env);
    expectSuccess(diff);
    expect(diff.outputs).toMatchObject({ status: "diffed", "change-count": "1" });
    expect(diff.state.diff).toBeUndefined();
    aws(["s3", "sync", join(job.workspace, "public"), `s3://${bucket}/www`, "--no-progress", "--delete"]);

    const invalidate = await runStep(
      job,
      {
        "distribution-id": distributionId,
        "changes-file": diff.outputs["changes-file"] ?? "",
        "s3-prefix": "www",
        "site-directory": "public",
      },
      moto.env,
    );
    expectSuccess(invalidate);
    expect(invalidate.outputs.status).toMatch(/^(completed|in-progress)$/);
    expect(await invalidatedPaths(cloudfront, distributionId)).toEqual([["/", "/index.html"]]);

    // The diff step's own post step then does nothing: no second invalidation.
    const post = await runStep(job, diffInputs, moto.env, diff.state);
    expectSuccess(post);
    expect(post.stdout).toContain("nothing to do");
    expect(await invalidatedPaths(cloudfront, distributionId)).toHaveLength(1);
  });

  it("fails the main step, before the sync, when the bucket cannot be listed", async () => {
    const distributionId = await createTestDistribution(moto, "no bucket");
    await build(siteV1());
    const main = await runStep(
      job,
      { "distribution-id": distributionId, "site-directory": "public", "s3-uri": "s3://no-such-bucket-here/www" },
      moto.env,
    );
    expect(main.code).toBe(1);
    expect(main.stdout).toMatch(/^::error::Configuration error: .*no-such-bucket-here/m);
    expect(main.outputs.status).toBe("failed");
    expect(main.state.diff).toBeUndefined();
  });
});
