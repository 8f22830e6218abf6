// Malformed inputs through the action's dist/index.js as the runner runs it: each must fail the
// step with "Configuration error: input "<name>" ..." (setFailed), before any AWS call, never a
// crash or a bare stack trace; odd sync logs must be read correctly or refused clearly.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_CREDENTIALS } from "test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAction } from "./support/action.ts";
import { type Endpoint, startAccessDenied } from "./support/fake-endpoints.ts";
import { STACK_LINE } from "./support/processes.ts";
import { NICE_PATHS, writeSyncLogs } from "./support/sync-logs.ts";

const ID = "E2QWRUHAPOMQZL";
const dir = mkdtempSync(join(tmpdir(), "reliability-gha-bad-"));
const logs = writeSyncLogs(dir);
const file = (name: string) => readFileSync(logs[name]!);

let recorder: Endpoint;
beforeAll(async () => {
  recorder = await startAccessDenied();
}, 60_000);
afterAll(async () => {
  await recorder?.stop();
}, 30_000);

const action = (inputs: Record<string, string>, files: Record<string, Buffer | string> = {}) =>
  runAction(inputs, { ...TEST_CREDENTIALS, AWS_ENDPOINT_URL_CLOUDFRONT: recorder.endpoint }, files);

describe("action inputs: each bad one fails the step with a message naming the input", () => {
  const cases: [string, Record<string, string>, string, RegExp][] = [
    ["no distribution id", { "distribution-id": "" }, "distribution-id", /required/],
    ["a lower-case id", { "distribution-id": "e2qwruhapomqzl" }, "distribution-id", /E2QWRUHAPOMQZL/],
    ["an id list with a bad one", { "distribution-id": `${ID},\nnot-an-id` }, "distribution-id", /not-an-id/],
    ["an ARN of something else", { "distribution-id": "arn:aws:s3:::bucket" }, "distribution-id", /ARN/],
    ["a path without a slash", { "distribution-id": ID, paths: "index.html" }, "paths", /"\/index\.html"/],
    ["a wildcard in the middle", { "distribution-id": ID, paths: "/ok\n/a*/b" }, "paths", /wildcard/],
    ["a cache tag", { "distribution-id": ID, paths: "#release" }, "paths", /cache tag/],
    ["an S3 URI for a path", { "distribution-id": ID, paths: "s3://bucket/key" }, "paths", /S3 URI/],
    ["max-paths 0", { "distribution-id": ID, "max-paths": "0" }, "max-paths", /1/],
    ["max-paths in scientific notation", { "distribution-id": ID, "max-paths": "1e3" }, "max-paths", /whole number/],
    [
      "max-paths beyond any integer",
      { "distribution-id": ID, "max-paths": "99999999999999999999" },
      "max-paths",
      /between/,
    ],
    ["wait as a sentence", { "distribution-id": ID, wait: "yes please" }, "wait", /yes please/],
    [
      "a fractional timeout",
      { "distribution-id": ID, "wait-timeout-seconds": "1.5" },
      "wait-timeout-seconds",
      /whole number/,
    ],
    [
      "a timeout past a job's 6 hours",
      { "distribution-id": ID, "wait-timeout-seconds": "100000" },
      "wait-timeout-seconds",
      /between/,
    ],
    ["dry-run as nonsense", { "distribution-id": ID, "dry-run": "maybe" }, "dry-run", /maybe/],
    [
      "a sync log that does not exist",
      { "distribution-id": ID, "sync-log": "missing.log" },
      "sync-log",
      /missing\.log/,
    ],
    [
      "a site directory that does not exist",
      { "distribution-id": ID, "site-directory": "no-site" },
      "site-directory",
      /no-site/,
    ],
    [
      "a two-line caller reference",
      { "distribution-id": ID, "caller-reference": "a\nb" },
      "caller-reference",
      /one line/,
    ],
  ];
  it.each(cases)("%s", async (_name, inputs, input, detail) => {
    const run = await action(inputs);
    expect(run.code, run.stdout).toBe(1);
    const message = run.errors.join("\n");
    expect(message).toMatch(new RegExp(`^Configuration error: input "${input}"`));
    expect(message).toMatch(detail);
    expect(run.stdout).not.toMatch(STACK_LINE);
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(run.outputs.status).toBe("failed");
    expect(recorder.requests).toBe(0);
  });
});

describe("action sync logs: read correctly or refused clearly", () => {
  const dryRun = (name: string) =>
    action({ "distribution-id": ID, "sync-log": "sync.log", "dry-run": "true" }, { "sync.log": file(name) });

  it.each(["lf", "crlf", "utf8-bom"])("a %s log plans exactly the changed objects", async (name) => {
    const run = await dryRun(name);
    expect(run.code, run.stdout).toBe(0);
    expect((run.outputs.paths ?? "").split("\n").sort()).toEqual([...NICE_PATHS].sort());
  });

  it("binary garbage does not crash the step", async () => {
    const run = await dryRun("binary");
    expect(run.stdout).not.toMatch(STACK_LINE);
    expect(run.code === 0 ? run.outputs.paths : "refused").toMatch(/^(\/\*|refused)$/);
  });

  it("a log of a sync that changed nothing skips", async () => {
    const run = await action({ "distribution-id": ID, "sync-log": "sync.log" }, { "sync.log": file("no-change") });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.status).toBe("skipped");
    expect(recorder.requests).toBe(0);
  });

  // Found by this suite and fixed: a UTF-16 log used to be read as UTF-8 and planned
  // `/%00u%00p%00l...` garbage; the core's decodeChangeText now reads it by its BOM.
  it("a UTF-16LE log (PowerShell's default) is decoded or refused", async () => {
    const run = await dryRun("utf16le-bom");
    if (run.code === 1) expect(run.errors.join("\n")).toMatch(/UTF-16|encoding/i);
    else expect((run.outputs.paths ?? "").split("\n").sort()).toEqual([...NICE_PATHS].sort());
  });
});
