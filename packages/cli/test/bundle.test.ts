// The bundled CLI as a CI job runs it: `node dist/index.js ...` in a process, judged by its exit
// code, stdout and stderr. No AWS here: dry runs, usage errors, and a loopback CloudFront stand-in.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { covers, toInvalidationPath } from "invalidation-core";
import { freePort, startCloudFrontApiStandIn, TEST_CREDENTIALS } from "test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE, CORE_FIXTURES, FIXTURES, PACKAGE_DIR, runCli } from "./run-cli.ts";

const DISTRIBUTION = "E2QWRUHAPOMQZL";
const credentials = { ...TEST_CREDENTIALS, AWS_REGION: "us-east-1" };

/** Every key must be invalidated by some planned path, by CloudFront's own matching. */
function expectCovered(paths: readonly string[], keys: readonly string[]): void {
  for (const key of keys) {
    const path = toInvalidationPath(key);
    expect(
      paths.some((pattern) => covers(pattern, path)),
      `${path} (key ${JSON.stringify(key)}) is not covered`,
    ).toBe(true);
  }
}

describe("the bundle's interface", () => {
  it("prints the package version", async () => {
    const version = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")).version;
    const run = await runCli(["--version"]);
    expect(run).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it("prints help naming every flag of the interface", async () => {
    const run = await runCli(["--help"]);
    expect(run.code).toBe(0);
    for (const flag of [
      "--distribution-id",
      "--path",
      "--paths-file",
      "--sync-log",
      "--s3-prefix",
      "--index-document",
      "--max-paths",
      "--site-dir",
      "--wait",
      "--wait-timeout",
      "--caller-reference",
      "--dry-run",
      "--json",
      "--version",
      "--changes",
      "diff",
      "--s3-uri",
      "--no-delete",
      "--part-size",
      "--output",
      "--cache-tag",
      "--tenant",
      "--urls-per-path",
    ]) {
      expect(run.stdout).toContain(flag);
    }
  });

  it("starts with a shebang, so it runs as a bin", () => {
    expect(readFileSync(BUNDLE, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
  });

  it("exits 2 on an unknown flag, naming it and pointing at --help", async () => {
    const run = await runCli(["--distribution-id", DISTRIBUTION, "--max-path", "5"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--max-path");
    expect(run.stderr).toContain("--help");
    expect(run.stdout).toBe("");
  });

  it("exits 2 on a malformed distribution id, naming it", async () => {
    const run = await runCli(["--distribution-id", "e2qw-bad", "--path", "/a"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("e2qw-bad");
  });

  it("exits 2 on a bad distribution id from the environment, naming the variable", async () => {
    const run = await runCli(["--path", "/a"], { env: { CLOUDFRONT_DISTRIBUTION_ID: "nope" } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("CLOUDFRONT_DISTRIBUTION_ID");
  });

  it("exits 2 without any distribution id on a real run", async () => {
    const run = await runCli(["--path", "/a"], { env: credentials });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--distribution-id");
  });

  it("exits 2 on a path that is not a path", async () => {
    const run = await runCli(["--distribution-id", DISTRIBUTION, "--path", "index.html", "--dry-run"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("index.html");
  });
});

describe("dry runs on real sync logs", () => {
  const logs = readdirSync(join(CORE_FIXTURES, "cli-v1")).filter((name) => name.endsWith(".log"));

  it("finds the recorded AWS CLI logs", () => {
    // The loop below must not pass by having nothing to check.
    expect(logs.length).toBeGreaterThan(0);
  });

  it.each(logs)("plans paths that cover every object changed in %s", async (log) => {
    const expected = JSON.parse(
      readFileSync(join(CORE_FIXTURES, "cli-v1", log.replace(/\.log$/, ".expected.json")), "utf8"),
    ) as { objects: { key: string }[] };
    const run = await runCli(["--sync-log", join(CORE_FIXTURES, "cli-v1", log), "--dry-run", "--json"]);

    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.pathCount).toBeLessThanOrEqual(30);
    expectCovered(
      report.paths,
      expected.objects.map((o) => o.key),
    );
  });

  it("prints the --json shape: paths, batches and pathCount that agree, warnings, no invalidations", async () => {
    const run = await runCli([
      "--distribution-id",
      DISTRIBUTION,
      "--sync-log",
      join(FIXTURES, "sync-sample.log"),
      "--s3-prefix",
      "site",
      "--dry-run",
      "--json",
    ]);

    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ dryRun: true, distributionIds: [DISTRIBUTION], nothingChanged: false });
    expect(report).not.toHaveProperty("invalidations");
    expect(report.paths.every((p: unknown) => typeof p === "string" && p.startsWith("/"))).toBe(true);
    expect([...report.batches.flat()].sort()).toEqual(report.paths);
    expect(report.pathCount).toBe(report.paths.length);
    // Issue 15: what the plan bills, against one path per changed file.
    expect(report.cost).toMatchObject({ pathsBilled: report.pathCount, usd: 0 });
    expect(report.cost.perFile.pathsBilled).toBe(report.changedPathCount);
    expectCovered(report.paths, [
      "index.html",
      "about/index.html",
      "css/main.css",
      "blog/hello world.html",
      "old-page.html",
    ]);
    // The prefix was stripped: nothing under /site/.
    expect(report.paths.some((p: string) => p.startsWith("/site/"))).toBe(false);
    // The failed upload is not a change, but the user hears of it.
    expect(report.warnings).toEqual([expect.stringContaining("upload failed")]);
  });

  it("reads the sync log from stdin with -", async () => {
    const log = readFileSync(join(FIXTURES, "sync-sample.log"), "utf8");
    const fromFile = await runCli(["--sync-log", join(FIXTURES, "sync-sample.log"), "--dry-run", "--json"]);
    const fromStdin = await runCli(["--sync-log", "-", "--dry-run", "--json"], { stdin: log });
    expect(fromStdin.code).toBe(0);
    expect(JSON.parse(fromStdin.stdout).paths).toEqual(JSON.parse(fromFile.stdout).paths);
  });

  it("collapses into wildcards under a small --max-paths, counting hits with --site-dir", async () => {
    const run = await runCli([
      "--sync-log",
      join(FIXTURES, "sync-sample.log"),
      "--s3-prefix",
      "site",
      "--max-paths",
      "3",
      "--site-dir",
      join(FIXTURES, "site"),
      "--dry-run",
      "--json",
    ]);

    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.pathCount).toBeLessThanOrEqual(3);
    expect(report.wildcardCount).toBeGreaterThan(0);
    expect(typeof report.unchangedHit).toBe("number");
    expectCovered(report.paths, ["index.html", "about/index.html", "css/main.css", "blog/hello world.html"]);
  });

  it("prints the plan for people without --json", async () => {
    const run = await runCli(["--distribution-id", DISTRIBUTION, "--path", "/index.html", "--dry-run"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Plan: 1 path");
    expect(run.stdout).toContain("  /index.html");
    expect(run.stdout).toContain(`Dry run: nothing sent to ${DISTRIBUTION}`);
  });

  it("prints the plan's cost on one line after the plan (issue 15)", async () => {
    const run = await runCli(["--path", "/a", "--path", "/b/*", "--dry-run"]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split("\n");
    const cost = lines.indexOf("Cost: 2 paths billed (free: 500 deploys like this a month fit the 1,000 free paths)");
    expect(cost).toBeGreaterThan(lines.indexOf("  /b/*"));
    expect(lines.indexOf("  /b/*")).toBeGreaterThan(0);
  });

  it("needs no credentials and touches no network", async () => {
    // Every endpoint the SDK could reach (CloudFront, the instance metadata service) points at a
    // recorder; a dry run without credentials must succeed and leave it untouched.
    const hits: string[] = [];
    const recorder = createServer((request, response) => {
      hits.push(`${request.method} ${request.url}`);
      response.end();
    });
    await new Promise<void>((resolve) => recorder.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
    try {
      const run = await runCli(["--distribution-id", DISTRIBUTION, "--path", "/a", "--dry-run", "--json"], {
        env: {
          AWS_ENDPOINT_URL: url,
          AWS_EC2_METADATA_DISABLED: "false",
          AWS_EC2_METADATA_SERVICE_ENDPOINT: url,
          AWS_CONTAINER_CREDENTIALS_FULL_URI: `${url}/creds`,
        },
      });
      expect(run.code, run.stderr).toBe(0);
      expect(hits).toEqual([]);
    } finally {
      recorder.close();
    }
  });
});

describe("the bundle copied on its own", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "cf-invalidate-copy-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("runs with node alone, with no node_modules or package.json beside it", async () => {
    const script = join(dir, "index.js");
    copyFileSync(BUNDLE, script);
    const run = await runCli(["--sync-log", "-", "--dry-run", "--json"], {
      script,
      cwd: dir,
      stdin: readFileSync(join(FIXTURES, "sync-sample.log"), "utf8"),
    });
    expect(run.code, run.stderr).toBe(0);
    // Not even a module-type warning. The sync log's own warnings (its failed upload) are on stderr
    // too since every warning is (they used to be in the JSON only, except the decoding one).
    expect(run.stderr).toMatch(/^warning: upload failed/);
    expect(run.stderr.split("\n").filter((line) => line !== "" && !line.startsWith("warning: "))).toEqual([]);
    expect(JSON.parse(run.stdout).pathCount).toBeGreaterThan(0);
  });

  it("runs as cf-invalidate.mjs even under a CommonJS package.json", async () => {
    // The README's advice for copying the file into any project: the .mjs name makes it ESM anywhere.
    const project = join(dir, "project");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ type: "commonjs" }));
    const script = join(project, "cf-invalidate.mjs");
    copyFileSync(BUNDLE, script);
    const run = await runCli(["--path", "/a", "--dry-run", "--json"], { script, cwd: project });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).paths).toEqual(["/a"]);
  });
});

describe("exit codes against a CloudFront that is not moto", () => {
  it("exits 1 when the endpoint refuses connections (transient: a retry may pass)", async () => {
    const port = await freePort();
    const run = await runCli(["--distribution-id", DISTRIBUTION, "--path", "/a"], {
      env: { ...credentials, AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, AWS_MAX_ATTEMPTS: "1" },
    });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/ECONNREFUSED|connect/i);
  });

  it("exits 1 on AccessDenied, naming it", async () => {
    const standIn = await startCloudFrontApiStandIn({ accessDenied: true });
    try {
      const run = await runCli(["--distribution-id", DISTRIBUTION, "--path", "/a"], {
        env: { ...credentials, AWS_ENDPOINT_URL: standIn.endpoint },
      });
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain("AccessDenied");
      // A permission error is final: one request, no retries.
      expect(standIn.calls).toHaveLength(1);
    } finally {
      await standIn.close();
    }
  });

  it("exits 3 when --wait times out, printing the invalidations still in progress", async () => {
    // moto completes invalidations at once; this stand-in keeps them InProgress forever.
    const standIn = await startCloudFrontApiStandIn({
      distributions: [{ id: DISTRIBUTION, origins: [{ id: "site", domainName: "site-bucket.s3.amazonaws.com" }] }],
      staysInProgress: true,
    });
    try {
      const started = Date.now();
      const run = await runCli(
        ["--distribution-id", DISTRIBUTION, "--path", "/a", "--path", "/b", "--wait", "--wait-timeout", "1", "--json"],
        { env: { ...credentials, AWS_ENDPOINT_URL: standIn.endpoint } },
      );
      expect(run.code, run.stderr).toBe(3);
      expect(Date.now() - started).toBeLessThan(15_000);
      const report = JSON.parse(run.stdout);
      expect(report.error.kind).toBe("timeout");
      expect(report.invalidations).toEqual([
        expect.objectContaining({ distributionId: DISTRIBUTION, status: "InProgress", paths: ["/a", "/b"] }),
      ]);
      const id = report.invalidations[0].id;
      expect(run.stderr).toContain(`still in progress in CloudFront: ${id} on ${DISTRIBUTION}`);
      // It did poll before giving up.
      expect(standIn.calls.some((r) => r.method === "GET")).toBe(true);
    } finally {
      await standIn.close();
    }
  });
});
