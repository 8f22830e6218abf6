import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ListObjectsV2Command, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type ContentDiffReport,
  changedKeys,
  createS3Client,
  diffSiteAgainstBucket,
  formatChangeList,
  normalizeS3Prefix,
} from "../src/content-diff.js";
import { ConfigurationError, PermissionError, TransientError } from "../src/errors.js";
import { parseChanges } from "../src/sync-log.js";

const md5 = (text: string | Uint8Array) => createHash("md5").update(text).digest("hex");
const quoted = (etag: string) => `"${etag}"`;

const s3 = new S3Client({ region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } });
const s3Mock = mockClient(s3);

let root: string;
let caseNumber = 0;

/** A fresh site folder with these files (key → content). */
async function site(files: Record<string, string>): Promise<string> {
  const dir = join(root, `site-${caseNumber++}`);
  await mkdir(dir, { recursive: true });
  for (const [key, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, key)), { recursive: true });
    await writeFile(join(dir, key), content);
  }
  return dir;
}

type Listed = { Key: string; Size: number; ETag?: string };
const object = (key: string, content: string): Listed => ({
  Key: key,
  Size: Buffer.byteLength(content),
  ETag: quoted(md5(content)),
});

/** Answers ListObjectsV2 with these objects in one page. */
function listing(objects: Listed[]): void {
  s3Mock.on(ListObjectsV2Command).resolves({ Contents: objects, IsTruncated: false, KeyCount: objects.length });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "content-diff-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
afterEach(() => {
  s3Mock.reset();
});

describe("diffSiteAgainstBucket", () => {
  it("sorts files into added, modified, unchanged and deleted, with full keys", async () => {
    const dir = await site({ "index.html": "<h1>new</h1>", "a/same.css": "body{}", "a/new.js": "1" });
    listing([
      object("www/index.html", "<h1>old-longer</h1>"),
      object("www/a/same.css", "body{}"),
      object("www/gone.html", "bye"),
    ]);

    const report = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "site", prefix: "www" });

    expect(report).toMatchObject({
      prefix: "www/",
      added: ["www/a/new.js"],
      modified: ["www/index.html"],
      deleted: ["www/gone.html"],
      unverifiable: [],
      unchanged: 1,
      remoteOnly: 1,
      localFiles: 3,
      remoteObjects: 3,
      // Only the same-size file is read: a size difference proves the change on its own.
      hashedFiles: 1,
      hashedBytes: 6,
    });
    expect(changedKeys(report)).toEqual(["www/a/new.js", "www/gone.html", "www/index.html"]);
  });

  it("asks for the prefix with a trailing slash, so that a sibling prefix is not listed", async () => {
    const dir = await site({ "a.txt": "a" });
    listing([object("www/a.txt", "a")]);
    await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "site", prefix: "/www" });
    expect(s3Mock.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toMatchObject({
      Bucket: "site",
      Prefix: "www/",
      EncodingType: "url",
    });
  });

  it("lists the whole bucket without a prefix", async () => {
    const dir = await site({ "a.txt": "a" });
    listing([object("a.txt", "a"), object("b.txt", "b")]);
    const report = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "site" });
    expect(s3Mock.commandCalls(ListObjectsV2Command)[0]?.args[0].input.Prefix).toBeUndefined();
    expect(report).toMatchObject({ prefix: "", unchanged: 1, deleted: ["b.txt"] });
  });

  it("follows continuation tokens through every page", async () => {
    const dir = await site({ "1.txt": "1", "2.txt": "2", "3.txt": "3", "4.txt": "changed" });
    s3Mock
      .on(ListObjectsV2Command)
      .resolvesOnce({ Contents: [object("1.txt", "1")], IsTruncated: true, NextContinuationToken: "t1" })
      .resolvesOnce({
        Contents: [object("2.txt", "2"), object("3.txt", "3")],
        IsTruncated: true,
        NextContinuationToken: "t2",
      })
      .resolvesOnce({ Contents: [object("4.txt", "four"), object("5.txt", "5")], IsTruncated: false });

    const report = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "site" });

    const tokens = s3Mock.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input.ContinuationToken);
    expect(tokens).toEqual([undefined, "t1", "t2"]);
    expect(report).toMatchObject({ unchanged: 3, modified: ["4.txt"], deleted: ["5.txt"], remoteObjects: 5 });
  });

  it("fails instead of looping when a truncated page gives no new token", async () => {
    const dir = await site({ "a.txt": "a" });
    s3Mock
      .on(ListObjectsV2Command)
      .resolvesOnce({ Contents: [], IsTruncated: true, NextContinuationToken: "same" })
      .resolves({ Contents: [], IsTruncated: true, NextContinuationToken: "same" });
    await expect(diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "site" })).rejects.toThrow(TransientError);

    s3Mock.reset();
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [], IsTruncated: true });
    await expect(diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "site" })).rejects.toThrow(
      /no continuation token/,
    );
  });

  it("decodes URL-encoded keys the way botocore does (a space may come as +)", async () => {
    const dir = await site({ "a b+c é.txt": "x", "d e.txt": "y" });
    s3Mock.on(ListObjectsV2Command).resolves({
      EncodingType: "url",
      IsTruncated: false,
      Contents: [
        // real S3 form-encodes; moto uses %20: both must decode to the same key.
        { Key: "a+b%2Bc+%C3%A9.txt", Size: 1, ETag: quoted(md5("x")) },
        { Key: "d%20e.txt", Size: 1, ETag: quoted(md5("y")) },
      ],
    });
    const report = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "site" });
    expect(report).toMatchObject({ unchanged: 2, added: [], deleted: [] });
  });

  it("ignores zero-byte folder markers, as the AWS CLI's sync does", async () => {
    const dir = await site({ "img/a.png": "png" });
    listing([{ Key: "img/", Size: 0, ETag: quoted(md5("")) }, object("img/a.png", "png")]);
    const report = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "site" });
    expect(report).toMatchObject({ unchanged: 1, deleted: [], remoteObjects: 1 });
  });

  it("reports no deletions when told the sync does not delete, but still counts the extra objects", async () => {
    const dir = await site({ "a.txt": "a" });
    listing([object("a.txt", "a"), object("old.txt", "old")]);
    const report = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "site", includeDeletions: false });
    expect(report).toMatchObject({ deleted: [], remoteOnly: 1 });
    expect(changedKeys(report)).toEqual([]);
  });

  // Changed in issue 16 (was: unverifiable, with a warning about SSE-KMS/SSE-C on every routine
  // edit). An object whose ETag matched its file shows the bucket's ETags are MD5s, so a same-size
  // mismatch beside it is a proven edit: modified, and no warning.
  it("counts a same-size ETag mismatch as modified when another object's ETag matched its file", async () => {
    const dir = await site({ "same.txt": "abc", "edited.txt": "abd" });
    listing([object("same.txt", "abc"), { Key: "edited.txt", Size: 3, ETag: quoted(md5("abc")) }]);
    const report = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "site" });
    expect(report.modified).toEqual(["edited.txt"]);
    expect(report.unverifiable).toEqual([]);
    expect(report.possiblyEncrypted).toBe(0);
    expect(report.warnings).toEqual([]);
    expect(changedKeys(report)).toEqual(["edited.txt"]);
  });

  it("keeps a lone same-size mismatch unverifiable, in plain English", async () => {
    const dir = await site({ "edited.txt": "abd" });
    listing([{ Key: "edited.txt", Size: 3, ETag: quoted(md5("abc")) }]);
    const report = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "site" });
    expect(report.unverifiable).toEqual([
      {
        key: "edited.txt",
        reason: "same-size-etag-mismatch",
        storedEtag: md5("abc"),
        localEtag: md5("abd"),
        detail: expect.stringContaining("SSE-KMS"),
      },
    ]);
    expect(report.warnings).toEqual([
      expect.stringMatching(/^1 object has the size of its local file but another ETag/),
    ]);
    expect(report.warnings[0]).toMatch(/It counts as changed$/);
  });

  it("says the bucket is probably encrypted when no same-size object matches", async () => {
    const dir = await site({ "a.txt": "a", "b.txt": "b" });
    // SSE-KMS ETags: 32 hex digits that are not the MD5 of the content.
    listing([
      { Key: "a.txt", Size: 1, ETag: quoted("0".repeat(32)) },
      { Key: "b.txt", Size: 1, ETag: quoted("1".repeat(32)) },
    ]);
    const report = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "site" });
    expect(report).toMatchObject({ unchanged: 0, possiblyEncrypted: 2 });
    expect(report.warnings).toEqual([expect.stringContaining("probably encrypted with SSE-KMS or SSE-C")]);
  });

  it("compares a multipart ETag with the multipart hash of the configured part size", async () => {
    // A 5 MiB minimum part size keeps this test's file at 11 MiB: three parts of 5 MiB.
    const content = "x".repeat(11 * 1024 * 1024);
    const dir = await site({ "big.bin": content });
    const partSize = 5 * 1024 * 1024;
    const parts = [0, 1, 2].map((i) =>
      createHash("md5")
        .update(content.slice(i * partSize, (i + 1) * partSize))
        .digest(),
    );
    const multipart = `${createHash("md5").update(Buffer.concat(parts)).digest("hex")}-3`;
    listing([{ Key: "big.bin", Size: content.length, ETag: quoted(multipart) }]);

    const matching = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "site", partSizeBytes: partSize });
    expect(matching).toMatchObject({ unchanged: 1, unverifiable: [] });

    // With the default 8 MiB parts the CLI would make 2 parts, not 3: another part size was used.
    const other = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "site" });
    expect(other.unverifiable).toEqual([
      expect.objectContaining({
        key: "big.bin",
        reason: "part-count-mismatch",
        detail: expect.stringContaining("stored as 3 parts but the AWS CLI with a 8 MiB part size makes 2 parts"),
      }),
    ]);
    // Not an encryption suspect: the part count alone shows the upload differed.
    expect(other.possiblyEncrypted).toBe(0);
    expect(other.hashedBytes).toBe(content.length);
  });

  it("verifies a large object that another tool uploaded in one part by its plain MD5", async () => {
    const content = "y".repeat(9 * 1024 * 1024);
    const dir = await site({ "big.bin": content });
    listing([{ Key: "big.bin", Size: content.length, ETag: quoted(md5(content)) }]);
    const report = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "site" });
    expect(report).toMatchObject({ unchanged: 1, unverifiable: [] });
  });

  it("counts an ETag without any MD5 form as unverifiable", async () => {
    const dir = await site({ "a.txt": "a" });
    listing([{ Key: "a.txt", Size: 1, ETag: '"not-an-md5"' }]);
    const report = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "site" });
    expect(report.unverifiable).toEqual([expect.objectContaining({ key: "a.txt", reason: "no-content-hash" })]);
  });

  it("follows symbolic links to files and folders, and skips loops and broken ones", async () => {
    const dir = await site({ "real/a.txt": "a" });
    await symlink(join(dir, "real/a.txt"), join(dir, "link.txt"));
    await symlink(join(dir, "real"), join(dir, "linked-dir"));
    await symlink(dir, join(dir, "real/loop"));
    await symlink(join(dir, "missing"), join(dir, "broken"));
    listing([]);
    const report = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "site" });
    // The link back to the root is a loop wherever it is reached from: not entered.
    expect(report.added).toEqual(["link.txt", "linked-dir/a.txt", "real/a.txt"]);
    expect([...report.warnings].sort()).toEqual([
      'skipped "broken": broken symbolic link',
      'skipped "linked-dir/loop": symbolic link back to a folder that contains it (a loop)',
      'skipped "real/loop": symbolic link back to a folder that contains it (a loop)',
    ]);

    const noLinks = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "site", followSymlinks: false });
    expect(noLinks.added).toEqual(["real/a.txt"]);
  });

  it("turns a denied listing into a permission error that names s3:ListBucket", async () => {
    const dir = await site({ "a.txt": "a" });
    s3Mock.on(ListObjectsV2Command).rejects(
      new S3ServiceException({
        name: "AccessDenied",
        $fault: "client",
        $metadata: { httpStatusCode: 403 },
        message: "Access Denied",
      }),
    );
    const error = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "site" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionError);
    expect((error as Error).message).toContain("grant s3:ListBucket on arn:aws:s3:::site");
  });

  it("turns a missing bucket into a configuration error", async () => {
    const dir = await site({ "a.txt": "a" });
    s3Mock.on(ListObjectsV2Command).rejects(
      new S3ServiceException({
        name: "NoSuchBucket",
        $fault: "client",
        $metadata: { httpStatusCode: 404 },
        message: "nope",
      }),
    );
    await expect(diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "site" })).rejects.toThrow(ConfigurationError);
  });

  it("rejects a missing folder, a bucket with a slash and a zero concurrency before any request", async () => {
    listing([]);
    const dir = await site({});
    await expect(diffSiteAgainstBucket({ s3, siteDirectory: join(root, "nope"), bucket: "site" })).rejects.toThrow(
      /cannot read the site directory/,
    );
    await expect(diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "site/www" })).rejects.toThrow(
      ConfigurationError,
    );
    await expect(diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "site", concurrency: 0 })).rejects.toThrow(
      /concurrency/,
    );
    expect(s3Mock.commandCalls(ListObjectsV2Command)).toHaveLength(0);
  });
});

describe("formatChangeList", () => {
  const report = (keys: Partial<ContentDiffReport>): ContentDiffReport => ({
    bucket: "b",
    prefix: "",
    added: [],
    modified: [],
    deleted: [],
    unverifiable: [],
    unchanged: 0,
    possiblyEncrypted: 0,
    remoteOnly: 0,
    localFiles: 0,
    remoteObjects: 0,
    hashedFiles: 0,
    hashedBytes: 0,
    warnings: [],
    ...keys,
  });

  it("lists every changed key once a line, unverifiable ones included", () => {
    const text = formatChangeList(
      report({
        added: ["www/b.html"],
        modified: ["www/a b.html"],
        deleted: ["www/old.css"],
        unverifiable: [{ key: "www/kms.js", reason: "same-size-etag-mismatch", detail: "", storedEtag: "" }],
      }),
    );
    expect(text).toBe("www/a b.html\nwww/b.html\nwww/kms.js\nwww/old.css\n");
  });

  it("is empty when nothing changed", () => {
    expect(formatChangeList(report({}))).toBe("");
  });

  it("adds a leading slash only where a key would be misread", () => {
    expect(
      formatChangeList([
        "/rooted",
        " spaced",
        "upload: x.html to s3://b/x.html",
        "s3://b/k",
        "Completed 1 file(s) with 1 file(s) remaining",
        "plain name.html",
      ]),
    ).toBe(
      "//rooted\n/ spaced\n/upload: x.html to s3://b/x.html\n/s3://b/k\n/Completed 1 file(s) with 1 file(s) remaining\nplain name.html\n",
    );
  });

  // Drift fix (issue 13): such keys were refused, and each adapter covered them its own way (explicit
  // paths, /*, prefix wildcards). Now every key has a line: the ones no plain line holds are quoted.
  it("writes a key that no plain line can hold as a JSON string, which reads back as that key", () => {
    expect(formatChangeList(["a\nb"])).toBe('"a\\nb"\n');
    expect(formatChangeList(["a\rb"])).toBe('"a\\rb"\n');
    expect(formatChangeList(["ends in a space "])).toBe('"ends in a space "\n');
    expect(formatChangeList(['"quoted"'])).toBe('"\\"quoted\\""\n');
    for (const key of ["a\nb", "a\rb", "ends in a space ", '"quoted"', " lead"]) {
      expect(parseChanges(formatChangeList([key])).objects.map((o) => o.key)).toEqual([key]);
    }
  });

  it("writes lists that parseChanges reads back as the same keys, or refuses them", () => {
    // Keys built from the pieces that trouble a line-based format.
    const piece = fc.constantFrom(
      "/",
      " ",
      "\t",
      "\r",
      "\n",
      "upload: ",
      "delete: ",
      "s3://",
      "Completed ",
      "a",
      "é",
      "#",
      "?",
      " to ",
      "\ufeff",
    );
    const key = fc.oneof(
      fc.string({ minLength: 1 }),
      fc.array(piece, { minLength: 1, maxLength: 6 }).map((p) => p.join("")),
    );
    fc.assert(
      fc.property(fc.uniqueArray(key, { minLength: 1, maxLength: 5 }), (keys) => {
        let text: string;
        try {
          text = formatChangeList(keys);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigurationError);
          expect((error as Error).message).toMatch(/cannot be written/);
          return;
        }
        expect(parseChanges(text).objects.map((o) => o.key)).toEqual(keys);
      }),
      { numRuns: 500 },
    );
  });
});

describe("normalizeS3Prefix and createS3Client", () => {
  it("normalizes every spelling of a prefix to one with a trailing slash", () => {
    expect(["site", "/site", "site/", "//site/"].map(normalizeS3Prefix)).toEqual(["site/", "site/", "site/", "site/"]);
    expect(["", "/"].map(normalizeS3Prefix)).toEqual(["", ""]);
    expect(normalizeS3Prefix("a/b")).toBe("a/b/");
  });

  it("uses path-style addressing when an emulator endpoint is set, and follows region redirects", async () => {
    const local = createS3Client({}, { AWS_ENDPOINT_URL: "http://127.0.0.1:1" });
    expect(local.config.forcePathStyle).toBe(true);
    expect(local.config.followRegionRedirects).toBe(true);
    expect(await local.config.region()).toBe("us-east-1");
    const aws = createS3Client({ region: "eu-west-3" }, {});
    expect(aws.config.forcePathStyle).toBe(false);
    expect(await aws.config.region()).toBe("eu-west-3");
  });
});
