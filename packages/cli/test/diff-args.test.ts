import { ConfigurationError, readChangeLog } from "invalidation-core";
import { formatChangeList } from "invalidation-core/content-diff";
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../src/args.js";

function usageError(argv: string[]): string {
  try {
    parseCommandLine(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error(`expected ${argv.join(" ")} to be rejected`);
}

describe("cf-invalidate diff arguments", () => {
  it("parses the diff subcommand with deletions on by default", () => {
    expect(parseCommandLine(["diff", "--site-dir", "public", "--s3-uri", "s3://my-site/www"])).toEqual({
      command: "diff",
      siteDir: "public",
      s3Uri: "s3://my-site/www",
      bucket: "my-site",
      prefix: "www/",
      includeDeletions: true,
      json: false,
    });
  });

  it("takes --no-delete, --part-size with the AWS CLI's units, --output and --json", () => {
    expect(
      parseCommandLine([
        "diff",
        "--site-dir=public",
        "--s3-uri=s3://my-site",
        "--no-delete",
        "--part-size",
        "16MB",
        "--output",
        "changes.txt",
        "--json",
      ]),
    ).toMatchObject({
      bucket: "my-site",
      prefix: "",
      includeDeletions: false,
      partSizeBytes: 16 * 1024 * 1024,
      output: "changes.txt",
      json: true,
    });
  });

  it("requires --site-dir and --s3-uri, and rejects main-command flags", () => {
    expect(usageError(["diff", "--s3-uri", "s3://b/p"])).toMatch(/--site-dir/);
    expect(usageError(["diff", "--site-dir", "public"])).toMatch(/--s3-uri/);
    expect(usageError(["diff", "--site-dir", "p", "--s3-uri", "s3://b", "--distribution-id", "E1"])).toMatch(
      /distribution-id/,
    );
  });

  // The table of URIs is the core's (parseS3Location); here: the flag reaches it.
  it.each([
    ["s3://bucket", "bucket", ""],
    ["s3://bucket/a/b", "bucket", "a/b/"],
  ])("reads --s3-uri %s as bucket %s and prefix %j", (uri, bucket, prefix) => {
    expect(parseCommandLine(["diff", "--site-dir", "p", "--s3-uri", uri])).toMatchObject({
      s3Uri: uri,
      bucket,
      prefix,
    });
  });

  it.each(["https://bucket/site", "s3://", "s3:///site", "bucket/site", "s3://bad bucket/x"])(
    "rejects %j as an S3 URI, naming the flag and the value",
    (uri) => {
      expect(usageError(["diff", "--site-dir", "p", "--s3-uri", uri])).toBe(
        `--s3-uri must be the sync's destination, s3://BUCKET or s3://BUCKET/PREFIX, got ${JSON.stringify(uri)}`,
      );
    },
  );

  it.each([
    ["8388608", 8388608],
    ["8MB", 8 * 1024 * 1024],
    ["16 MiB", 16 * 1024 * 1024],
    ["1gb", 1024 ** 3],
  ])("reads the part size %j as %d bytes", (text, bytes) => {
    const argv = ["diff", "--site-dir", "p", "--s3-uri", "s3://b", "--part-size", text];
    expect(parseCommandLine(argv)).toMatchObject({ partSizeBytes: bytes });
  });

  it.each(["", "0", "8 MBs", "1.5MB", "-1"])("rejects the part size %j, naming the flag and the value", (text) => {
    const argv = ["diff", "--site-dir", "p", "--s3-uri", "s3://b", `--part-size=${text}`];
    expect(usageError(argv)).toBe(
      `--part-size must be a size in bytes such as 8388608, 8MB or 16MiB (the AWS CLI's multipart_chunksize), got ${JSON.stringify(text)}`,
    );
  });
});

describe("--changes on the main command", () => {
  it("takes a change list file", () => {
    expect(parseCommandLine(["--changes", "changes.txt"])).toMatchObject({ command: "run", changes: "changes.txt" });
  });

  it("refuses --changes with --sync-log, and two readers of stdin", () => {
    expect(usageError(["--changes", "a", "--sync-log", "b"])).toMatch(/--sync-log and --changes/);
    expect(usageError(["--changes", "-", "--paths-file", "-"])).toMatch(/stdin/);
  });
});

// Was splitChangeList, which left such keys out of the list with a warning: since the core's
// 558fe2a every key has a line (a JSON string where no plain line holds it), read back as that key.
describe("formatChangeList", () => {
  it("writes every key, quoting the ones that a plain line cannot hold, and reads them back", async () => {
    const keys = ["a b.html", "line\nbreak.html", "trailing.html ", "z.html"];
    const text = formatChangeList(keys);
    expect(text).toBe('a b.html\n"line\\nbreak.html"\n"trailing.html "\nz.html\n');
    expect((await readChangeLog(Buffer.from(text), "change list")).keys).toEqual(keys);
  });
});
