import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ListObjectsV2Command, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { MAX_NAMED_UNVERIFIABLE, runContentDiff } from "../src/content-diff.js";
import { ConfigurationError } from "../src/errors.js";
import { parseChanges } from "../src/sync-log.js";

const md5 = (text: string) => createHash("md5").update(text).digest("hex");
const object = (key: string, content: string) => ({ Key: key, Size: content.length, ETag: `"${md5(content)}"` });

let root: string;
let client: S3Client;
let s3Mock: ReturnType<typeof mockClient>;
let made: number;
const dependencies = () => ({
  createS3Client: () => {
    made += 1;
    return client;
  },
});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "run-content-diff-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
beforeEach(() => {
  client = new S3Client({ region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } });
  s3Mock = mockClient(client);
  made = 0;
});

async function site(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  for (const [key, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, key)), { recursive: true });
    await writeFile(join(dir, key), content);
  }
  return dir;
}

const listing = (objects: object[]) =>
  s3Mock.on(ListObjectsV2Command).resolves({ Contents: objects, IsTruncated: false, KeyCount: objects.length });

const request = (siteDirectory: string, more: { includeDeletions?: boolean } = {}) => ({
  siteDirectory,
  s3Uri: "s3://site/www",
  bucket: "site",
  prefix: "www",
  noDeleteName: "--no-delete",
  ...more,
});

describe("runContentDiff", () => {
  it("returns the keys, the change list, the counts and the headline, and destroys the client it made", async () => {
    const dir = await site("basic", { "index.html": "<h1>new</h1>", "same.css": "body{}", "new page.html": "1" });
    listing([object("www/index.html", "<h1>old, longer</h1>"), object("www/same.css", "body{}")]);
    const destroy = vi.spyOn(client, "destroy");

    const outcome = await runContentDiff(request(dir), dependencies());

    expect(made).toBe(1);
    expect(destroy).toHaveBeenCalledOnce();
    expect(outcome.keys).toEqual(["www/index.html", "www/new page.html"]);
    expect(outcome.changeList).toBe("www/index.html\nwww/new page.html\n");
    expect(outcome.counts).toBe("2 changed keys (1 added, 1 modified, 0 deleted, 0 unverifiable), 1 unchanged");
    expect(outcome.lines).toEqual([
      `Content diff of ${dir} against s3://site/www: ${outcome.counts}; hashed 1 file (6 bytes).`,
    ]);
    expect(outcome.report).toMatchObject({ bucket: "site", prefix: "www/", added: ["www/new page.html"] });
  });

  it("destroys the client when the diff fails, and lets the classified error through", async () => {
    const dir = await site("failing", { "a.txt": "a" });
    const noSuchBucket = new S3ServiceException({ name: "NoSuchBucket", $fault: "client", $metadata: {} });
    s3Mock.on(ListObjectsV2Command).rejects(noSuchBucket);
    const destroy = vi.spyOn(client, "destroy");

    await expect(runContentDiff(request(dir), dependencies())).rejects.toBeInstanceOf(ConfigurationError);
    expect(destroy).toHaveBeenCalledOnce();
  });

  it.each([
    ["--no-delete", "1 object not in the folder left out (--no-delete): the sync keeps them."],
    ["delete: false", "1 object not in the folder left out (delete: false): the sync keeps them."],
  ])("names the setting that left deletions out as the host's user wrote it (%s)", async (name, note) => {
    const dir = await site(`kept-${name.length}`, { "a.txt": "a" });
    listing([object("www/a.txt", "a"), object("www/gone.txt", "gone")]);

    const kept = await runContentDiff(
      { ...request(dir, { includeDeletions: false }), noDeleteName: name },
      dependencies(),
    );
    expect(kept.keys).toEqual([]);
    expect(kept.changeList).toBe("");
    expect(kept.lines.slice(1)).toEqual([note]);
  });

  it("says nothing of deletions when they are included, or when none was left out", async () => {
    const dir = await site("deletions", { "a.txt": "a" });
    listing([object("www/a.txt", "a"), object("www/gone.txt", "gone")]);
    const deleted = await runContentDiff(request(dir), dependencies());
    expect(deleted.keys).toEqual(["www/gone.txt"]);
    expect(deleted.lines).toHaveLength(1);

    listing([object("www/a.txt", "a")]);
    const none = await runContentDiff(request(dir, { includeDeletions: false }), dependencies());
    expect(none.lines).toHaveLength(1);
  });

  it(`says why each unverifiable object counts as changed, for the first ${MAX_NAMED_UNVERIFIABLE}`, async () => {
    const files = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`f${String(i).padStart(2, "0")}.txt`, "x"]));
    const dir = await site("unverifiable", files);
    // Same size, an ETag in no MD5 form: nothing to compare the content with.
    listing(Object.keys(files).map((key) => ({ Key: `www/${key}`, Size: 1, ETag: '"not-an-md5"' })));

    const outcome = await runContentDiff(request(dir), dependencies());

    expect(outcome.report.unverifiable).toHaveLength(25);
    expect(outcome.keys).toHaveLength(25);
    const named = outcome.lines.slice(1);
    expect(named).toHaveLength(MAX_NAMED_UNVERIFIABLE);
    expect(named[0]).toBe(`Counted as changed: "www/f00.txt": ${outcome.report.unverifiable[0]?.detail}`);
    expect(named.at(-1)).toMatch(/^Counted as changed: "www\/f19\.txt": the ETag "not-an-md5" is not an MD5 form/);
  });

  it("writes a change list that reads back as the changed keys, odd keys included", async () => {
    const dir = await site("odd", { " lead.txt": "1", "s3:/x.txt": "2", "upload: a.txt": "3" });
    listing([]);
    const outcome = await runContentDiff(request(dir), dependencies());
    expect(parseChanges(outcome.changeList).objects.map((o) => o.key)).toEqual(outcome.keys);
  });
});
