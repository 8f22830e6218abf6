import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  CloudFrontClient,
  CreateInvalidationCommand,
  GetInvalidationCommand,
  NoSuchDistribution,
} from "@aws-sdk/client-cloudfront";
import { mockClient } from "aws-sdk-client-mock";
import { fakeClock as fakeClockAt, refusingS3 } from "test-utils";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { S3Lister } from "../src/diff.js";
import { type CliDeps, EXIT, exitCodeFor, main } from "../src/main.js";
import { FIXTURES } from "./run-cli.ts";

const cloudFront = mockClient(CloudFrontClient);

interface Captured {
  text: string;
  readonly isTTY: boolean;
  write(chunk: string): boolean;
}

function captured(isTTY = false): Captured {
  return {
    text: "",
    isTTY,
    write(chunk: string) {
      this.text += chunk;
      return true;
    },
  };
}

/** A clock whose sleep passes instantly (test-utils): waits and timeouts without real waiting. */
const fakeClock = () => fakeClockAt(Date.parse("2026-11-27T10:00:00Z"));

function setUp(options: { isTTY?: boolean; env?: Record<string, string>; stdin?: string } = {}) {
  const stdout = captured();
  const stderr = captured(options.isTTY ?? false);
  const createClient = vi.fn(
    () => new CloudFrontClient({ region: "us-east-1", credentials: { accessKeyId: "AKIA", secretAccessKey: "s" } }),
  );
  const deps: CliDeps = {
    env: options.env ?? {},
    stdout,
    stderr,
    stdin: Readable.from([Buffer.from(options.stdin ?? "")]),
    createClient,
    clock: fakeClock(),
    version: "9.9.9",
  };
  return { deps, stdout, stderr, createClient };
}

function invalidation(id: string, status: string, paths: readonly string[]) {
  return {
    Id: id,
    Status: status,
    CreateTime: new Date(),
    InvalidationBatch: { CallerReference: "ref", Paths: { Quantity: paths.length, Items: [...paths] } },
  };
}

beforeEach(() => {
  cloudFront.reset();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("exitCodeFor", () => {
  it("maps the core's failure kinds to the documented exit codes", () => {
    expect(exitCodeFor("configuration")).toBe(2);
    expect(exitCodeFor("permission")).toBe(1);
    expect(exitCodeFor("transient")).toBe(1);
    expect(exitCodeFor("timeout")).toBe(3);
  });
});

describe("main", () => {
  it("creates the plan's invalidation and reports it as JSON", async () => {
    cloudFront
      .on(CreateInvalidationCommand)
      .callsFake((input) =>
        Promise.resolve({ Invalidation: invalidation("I1", "InProgress", input.InvalidationBatch.Paths.Items) }),
      );
    const { deps, stdout } = setUp({ env: { CI_JOB_ID: "77" } });

    const code = await main(["--distribution-id", "E2QWRUHAPOMQZL", "--path", "/index.html", "--json"], deps);

    expect(code).toBe(EXIT.success);
    const sent = cloudFront.commandCalls(CreateInvalidationCommand)[0]?.args[0].input;
    expect(sent?.DistributionId).toBe("E2QWRUHAPOMQZL");
    expect(sent?.InvalidationBatch?.Paths?.Items).toEqual(["/index.html"]);
    expect(sent?.InvalidationBatch?.CallerReference).toMatch(/^cli-gitlab-77-E2QWRUHAPOMQZL-b1-/);
    const report = JSON.parse(stdout.text);
    expect(report).toMatchObject({
      dryRun: false,
      paths: ["/index.html"],
      batches: [["/index.html"]],
      pathCount: 1,
      completed: false,
      invalidations: [{ distributionId: "E2QWRUHAPOMQZL", id: "I1", status: "InProgress", paths: ["/index.html"] }],
    });
  });

  it("sends to every distribution given, in the env variable when no flag is", async () => {
    cloudFront
      .on(CreateInvalidationCommand)
      .callsFake((input) =>
        Promise.resolve({ Invalidation: invalidation(`I-${input.DistributionId}`, "InProgress", ["/a"]) }),
      );
    const { deps } = setUp({ env: { CLOUDFRONT_DISTRIBUTION_ID: "E1AAAAAAAAAAAA,E2BBBBBBBBBBBB" } });

    expect(await main(["--path", "/a"], deps)).toBe(EXIT.success);

    expect(cloudFront.commandCalls(CreateInvalidationCommand).map((c) => c.args[0].input.DistributionId)).toEqual([
      "E1AAAAAAAAAAAA",
      "E2BBBBBBBBBBBB",
    ]);
  });

  // Was distributionIdsFromEnv in args.ts: the core's parseDistributionIds splits the variable now.
  it("splits CLOUDFRONT_DISTRIBUTION_ID on commas and whitespace, dropping empties and repeats", async () => {
    cloudFront
      .on(CreateInvalidationCommand)
      .callsFake((input) =>
        Promise.resolve({ Invalidation: invalidation(`I${input.DistributionId}`, "InProgress", ["/a"]) }),
      );
    const { deps } = setUp({
      env: { CLOUDFRONT_DISTRIBUTION_ID: " E1AAAAAAAAAAAA, E2BBBBBBBBBBBB\nE3CCCCCCCCCCCC,,E1AAAAAAAAAAAA" },
    });

    expect(await main(["--path", "/a"], deps)).toBe(EXIT.success);

    expect(cloudFront.commandCalls(CreateInvalidationCommand).map((c) => c.args[0].input.DistributionId)).toEqual([
      "E1AAAAAAAAAAAA",
      "E2BBBBBBBBBBBB",
      "E3CCCCCCCCCCCC",
    ]);
  });

  it("reads an unset or blank CLOUDFRONT_DISTRIBUTION_ID as no id", async () => {
    for (const env of [{}, { CLOUDFRONT_DISTRIBUTION_ID: "  " }]) {
      const { deps, stderr, createClient } = setUp({ env });
      expect(await main(["--path", "/a"], deps)).toBe(EXIT.usage);
      expect(stderr.text).toContain("--distribution-id");
      expect(createClient).not.toHaveBeenCalled();
    }
  });

  it("refuses an empty --distribution-id even where none is needed (a dry run, a tenant)", async () => {
    for (const extra of [["--dry-run"], ["--tenant", "dt_2abc"]]) {
      const { deps, stderr, createClient } = setUp();
      expect(await main(["--distribution-id", "", "--path", "/a", ...extra], deps)).toBe(EXIT.usage);
      expect(stderr.text).toContain("--distribution-id is required");
      expect(createClient).not.toHaveBeenCalled();
    }
  });

  it("diff names --site-dir when it is not a folder, before the bucket is asked anything", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "cli-diff-")), "a-file");
    await writeFile(file, "x");
    const s3 = refusingS3<S3Lister>();
    const { deps, stderr } = setUp();
    const code = await main(["diff", "--site-dir", file, "--s3-uri", "s3://my-site/www"], {
      ...deps,
      createS3Client: () => s3.client,
    });
    expect(code).toBe(EXIT.usage);
    expect(stderr.text).toMatch(/--site-dir: the site directory ".*a-file" is not a directory/);
    expect(s3.requests()).toBe(0);
  });

  it("names --site-dir when the folder cannot be listed, before anything is sent", async () => {
    const { deps, stderr, createClient } = setUp();
    const args = ["--distribution-id", "E2QWRUHAPOMQZL", "--site-dir", "/nonexistent/site", "--path", "/a"];
    expect(await main(args, deps)).toBe(EXIT.usage);
    expect(stderr.text).toMatch(/--site-dir: cannot read the site directory "\/nonexistent\/site"/);
    expect(createClient).not.toHaveBeenCalled();
  });

  it("exits 1 on AccessDenied, with the AWS error and what to grant on stderr", async () => {
    cloudFront.on(CreateInvalidationCommand).rejects(
      Object.assign(new Error("User is not authorized to perform: cloudfront:CreateInvalidation"), {
        name: "AccessDenied",
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const { deps, stderr } = setUp();

    expect(await main(["--distribution-id", "E2QWRUHAPOMQZL", "--path", "/a"], deps)).toBe(EXIT.failure);
    expect(stderr.text).toContain("AccessDenied");
    expect(stderr.text).toContain("cloudfront:CreateInvalidation");
  });

  it("exits 2 when the distribution does not exist: a configuration problem, not worth a retry", async () => {
    cloudFront
      .on(CreateInvalidationCommand)
      .rejects(new NoSuchDistribution({ message: "The specified distribution does not exist.", $metadata: {} }));
    const { deps, stderr } = setUp();

    expect(await main(["--distribution-id", "E2QWRUHAPOMQZL", "--path", "/a"], deps)).toBe(EXIT.usage);
    expect(stderr.text).toContain("NoSuchDistribution");
  });

  it("waits until completion, rewriting one progress line on a terminal", async () => {
    cloudFront.on(CreateInvalidationCommand).resolves({ Invalidation: invalidation("I1", "InProgress", ["/a"]) });
    cloudFront
      .on(GetInvalidationCommand)
      .resolvesOnce({ Invalidation: invalidation("I1", "InProgress", ["/a"]) })
      .resolves({ Invalidation: invalidation("I1", "Completed", ["/a"]) });
    const { deps, stdout, stderr } = setUp({ isTTY: true });

    expect(await main(["--distribution-id", "E2QWRUHAPOMQZL", "--path", "/a", "--wait"], deps)).toBe(EXIT.success);

    expect(stderr.text).toContain("\r");
    expect(stderr.text).toMatch(/Waiting for completion: 1\/1 completed/);
    // The rewritten line is closed before anything else is printed.
    expect(stderr.text.endsWith("\n")).toBe(true);
    expect(stdout.text).toContain("Invalidation I1 on E2QWRUHAPOMQZL: Completed");
    expect(stdout.text).toContain("All invalidations completed.");
  });

  it("writes one plain line per poll when stderr is not a terminal (CI logs)", async () => {
    cloudFront.on(CreateInvalidationCommand).resolves({ Invalidation: invalidation("I1", "InProgress", ["/a"]) });
    cloudFront
      .on(GetInvalidationCommand)
      .resolvesOnce({ Invalidation: invalidation("I1", "InProgress", ["/a"]) })
      .resolves({ Invalidation: invalidation("I1", "Completed", ["/a"]) });
    const { deps, stderr } = setUp({ isTTY: false });

    expect(await main(["--distribution-id", "E2QWRUHAPOMQZL", "--path", "/a", "--wait"], deps)).toBe(EXIT.success);

    expect(stderr.text).not.toContain("\r");
    const waitingLines = stderr.text.split("\n").filter((line) => line.startsWith("Waiting for completion:"));
    expect(waitingLines.length).toBeGreaterThanOrEqual(2);
    expect(waitingLines.at(-1)).toMatch(/1\/1 completed/);
  });

  it("exits 3 when the wait times out, naming the invalidations still in progress", async () => {
    cloudFront.on(CreateInvalidationCommand).resolves({ Invalidation: invalidation("I1", "InProgress", ["/a"]) });
    cloudFront.on(GetInvalidationCommand).resolves({ Invalidation: invalidation("I1", "InProgress", ["/a"]) });
    const { deps, stdout, stderr } = setUp();

    const code = await main(
      ["--distribution-id", "E2QWRUHAPOMQZL", "--path", "/a", "--wait", "--wait-timeout", "30", "--json"],
      deps,
    );

    expect(code).toBe(EXIT.timeout);
    // The core's describeUnfinished (drift fix, README): was "still in progress: E2QWRUHAPOMQZL/I1".
    expect(stderr.text).toContain("still in progress in CloudFront: I1 on E2QWRUHAPOMQZL");
    const report = JSON.parse(stdout.text);
    expect(report.error.kind).toBe("timeout");
    expect(report.invalidations).toEqual([expect.objectContaining({ id: "I1", status: "InProgress" })]);
  });

  it("never builds a client on a dry run", async () => {
    const { deps, createClient, stdout } = setUp();

    expect(await main(["--distribution-id", "E2QWRUHAPOMQZL", "--path", "/a", "--dry-run"], deps)).toBe(EXIT.success);
    expect(createClient).not.toHaveBeenCalled();
    expect(stdout.text).toContain("Dry run: nothing sent to E2QWRUHAPOMQZL");
  });

  it("allows a dry run without a distribution id, but not a real run", async () => {
    const dry = setUp();
    expect(await main(["--path", "/a", "--dry-run"], dry.deps)).toBe(EXIT.success);

    const real = setUp();
    expect(await main(["--path", "/a"], real.deps)).toBe(EXIT.usage);
    expect(real.stderr.text).toContain("--distribution-id");
    expect(real.createClient).not.toHaveBeenCalled();
  });

  it("rejects a bad path from a paths file before any AWS call, naming the file and line", async () => {
    const { deps, stderr, createClient } = setUp({ stdin: "/ok.html\n\nno-leading-slash.html\n" });

    const code = await main(["--distribution-id", "E2QWRUHAPOMQZL", "--paths-file", "-"], deps);

    expect(code).toBe(EXIT.usage);
    expect(stderr.text).toContain("--paths-file stdin line 3");
    expect(stderr.text).toContain("no-leading-slash.html");
    expect(stderr.text).toContain("--help");
    expect(createClient).not.toHaveBeenCalled();
  });

  it("rejects a bad distribution id before any AWS call, naming it", async () => {
    const { deps, stderr, createClient } = setUp();

    expect(await main(["--distribution-id", "not-an-id!", "--path", "/a"], deps)).toBe(EXIT.usage);
    expect(stderr.text).toContain("not-an-id!");
    expect(createClient).not.toHaveBeenCalled();
  });

  it("reports a missing sync log file as a configuration error naming it", async () => {
    const { deps, stderr } = setUp();

    const code = await main(["--distribution-id", "E2QWRUHAPOMQZL", "--sync-log", "/no/such/sync.log"], deps);

    expect(code).toBe(EXIT.usage);
    expect(stderr.text).toContain("/no/such/sync.log");
  });

  it("sends nothing when the sync log shows no change", async () => {
    const { deps, stdout, createClient } = setUp({ stdin: "" });

    const code = await main(["--distribution-id", "E2QWRUHAPOMQZL", "--sync-log", "-", "--json"], deps);

    expect(code).toBe(EXIT.success);
    expect(createClient).not.toHaveBeenCalled();
    expect(JSON.parse(stdout.text)).toMatchObject({ nothingChanged: true, paths: [], invalidations: [] });
  });

  it("skips comments and blank lines in a paths file", async () => {
    const { deps, stdout } = setUp();

    const code = await main(["--paths-file", `${FIXTURES}/paths.txt`, "--dry-run", "--json"], deps);

    expect(code).toBe(EXIT.success);
    const report = JSON.parse(stdout.text);
    expect(report.paths).toEqual(expect.arrayContaining(["/index.html", "/blog/*"]));
    expect(report.paths).toHaveLength(2);
  });

  it("prints the version and the help", async () => {
    const version = setUp();
    expect(await main(["--version"], version.deps)).toBe(EXIT.success);
    expect(version.stdout.text).toBe("9.9.9\n");

    const help = setUp();
    expect(await main(["--help"], help.deps)).toBe(EXIT.success);
    expect(help.stdout.text).toContain("Usage: cf-invalidate");
  });
});
