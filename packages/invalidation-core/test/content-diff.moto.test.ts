import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  hasAwsCli,
  hasMoto,
  type MotoServer,
  runAwsCli,
  startMoto,
  TEST_CREDENTIALS,
  writeFreshBuild,
} from "test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changedKeys, diffSiteAgainstBucket, formatChangeList } from "../src/content-diff.js";

// Objects are uploaded by the real AWS CLI into moto_server, so the ETags (single-part and
// multipart, with the CLI's own part sizes) are what a user's `aws s3 sync` produces.
const MIB = 1024 * 1024;
const ready = hasMoto() && hasAwsCli();

// Each AWS CLI run takes seconds to start on a busy machine: generous timeouts.
describe.skipIf(!ready)(
  "diffSiteAgainstBucket against moto_server, objects uploaded by the AWS CLI",
  { timeout: 120_000 },
  () => {
    let moto: MotoServer;
    let work: string;
    let s3: S3Client;
    let bucketNumber = 0;
    // Bytes that make the multipart files: random, so that no two parts hash alike by accident.
    const big = randomBytes(12 * MIB);
    const exactlyThreshold = randomBytes(8 * MIB);

    beforeAll(async () => {
      moto = await startMoto();
      work = await mkdtemp(join(tmpdir(), "content-diff-moto-"));
      // An empty config isolates the CLI from the machine's own ~/.aws (part sizes, profiles).
      await writeFile(join(work, "config"), "");
      s3 = motoClient();
    }, 60_000);

    function motoClient(): S3Client {
      return new S3Client({
        region: "us-east-1",
        endpoint: moto.endpoint,
        forcePathStyle: true,
        credentials: {
          accessKeyId: TEST_CREDENTIALS.AWS_ACCESS_KEY_ID,
          secretAccessKey: TEST_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
          sessionToken: TEST_CREDENTIALS.AWS_SESSION_TOKEN,
        },
      });
    }

    afterAll(async () => {
      s3?.destroy();
      await moto?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    }, 30_000);

    /** Runs the AWS CLI against moto; returns stdout, throws with stderr on failure. */
    const aws = (args: string[], config = join(work, "config")): string =>
      runAwsCli(moto, args, { home: work, configFile: config });

    async function newBucket(): Promise<string> {
      // Made with the SDK: the AWS CLI starts slowly, and only its uploads matter here.
      const bucket = `content-diff-${bucketNumber++}`;
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      return bucket;
    }

    const siteV1 = (): Record<string, string | Uint8Array> => ({
      "index.html": "<h1>Home</h1>",
      "about/index.html": "<h1>About</h1>",
      "css/site.css": "body { color: #333 }",
      "a b+c é.txt": "a key that needs URL encoding in the listing",
      "media/big.bin": big,
      // Exactly the threshold: the CLI uploads it as a one-part multipart upload (ETag `-1`).
      "media/threshold.bin": exactlyThreshold,
    });

    async function storedEtags(bucket: string): Promise<Record<string, string>> {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      return Object.fromEntries((page.Contents ?? []).map((o) => [o.Key, o.ETag]));
    }

    const uploadedKeys = (log: string) =>
      [...log.matchAll(/^upload: .* to s3:\/\/[^/]+\/(.*)$/gm)].map((m) => m[1]).sort();

    it("finds the one real change in a fresh build whose every file the sync re-uploads", async () => {
      const bucket = await newBucket();
      const dir = join(work, "fresh");
      await writeFreshBuild(dir, siteV1());
      aws(["s3", "sync", dir, `s3://${bucket}/www`, "--no-progress"]);
      // The CLI really made multipart objects: a 2-part one (12 MiB in 8 MiB parts) and a 1-part one.
      const etags = await storedEtags(bucket);
      expect(etags["www/media/big.bin"]).toMatch(/^"[0-9a-f]{32}-2"$/);
      expect(etags["www/media/threshold.bin"]).toMatch(/^"[0-9a-f]{32}-1"$/);

      await writeFreshBuild(dir, { ...siteV1(), "index.html": "<h1>Home, updated</h1>" });
      const report = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket, prefix: "www" });

      expect(report).toMatchObject({
        added: [],
        modified: ["www/index.html"],
        deleted: [],
        unverifiable: [],
        unchanged: 5,
        localFiles: 6,
        remoteObjects: 6,
      });
      expect(formatChangeList(report)).toBe("www/index.html\n");

      // What the sync log would have said instead: every file, since every mtime is new.
      const log = aws(["s3", "sync", dir, `s3://${bucket}/www`, "--no-progress"]);
      expect(uploadedKeys(log)).toHaveLength(6);
      // After the sync, the re-uploaded objects (multipart ones included) all verify again.
      const after = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket, prefix: "www" });
      expect(changedKeys(after)).toEqual([]);
      expect(after.unchanged).toBe(6);
    });

    it("counts edits that keep the size, single-part and multipart, as changed", async () => {
      const bucket = await newBucket();
      const dir = join(work, "same-size");
      await writeFreshBuild(dir, siteV1());
      aws(["s3", "sync", dir, `s3://${bucket}`, "--no-progress"]);

      const editedBig = Buffer.from(big);
      editedBig[9 * MIB] = (editedBig[9 * MIB]! + 1) % 256; // one byte in the second part
      await writeFreshBuild(dir, { ...siteV1(), "css/site.css": "body { color: #334 }", "media/big.bin": editedBig });
      const report = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket });

      // Issue 16: four objects matched their files, so the two mismatches are proven edits, not
      // possibly encrypted objects (they were "unverifiable" before, with an SSE-KMS warning).
      expect(report.modified).toEqual(["css/site.css", "media/big.bin"]);
      expect(report.unverifiable).toEqual([]);
      expect(report.unchanged).toBe(4);
      expect(report.possiblyEncrypted).toBe(0);
      expect(report.warnings).toEqual([]);
      // `aws s3 sync --size-only` would upload neither of them; the diff lists both.
      expect(changedKeys(report)).toEqual(["css/site.css", "media/big.bin"]);
    });

    it("reports objects gone from the folder as deleted, with the prefix, and only under the prefix", async () => {
      const bucket = await newBucket();
      const dir = join(work, "deletions");
      await writeFreshBuild(dir, siteV1());
      aws(["s3", "sync", dir, `s3://${bucket}/www`, "--no-progress"]);
      // A sibling prefix that merely starts the same way must not be taken for part of the site.
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "www-old/index.html", Body: "old" }));

      const { "about/index.html": _removed, "media/big.bin": _alsoRemoved, ...rest } = siteV1();
      await writeFreshBuild(dir, rest);
      const report = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket, prefix: "www/" });
      expect(report).toMatchObject({
        deleted: ["www/about/index.html", "www/media/big.bin"],
        added: [],
        modified: [],
        unchanged: 4,
      });

      const withoutDeletions = await diffSiteAgainstBucket({
        s3,
        siteDirectory: dir,
        bucket,
        prefix: "www",
        includeDeletions: false,
      });
      expect(withoutDeletions).toMatchObject({ deleted: [], remoteOnly: 2 });

      // The sync with --delete removes exactly those keys.
      const log = aws(["s3", "sync", dir, `s3://${bucket}/www`, "--delete", "--no-progress"]);
      const deletedByCli = [...log.matchAll(/^delete: s3:\/\/[^/]+\/(.*)$/gm)].map((m) => m[1]).sort();
      expect(deletedByCli).toEqual(report.deleted);
    });

    it("verifies objects uploaded with another multipart_chunksize once told the part size", async () => {
      const bucket = await newBucket();
      const dir = join(work, "part-size");
      await writeFreshBuild(dir, { "big.bin": big });
      const config = join(work, "config-5mb");
      await writeFile(config, "[default]\ns3 =\n  multipart_chunksize = 5MB\n");
      aws(["s3", "sync", dir, `s3://${bucket}`, "--no-progress"], config);
      expect((await storedEtags(bucket))["big.bin"]).toMatch(/-3"$/);

      const defaults = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket });
      expect(defaults.unverifiable.map((u) => [u.key, u.reason])).toEqual([["big.bin", "part-count-mismatch"]]);

      const told = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket, partSizeBytes: 5 * MIB });
      expect(told).toMatchObject({ unchanged: 1, unverifiable: [] });
    });

    describe("SSE-KMS objects", () => {
      let bucket: string;
      let dir: string;

      beforeAll(async () => {
        bucket = await newBucket();
        dir = join(work, "kms");
        const keyId = aws(["kms", "create-key", "--query", "KeyMetadata.KeyId", "--output", "text"]).trim();
        await writeFreshBuild(dir, siteV1());
        aws(["s3", "sync", dir, `s3://${bucket}`, "--sse", "aws:kms", "--sse-kms-key-id", keyId, "--no-progress"]);
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "media/big.bin" }));
        expect(head.ServerSideEncryption).toBe("aws:kms");
      }, 60_000);

      it("moto gives SSE-KMS objects MD5 ETags (real S3 does not), so there they verify as unchanged", async () => {
        // A canary: if moto starts to model real SSE-KMS ETags, this fails and the next test's
        // stand-in can go.
        const etags = await storedEtags(bucket);
        expect(etags["index.html"]).toBe(`"${createHash("md5").update("<h1>Home</h1>").digest("hex")}"`);
        const report = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket });
        expect(report).toMatchObject({ unchanged: 6, unverifiable: [] });
      });

      it("with real S3's non-MD5 ETags, counts every same-size object as changed and says why", async () => {
        // Real S3 gives SSE-KMS objects ETags that are not MD5s of the content. Rewrite moto's
        // listing to that shape (keeping single-part and multipart forms) at the edge of the client.
        const kms = motoClient();
        kms.middlewareStack.add(
          (next) => async (args) => {
            const result = await next(args);
            for (const object of (result.output as ListObjectsV2CommandOutput).Contents ?? []) {
              const suffix = /-\d+"$/.exec(object.ETag ?? "")?.[0].slice(0, -1) ?? "";
              object.ETag = `"${createHash("md5").update(`kms:${object.Key}`).digest("hex")}${suffix}"`;
            }
            return result;
          },
          { step: "initialize", name: "simulateSseKmsEtags" },
        );
        await writeFreshBuild(dir, { ...siteV1(), "index.html": "<h1>Home, longer now</h1>" });

        const report = await diffSiteAgainstBucket({ s3: kms, siteDirectory: dir, bucket });
        kms.destroy();

        // A size change is still certain; everything else is unverifiable, not silently unchanged.
        expect(report.modified).toEqual(["index.html"]);
        expect(report.unchanged).toBe(0);
        expect(report.unverifiable).toHaveLength(5);
        expect(report.possiblyEncrypted).toBe(5);
        expect(report.warnings).toEqual([expect.stringContaining("probably encrypted with SSE-KMS or SSE-C")]);
        expect(changedKeys(report)).toHaveLength(6);
      });
    });

    it("reads a change list that the CLI's own log would give the same keys for", async () => {
      // The change list is made of the raw keys, the same strings that the sync log names.
      const bucket = await newBucket();
      const dir = join(work, "list");
      await writeFreshBuild(dir, { "a b+c é.txt": "x" });
      const log = aws(["s3", "sync", dir, `s3://${bucket}/p`, "--no-progress"]);
      await writeFreshBuild(dir, { "a b+c é.txt": "xy" });
      const report = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket, prefix: "p" });
      expect(formatChangeList(report)).toBe(`${uploadedKeys(log).join("\n")}\n`);
    });
  },
);
