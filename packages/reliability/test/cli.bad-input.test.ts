// Malformed flags and sync logs through the bundled CLI as a process. Each one must end in a
// clear message (exit 2, naming the flag or value) or be handled correctly; none may crash,
// show only a stack trace, or reach AWS.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { covers } from "invalidation-core";
import { TEST_CREDENTIALS } from "test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support/cli.ts";
import { type Endpoint, startAccessDenied } from "./support/fake-endpoints.ts";
import type { ProcessRun } from "./support/processes.ts";
import { STACK_LINE } from "./support/processes.ts";
import { MILLION, NICE_PATHS, writeSyncLogs } from "./support/sync-logs.ts";

const dir = mkdtempSync(join(tmpdir(), "reliability-cli-bad-"));
const logs = writeSyncLogs(dir);
const ID = "E2QWRUHAPOMQZL";

let recorder: Endpoint;
beforeAll(async () => {
  // Any request that reaches "AWS" here is a bug: the input was bad and must stop before it.
  recorder = await startAccessDenied();
}, 60_000);
afterAll(async () => {
  await recorder?.stop();
}, 30_000);

const cli = (args: readonly string[], env: Record<string, string> = {}) =>
  runCli(args, { ...TEST_CREDENTIALS, AWS_ENDPOINT_URL_CLOUDFRONT: recorder.endpoint, ...env });

/** What a person reads must say something besides a stack trace. */
function expectReadable(run: ProcessRun) {
  expect(run.stderr).not.toMatch(STACK_LINE);
  expect(run.stdout).not.toMatch(STACK_LINE);
}

interface JsonReport {
  readonly paths?: readonly string[];
  readonly plan?: { readonly paths: readonly string[] };
}
const plannedPaths = (run: ProcessRun): readonly string[] => {
  const report = JSON.parse(run.stdout) as JsonReport & Record<string, unknown>;
  const plan = (report.plan as { paths?: readonly string[] } | undefined)?.paths ?? report.paths;
  if (!plan) throw new Error(`no plan in ${run.stdout.slice(0, 300)}`);
  return plan;
};

describe("CLI flags: bad usage ends in exit 2 with a message naming the problem, before any AWS call", () => {
  const cases: [string, string[], RegExp, Record<string, string>?][] = [
    ["an unknown flag", ["--distribution-id", ID, "--bogus"], /--bogus/],
    ["a flag without its value", ["--distribution-id"], /--distribution-id/],
    ["no distribution id at all", ["--path", "/x"], /distribution/i],
    ["a lower-case id", ["--distribution-id", "e2qwruhapomqzl"], /E2QWRUHAPOMQZL/],
    // A domain name is a distribution now (issue 17: resolved with ListDistributions); a URL is not.
    ["a URL for a distribution", ["--distribution-id", "https://d111111abcdef8.cloudfront.net/"], /is a URL/],
    [
      "an id from the environment that is malformed",
      [],
      /not a CloudFront distribution id/,
      { CLOUDFRONT_DISTRIBUTION_ID: "not an id!" },
    ],
    ["a path without a leading slash", ["--distribution-id", ID, "--path", "index.html"], /"\/index\.html"/],
    ["a wildcard in the middle", ["--distribution-id", ID, "--path", "/a*/b"], /wildcard/],
    ["a cache-tag item", ["--distribution-id", ID, "--path", "#tag"], /cache tag/],
    ["a URL for a path", ["--distribution-id", ID, "--path", "https://example.com/a.html"], /is a URL/],
    ["a control character in a path", ["--distribution-id", ID, "--path", "/a\u0001b"], /control character/],
    ["a path too long", ["--distribution-id", ID, "--path", `/${"x".repeat(5000)}`], /4000/],
    ["max-paths 0", ["--distribution-id", ID, "--max-paths", "0"], /max-paths/],
    ["max-paths not a number", ["--distribution-id", ID, "--max-paths", "thirty"], /max-paths/],
    ["max-paths a fraction", ["--distribution-id", ID, "--max-paths", "2.5"], /max-paths/],
    ["a negative wait timeout", ["--distribution-id", ID, "--wait-timeout", "-1"], /wait-timeout/],
    ["a wait timeout that is not a number", ["--distribution-id", ID, "--wait-timeout", "soon"], /wait-timeout/],
    [
      "a sync log that does not exist",
      ["--distribution-id", ID, "--sync-log", join(dir, "missing.log")],
      /missing\.log/,
    ],
    ["a sync log that is a directory", ["--distribution-id", ID, "--sync-log", dir], /sync-log|directory|EISDIR/i],
    ["a paths file that does not exist", ["--distribution-id", ID, "--paths-file", join(dir, "nope.txt")], /nope\.txt/],
    ["a site directory that does not exist", ["--distribution-id", ID, "--site-dir", join(dir, "no-site")], /no-site/],
  ];
  it.each(cases)("%s", async (_name, args, message, env) => {
    const run = await cli(args, env);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(message);
    expectReadable(run);
    expect(recorder.requests).toBe(0);
  });
});

describe("sync logs: odd files are read correctly or refused clearly, never a crash", () => {
  const dryRun = (log: string, extra: string[] = []) => cli(["--dry-run", "--json", "--sync-log", log, ...extra]);

  it("CRLF line ends give the same plan as LF", async () => {
    const [crlf, lf] = await Promise.all([dryRun(logs.crlf!), dryRun(logs.lf!)]);
    expect(crlf.code, crlf.stderr).toBe(0);
    expect(plannedPaths(crlf)).toEqual(plannedPaths(lf));
    expect([...plannedPaths(lf)].sort()).toEqual([...NICE_PATHS].sort());
  });

  it("a UTF-8 byte order mark is ignored", async () => {
    const run = await dryRun(logs["utf8-bom"]!);
    expect(run.code, run.stderr).toBe(0);
    expect([...plannedPaths(run)].sort()).toEqual([...NICE_PATHS].sort());
  });

  it("a log cut off mid-line (and mid-character) still invalidates every complete line", async () => {
    const run = await dryRun(logs.truncated!);
    expect(run.code, run.stderr).toBe(0);
    const plan = plannedPaths(run);
    for (const path of NICE_PATHS) expect(plan.some((p) => covers(p, path))).toBe(true);
    expectReadable(run);
  });

  it("an empty log and a log of a sync that changed nothing invalidate nothing and succeed", async () => {
    for (const log of [logs.empty!, logs["no-change"]!]) {
      const run = await cli(["--distribution-id", ID, "--sync-log", log]);
      expect(run.code, run.stderr).toBe(0);
      expect(recorder.requests).toBe(0);
    }
  });

  it("a fatal error in the log is shown as a warning", async () => {
    const run = await cli(["--dry-run", "--sync-log", logs.fatal!]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/warning: .*fatal error/);
  });

  it("binary garbage does not crash: it is refused or invalidates everything", async () => {
    const run = await dryRun(logs.binary!);
    expectReadable(run);
    if (run.code === 0) expect(plannedPaths(run)).toEqual(["/*"]);
    else expect(run.code).toBe(2);
  });

  // Found by this test and fixed in invalidation-core/src/paths.ts: the warning quoted the whole
  // key, so a 5 MB line printed a 5 MB warning (and a --json report carried it).
  it("a 5 MB line is skipped with a warning that does not flood the output", async () => {
    const run = await cli(["--dry-run", "--sync-log", logs["long-line"]!]);
    expect(run.code, run.stderr).toBe(0);
    // The core's reader now skips an over-long line before it is a key, and says how many it skipped.
    expect(run.stderr).toMatch(/warning: (skipped key|\d+ line\(s\) longer than \d+ characters skipped)/);
    expectReadable(run);
    expect(run.stderr.length).toBeLessThan(10_000);
  });

  // Found by this test and fixed in invalidation-core/src/build-plan.ts: `changed.push(...paths)`
  // spread a million paths into arguments, threw RangeError (Maximum call stack size exceeded)
  // and the CLI reported it as "AWS call failed", exit 1.
  it(`${MILLION.toLocaleString("en")} lines plan within the budget and cover every changed object`, {
    timeout: 90_000,
  }, async () => {
    const run = await dryRun(logs.million!);
    expect(run.code, run.stderr.slice(0, 500)).toBe(0);
    const plan = plannedPaths(run);
    expect(plan.length).toBeLessThanOrEqual(30);
    for (const i of [0, 1, 999, 123_456, MILLION - 1]) {
      const path = `/d${i % 1000}/f${i}.html`;
      expect(
        plan.some((p) => covers(p, path)),
        path,
      ).toBe(true);
    }
  });

  // Found by this suite and fixed: a UTF-16 log (PowerShell's `>` writes UTF-16LE with a BOM)
  // used to become keys full of NULs, so the changed objects were not invalidated, silently.
  it.each(["utf16le-bom", "utf16be-bom"])(
    "a %s log is decoded or refused, never turned into garbage paths",
    async (name) => {
      const run = await dryRun(logs[name]!);
      if (run.code === 2) {
        expect(run.stderr).toMatch(/UTF-16|encoding/i);
      } else {
        expect(run.code).toBe(0);
        expect([...plannedPaths(run)].sort()).toEqual([...NICE_PATHS].sort());
      }
    },
  );

  // Found by this suite and fixed: a Latin-1 log used to turn `café.html` into
  // `/caf%EF%BF%BD.html` (U+FFFD), silently; now it is read as Windows-1252 with a warning.
  it("a Latin-1 log is not silently turned into U+FFFD paths", async () => {
    const run = await dryRun(logs.latin1!);
    expect(run.code === 2 || /UTF-8|encoding/i.test(run.stderr)).toBe(true);
  });
});
