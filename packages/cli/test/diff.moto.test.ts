// `cf-invalidate diff` before the sync, the real `aws s3 sync`, then `cf-invalidate --changes`:
// the bundle as a CI job runs it, against moto_server (S3 and CloudFront). Objects are uploaded
// by the real AWS CLI, so their ETags (single-part and multipart) are what S3 stores for it.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudFrontClient, GetInvalidationCommand } from "@aws-sdk/client-cloudfront";
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
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { runCli } from "./run-cli.ts";

const MIB = 1024 * 1024;
const ready = hasMoto() && hasAwsCli();

// Random bytes: a 12 MiB file the AWS CLI uploads in two 8 MiB parts (ETag `-2`).
const big = randomBytes(12 * MIB);
const siteV1 = (): Record<string, string | Uint8Array> => ({
  "index.html": "<h1>Home</h1>",
  "docs/index.html": "<h1>Docs</h1>",
  "css/site.css": "body { color: #333 }",
  "blog/my post.html": "<p>spaces in a key</p>",
  "media/big.bin": big,
});

describe.skipIf(!ready)("diff, sync, --changes against moto_server", { timeout: 120_000 }, () => {
  let moto: MotoServer;
  let work: string;
  let cloudfront: CloudFrontClient;
  let bucketNumber = 0;

  beforeAll(async () => {
    moto = await startMoto();
    work = await mkdtemp(join(tmpdir(), "cli-diff-"));
    cloudfront = new CloudFrontClient(motoClientConfig(moto));
  }, 60_000);
  afterAll(async () => {
    cloudfront?.destroy();
    await moto?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  }, 30_000);

  const aws = (args: string[]): string => runAwsCli(moto, args, { home: work });

  function newBucket(): string {
    const bucket = `cli-site-${process.pid}-${bucketNumber++}`;
    aws(["s3api", "create-bucket", "--bucket", bucket]);
    return bucket;
  }

  /** Writes the site as a CI build does: every file anew, with a new modification time. */
  const build = (name: string, files: Record<string, string | Uint8Array>): Promise<string> =>
    writeFreshBuild(join(work, name), files);

  async function sentPaths(distributionId: string, id: string): Promise<string[]> {
    const got = await cloudfront.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id }));
    return [...(got.Invalidation?.InvalidationBatch?.Paths?.Items ?? [])].sort();
  }

  /** diff --output, the sync, then --changes: returns the diff's stderr, the sync log and the run's JSON. */
  async function deploy(dir: string, bucket: string, options: { diffFlags?: string[]; syncFlags?: string[] } = {}) {
    const distributionId = await createTestDistribution(moto, "cli diff");
    const changesFile = join(work, `changes-${bucket}.txt`);
    const diff = await runCli(
      [
        "diff",
        "--site-dir",
        dir,
        "--s3-uri",
        `s3://${bucket}/site`,
        "--output",
        changesFile,
        ...(options.diffFlags ?? []),
      ],
      { env: moto.env },
    );
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toBe("");
    const syncLog = aws([
      "s3",
      "sync",
      dir,
      `s3://${bucket}/site`,
      "--no-progress",
      ...(options.syncFlags ?? ["--delete"]),
    ]);
    const run = await runCli(
      ["--distribution-id", distributionId, "--changes", changesFile, "--s3-prefix", "site", "--wait", "--json"],
      { env: moto.env },
    );
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    const paths = report.invalidations.length === 0 ? [] : await sentPaths(distributionId, report.invalidations[0].id);
    return { diff, syncLog, report, paths, changes: await readFile(changesFile, "utf8") };
  }

  it("a fresh build with one real change: the list names one key and exactly its paths are invalidated", async () => {
    const bucket = newBucket();
    aws(["s3", "sync", await build("fresh", siteV1()), `s3://${bucket}/site`, "--no-progress"]);
    expect(aws(["s3api", "head-object", "--bucket", bucket, "--key", "site/media/big.bin"])).toMatch(/-2\\"/);

    const dir = await build("fresh", { ...siteV1(), "docs/index.html": "<h1>Docs, v2</h1>" });
    const { diff, syncLog, report, paths, changes } = await deploy(dir, bucket);

    expect(changes).toBe("site/docs/index.html\n");
    expect(diff.stderr).toContain("1 changed key (0 added, 1 modified, 0 deleted, 0 unverifiable), 4 unchanged");
    // The sync re-uploads every file (new mtimes): its log would have invalidated everything.
    expect(syncLog.match(/^upload: /gm)).toHaveLength(5);
    expect(paths).toEqual(["/docs", "/docs/", "/docs/index.html"]);
    expect(report.completed).toBe(true);
  });

  it("prints the change list on stdout, and the whole diff with --json", async () => {
    const bucket = newBucket();
    aws(["s3", "sync", await build("stdout", siteV1()), `s3://${bucket}`, "--no-progress"]);
    const dir = await build("stdout", { ...siteV1(), "new page.html": "new" });

    const plain = await runCli(["diff", "--site-dir", dir, "--s3-uri", `s3://${bucket}`], { env: moto.env });
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toBe("new page.html\n");

    const json = await runCli(["diff", "--site-dir", dir, "--s3-uri", `s3://${bucket}/`, "--json"], { env: moto.env });
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      bucket,
      prefix: "",
      changeCount: 1,
      changedKeys: ["new page.html"],
      added: ["new page.html"],
      unchanged: 5,
      unlistedKeys: [],
    });
  });

  it("edits that keep the size, single-part and multipart, are changes", async () => {
    const bucket = newBucket();
    aws(["s3", "sync", await build("same-size", siteV1()), `s3://${bucket}/site`, "--no-progress"]);
    const edited = Buffer.from(big);
    edited[9 * MIB] = (edited[9 * MIB]! + 1) % 256; // one byte in the second part
    const dir = await build("same-size", {
      ...siteV1(),
      "css/site.css": "body { color: #334 }",
      "media/big.bin": edited,
    });

    const { paths, changes } = await deploy(dir, bucket);
    expect(changes).toBe("site/css/site.css\nsite/media/big.bin\n");
    expect(paths).toEqual(["/css/site.css", "/media/big.bin"]);
  });

  it("objects gone from the folder are changes with a --delete sync, and not with --no-delete", async () => {
    const bucket = newBucket();
    aws(["s3", "sync", await build("deletions", siteV1()), `s3://${bucket}/site`, "--no-progress"]);
    const { "blog/my post.html": _gone, ...rest } = siteV1();
    const dir = await build("deletions", rest);

    const kept = await deploy(dir, bucket, { diffFlags: ["--no-delete"], syncFlags: [] });
    expect(kept.changes).toBe("");
    expect(kept.diff.stderr).toContain("1 object not in the folder left out (--no-delete)");
    expect(kept.report).toMatchObject({ nothingChanged: true, invalidations: [] });

    const deleted = await deploy(dir, bucket);
    expect(deleted.syncLog).toMatch(/^delete: s3:\/\/\S+\/site\/blog\/my post\.html$/m);
    expect(deleted.paths).toEqual(["/blog/my%20post.html"]);
  });

  it("SSE-KMS objects (ETags not MD5s, as real S3 gives them) count as changed, with a warning", async () => {
    const bucket = newBucket();
    const keyId = aws(["kms", "create-key", "--query", "KeyMetadata.KeyId", "--output", "text"]).trim();
    const sse = ["--sse", "aws:kms", "--sse-kms-key-id", keyId];
    aws(["s3", "sync", await build("kms", siteV1()), `s3://${bucket}/site`, "--no-progress", ...sse]);
    // moto gives SSE-KMS objects MD5 ETags; the proxy lists them as real S3 would.
    const proxy = await startKmsEtagProxy(moto.endpoint);
    try {
      const dir = await build("kms", siteV1()); // content unchanged
      const run = await runCli(["diff", "--site-dir", dir, "--s3-uri", `s3://${bucket}/site`, "--json"], {
        env: { ...moto.env, AWS_ENDPOINT_URL_S3: proxy.endpoint },
      });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/warning: .*probably encrypted with SSE-KMS or SSE-C/);
      const report = JSON.parse(run.stdout);
      expect(report).toMatchObject({ changeCount: 5, unchanged: 0, possiblyEncrypted: 5 });
    } finally {
      await proxy.stop();
    }
  });

  it("exits 2 for a bucket that does not exist, 2 for a bad --s3-uri, before any change list is written", async () => {
    const dir = await build("errors", siteV1());
    const output = join(work, "never-written.txt");
    const missing = await runCli(
      ["diff", "--site-dir", dir, "--s3-uri", "s3://no-such-bucket-here/site", "--output", output],
      { env: moto.env },
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no-such-bucket-here");
    const bad = await runCli(["diff", "--site-dir", dir, "--s3-uri", "https://example.com/site"], { env: moto.env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad usage: --s3-uri must be .*https:\/\/example\.com\/site/);
    await expect(readFile(output, "utf8")).rejects.toThrow(/ENOENT/);
  });
});
