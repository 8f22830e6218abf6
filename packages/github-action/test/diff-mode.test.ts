import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { refusingS3 } from "test-utils";
import { beforeAll, describe, expect, it } from "vitest";
import type { S3Lister } from "../src/diff-step.js";
import { readConfig } from "../src/inputs.js";
import { run } from "../src/main.js";
import { parseSavedDiff, STATE } from "../src/state.js";
import { RecordingIO } from "./support/action-io.js";

const ID = "E2QWRUHAPOMQZL";
let workspace: string;

beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), "gha-diff-"));
  await mkdir(join(workspace, "public"));
  await writeFile(join(workspace, "public", "index.html"), "<h1>Home</h1>");
  await writeFile(join(workspace, "changes.txt"), "www/index.html\n");
});

const read = (inputs: Record<string, string>) => readConfig(new RecordingIO(inputs), workspace);

describe("diff mode inputs", () => {
  it("turns on with site-directory and s3-uri, deletions included by default", async () => {
    const config = await read({ "distribution-id": ID, "site-directory": "public", "s3-uri": "s3://my-site/www" });
    expect(config.diff).toEqual({
      s3Uri: "s3://my-site/www",
      bucket: "my-site",
      prefix: "www/",
      siteDirectory: join(workspace, "public"),
      includeDeletions: true,
      diffOnly: false,
    });
  });

  it("reads delete, part-size and diff-only; diff-only needs no distribution id", async () => {
    const config = await read({
      "site-directory": "public",
      "s3-uri": "s3://my-site",
      delete: "false",
      "part-size": "16MB",
      "diff-only": "true",
    });
    expect(config.distributionIds).toEqual([]);
    expect(config.diff).toMatchObject({ prefix: "", includeDeletions: false, partSizeBytes: 16 * 1024 * 1024 });
  });

  it("still requires the distribution id when the post step is to invalidate", async () => {
    await expect(read({ "site-directory": "public", "s3-uri": "s3://my-site" })).rejects.toThrow(/distribution-id/);
  });

  it.each([
    [{ "s3-uri": "s3://my-site" }, /"s3-uri" needs "site-directory"/],
    [{ "s3-uri": "s3://my-site", "site-directory": "public", paths: "/a" }, /either s3-uri/],
    [{ "s3-uri": "s3://my-site", "site-directory": "public", "changes-file": "changes.txt" }, /either s3-uri/],
    [{ "s3-uri": "https://my-site", "site-directory": "public" }, /input "s3-uri".*https:\/\/my-site/],
    [{ "diff-only": "true" }, /"diff-only" needs "s3-uri"/],
    [{ "part-size": "lots" }, /input "part-size"/],
    [{ delete: "sometimes" }, /input "delete"/],
  ])("rejects %j", async (inputs, message) => {
    await expect(read({ "distribution-id": ID, ...inputs })).rejects.toThrow(message);
  });

  it("reads changes-file like sync-log, but not both", async () => {
    const config = await read({ "distribution-id": ID, "changes-file": "changes.txt" });
    // Streamed into the core when planning: the config holds where the list is, not its text.
    expect(config.changesFile).toEqual({ file: "changes.txt", path: join(workspace, "changes.txt") });
    await expect(
      read({ "distribution-id": ID, "changes-file": "changes.txt", "sync-log": "changes.txt" }),
    ).rejects.toThrow(/both set/);
    await expect(read({ "distribution-id": ID, "changes-file": "missing.txt" })).rejects.toThrow(
      /input "changes-file".*missing\.txt/,
    );
  });

  // The parsing itself is the core's (parseS3Location, parsePartSize); here: the inputs reach it.
  it.each([
    ["s3://b", { bucket: "b", prefix: "" }],
    ["s3://b/", { bucket: "b", prefix: "" }],
    [" s3://b/site ", { bucket: "b", prefix: "site/" }],
  ])("reads s3-uri %j", async (uri, expected) => {
    const config = await read({ "distribution-id": ID, "site-directory": "public", "s3-uri": uri });
    expect(config.diff).toMatchObject(expected);
  });

  it("reads part sizes in bytes or with the AWS CLI's binary units, empty meaning the default", async () => {
    const partSize = async (value: string) =>
      (await read({ "distribution-id": ID, "site-directory": "public", "s3-uri": "s3://b", "part-size": value })).diff
        ?.partSizeBytes;
    expect(await partSize("")).toBeUndefined();
    expect(await partSize("5242880")).toBe(5 * 1024 * 1024);
    expect(await partSize("8mib")).toBe(8 * 1024 * 1024);
  });

  it.each([
    [
      "part-size",
      "8.5MB",
      'input "part-size" must be a size in bytes such as 8388608, 8MB or 16MiB (the AWS CLI\'s multipart_chunksize)',
    ],
    ["s3-uri", "s3:///site", 'input "s3-uri" must be the sync\'s destination, s3://BUCKET or s3://BUCKET/PREFIX'],
  ])("names the input %s and its value %j when refusing it", async (input, value, message) => {
    const inputs = { "distribution-id": ID, "site-directory": "public", "s3-uri": "s3://b", [input]: value };
    await expect(read(inputs)).rejects.toThrow(`${message}, got ${JSON.stringify(value)}`);
  });
});

describe("diff mode's main step", () => {
  it("names site-directory when it is not a folder, before the bucket is asked anything", async () => {
    await writeFile(join(workspace, "a-file"), "x");
    const io = new RecordingIO({ "distribution-id": ID, "site-directory": "a-file", "s3-uri": "s3://my-site/www" });
    const s3 = refusingS3<S3Lister>();
    await run({ io, cwd: workspace, createS3Client: () => s3.client });

    expect(io.failures.join("\n")).toMatch(/Configuration error: input "site-directory": .*is not a directory/);
    expect(s3.requests()).toBe(0);
    expect(io.outputs.get("status")).toBe("failed");
  });
});

describe("the post step", () => {
  it("does nothing when the main step saved no diff (invalidation mode or diff-only)", async () => {
    const io = new RecordingIO({ "distribution-id": ID }, { [STATE.isPost]: "true" });
    let clients = 0;
    await run({
      io,
      cwd: workspace,
      createClient: () => {
        clients += 1;
        throw new Error("no client expected");
      },
    });
    expect(clients).toBe(0);
    expect(io.failures).toEqual([]);
    expect(io.text).toContain("nothing to do");
  });

  it("the main step always marks the state, so the post step never runs the main step again", async () => {
    const io = new RecordingIO({ "distribution-id": ID, "dry-run": "true" });
    await run({ io, cwd: workspace });
    expect(io.saved.get(STATE.isPost)).toBe("true");
    expect(io.saved.has(STATE.diff)).toBe(false);
  });

  it("refuses state of an unknown shape instead of guessing", () => {
    expect(parseSavedDiff("")).toBeUndefined();
    expect(() => parseSavedDiff('{"version":2}')).toThrow(/same version of the action/);
    expect(() => parseSavedDiff('{"version":1,"changes":"a\\n","changesFile":"/x","extraPaths":[]}')).toThrow(
      /same version of the action/,
    );
    expect(() => parseSavedDiff("not json")).toThrow(/not JSON/);
  });

  // The keys travel as data now (no change list text, no extra paths): a key with a line break
  // reaches the core as it is.
  it("invalidates the saved keys in a dry run, a key no change list line can hold included", async () => {
    const saved = { version: 2, keys: ["www/index.html", "www/odd\n"] };
    const io = new RecordingIO(
      {
        "distribution-id": ID,
        "site-directory": "public",
        "s3-uri": "s3://b/www",
        "s3-prefix": "www",
        "dry-run": "true",
      },
      { [STATE.isPost]: "true", [STATE.diff]: JSON.stringify(saved) },
    );
    await run({ io, cwd: workspace });
    expect(io.failures).toEqual([]);
    expect(io.outputs.get("status")).toBe("dry-run");
    expect(io.outputs.get("paths")?.split("\n").sort()).toEqual(["/", "/index.html", "/odd%0A"]);
  });
});
