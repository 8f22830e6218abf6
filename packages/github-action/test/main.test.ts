import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CloudFrontClient,
  CreateInvalidationCommand,
  type CreateInvalidationCommandInput,
  GetDistributionConfigCommand,
  GetInvalidationCommand,
} from "@aws-sdk/client-cloudfront";
import { mockClient } from "aws-sdk-client-mock";
import type { Clock } from "invalidation-core";
import { fakeClock as fakeClockAt } from "test-utils";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { run } from "../src/main.js";
import { RecordingIO } from "./support/action-io.js";

const ID = "E2QWRUHAPOMQZL";
const OTHER = "E1ABCDEFGHIJKL";
const RUN_ENV = { GITHUB_RUN_ID: "4242", GITHUB_RUN_ATTEMPT: "1", GITHUB_JOB: "deploy", GITHUB_ACTION: "invalidate" };

const cloudfront = mockClient(CloudFrontClient);
let workspace: string;
let clientsCreated = 0;

/** Time that only moves when the code sleeps (test-utils), starting in 2027. */
const fakeClock = () => fakeClockAt(1_800_000_000_000);

function createClient(): CloudFrontClient {
  clientsCreated += 1;
  return new CloudFrontClient({
    region: "us-east-1",
    credentials: { accessKeyId: "AKIAFAKE", secretAccessKey: "fake" },
  });
}

/** CreateInvalidation answers like CloudFront: a new id, InProgress, the batch echoed. */
function answerCreates(status = "InProgress"): void {
  let next = 0;
  cloudfront.on(CreateInvalidationCommand).callsFake((input: CreateInvalidationCommandInput) => ({
    Invalidation: {
      Id: `I${++next}AAAAAAAAAAAA`,
      Status: status,
      CreateTime: new Date(),
      InvalidationBatch: input.InvalidationBatch,
    },
  }));
}

const createInputs = (): CreateInvalidationCommandInput[] =>
  cloudfront.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input);

async function action(inputs: Record<string, string>, options: { env?: Record<string, string>; clock?: Clock } = {}) {
  const io = new RecordingIO(inputs);
  await run({ io, createClient, clock: options.clock ?? fakeClock(), env: options.env ?? RUN_ENV, cwd: workspace });
  return io;
}

beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), "gha-main-"));
  await writeFile(
    join(workspace, "sync.log"),
    [
      "upload: public/index.html to s3://site-bucket/index.html",
      "upload: public/docs/guide.html to s3://site-bucket/docs/guide.html",
      "delete: s3://site-bucket/old.css",
      "",
    ].join("\n"),
  );
  await writeFile(join(workspace, "empty-sync.log"), "");
});

beforeEach(() => {
  cloudfront.reset();
  clientsCreated = 0;
});
afterEach(() => cloudfront.reset());

describe("run", () => {
  it("has the core list site-directory, so the plan counts the unchanged paths its wildcards hit", async () => {
    answerCreates();
    await mkdir(join(workspace, "public/docs"), { recursive: true });
    for (const file of ["index.html", "docs/guide.html", "docs/a.html", "docs/b.html", "about.html"]) {
      await writeFile(join(workspace, "public", file), "x");
    }
    const io = await action({
      "distribution-id": ID,
      "sync-log": "sync.log",
      "site-directory": "public",
      "max-paths": "2",
    });

    expect(io.failures).toEqual([]);
    // Without the listing the plan line has no count of unchanged paths hit.
    expect(io.text).toMatch(/Plan: 1 path \(1 wildcard\) for 4 changed paths .*, hits 3 unchanged paths/);
  });

  it("names site-directory when the folder cannot be listed, before anything is sent", async () => {
    await writeFile(join(workspace, "not-a-folder"), "x");
    const io = await action({ "distribution-id": ID, "sync-log": "sync.log", "site-directory": "not-a-folder" });

    expect(io.failures.join("\n")).toMatch(/input "site-directory": .*not a directory/);
    expect(createInputs()).toEqual([]);
  });

  it("invalidates what the sync log changed on every distribution and reports it", async () => {
    answerCreates();
    const io = await action({ "distribution-id": `${ID},${OTHER}`, "sync-log": "sync.log" });

    expect(io.failures).toEqual([]);
    const sent = createInputs();
    expect(sent.map((input) => input.DistributionId)).toEqual([ID, OTHER]);
    const paths = sent[0]?.InvalidationBatch?.Paths?.Items ?? [];
    // Every changed object is covered, whatever form the planner chose.
    for (const changed of ["/docs/guide.html", "/old.css"]) {
      expect(paths.some((p) => p === changed || (p.endsWith("*") && changed.startsWith(p.slice(0, -1))))).toBe(true);
    }
    expect(io.outputs.get("invalidation-ids")?.split("\n")).toEqual(["I1AAAAAAAAAAAA", "I2AAAAAAAAAAAA"]);
    expect(io.outputs.get("paths")?.split("\n")).toEqual(paths);
    expect(io.outputs.get("path-count")).toBe(String(paths.length));
    expect(io.outputs.get("status")).toBe("in-progress");

    // One group per distribution, with the plan and the id created on it.
    const groups = io.log.filter((line) => line.kind === "group").map((line) => line.text);
    expect(groups).toEqual([`CloudFront distribution ${ID}`, `CloudFront distribution ${OTHER}`]);
    expect(io.text).toMatch(new RegExp(`${ID}[\\s\\S]*Plan:[\\s\\S]*Created invalidation I1AAAAAAAAAAAA`));

    const summary = io.summaries.join("");
    expect(summary).toContain("| Distribution | Invalidation | Status | Paths |");
    expect(summary).toContain(`| \`${ID}\` | \`I1AAAAAAAAAAAA\` | InProgress | ${paths.length} |`);
    expect(summary).toContain(`| \`${OTHER}\` | \`I2AAAAAAAAAAAA\` | InProgress | ${paths.length} |`);
  });

  it("invalidates /* when neither paths nor a sync log is given", async () => {
    answerCreates();
    const io = await action({ "distribution-id": ID });
    expect(createInputs()[0]?.InvalidationBatch?.Paths?.Items).toEqual(["/*"]);
    expect(io.outputs.get("paths")).toBe("/*");
    expect(io.outputs.get("path-count")).toBe("1");
  });

  it("derives the caller reference from the run: stable within an attempt, new on a re-run", async () => {
    answerCreates();
    await action({ "distribution-id": ID, paths: "/index.html" });
    await action({ "distribution-id": ID, paths: "/index.html" });
    await action({ "distribution-id": ID, paths: "/index.html" }, { env: { ...RUN_ENV, GITHUB_RUN_ATTEMPT: "2" } });
    const [first, retried, rerun] = createInputs().map((input) => input.InvalidationBatch?.CallerReference);
    expect(first).toMatch(new RegExp(`^gha-4242-1-deploy-invalidate-${ID}-b1-[0-9a-f]{12}$`));
    expect(retried).toBe(first);
    expect(rerun).not.toBe(first);
    expect(rerun).toMatch(/^gha-4242-2-/);
  });

  it("uses a caller reference given as input as-is", async () => {
    answerCreates();
    await action({ "distribution-id": ID, paths: "/a.html", "caller-reference": "release-1.2.3" });
    expect(createInputs()[0]?.InvalidationBatch?.CallerReference).toBe("release-1.2.3");
  });

  it("does nothing and succeeds when the sync log shows no change", async () => {
    const io = await action({ "distribution-id": ID, "sync-log": "empty-sync.log" });
    expect(io.failures).toEqual([]);
    expect(clientsCreated).toBe(0);
    expect(cloudfront.calls()).toHaveLength(0);
    expect(io.outputs.get("status")).toBe("skipped");
    expect(io.outputs.get("invalidation-ids")).toBe("");
    expect(io.outputs.get("path-count")).toBe("0");
    expect(io.text).toMatch(/no change: nothing to invalidate/);
    expect(io.summaries.join("")).toMatch(/Nothing to invalidate.*empty-sync\.log/);
  });

  it("in a dry run plans and reports without building a client", async () => {
    const io = await action({ "distribution-id": ID, "sync-log": "sync.log", "dry-run": "yes" });
    expect(io.failures).toEqual([]);
    // No client means no credential provider chain either, so no credentials are needed.
    expect(clientsCreated).toBe(0);
    expect(io.outputs.get("status")).toBe("dry-run");
    expect(io.outputs.get("invalidation-ids")).toBe("");
    expect(io.outputs.get("paths")).toContain("/docs/guide.html");
    expect(io.summaries.join("")).toMatch(/Dry run[\s\S]*\| `E2QWRUHAPOMQZL` \| — \| dry run, not created \|/);
    // Issue 15: what the plan bills, in the log, the summary and the `cost` output.
    const cost = JSON.parse(io.outputs.get("cost") ?? "");
    expect(cost).toMatchObject({ pathsBilled: Number(io.outputs.get("path-count")), usd: 0 });
    const line = `Cost: ${cost.pathsBilled} paths billed (free: ${cost.freeDeploysPerMonth} deploys like this a month`;
    expect(io.text).toContain(line);
    expect(io.summaries.join("")).toContain(line);
  });

  it("strips the origin path of the origin serving the sync log's bucket when s3-prefix is empty", async () => {
    await writeFile(
      join(workspace, "prod-sync.log"),
      "upload: public/index.html to s3://site-bucket/prod/index.html\n",
    );
    cloudfront.on(GetDistributionConfigCommand, { Id: ID }).resolves({
      DistributionConfig: {
        Origins: {
          Quantity: 1,
          Items: [{ Id: "s3", DomainName: "site-bucket.s3.amazonaws.com", OriginPath: "/prod" }],
        },
        DefaultCacheBehavior: { TargetOriginId: "s3" },
      } as never,
    });
    answerCreates();
    const io = await action({ "distribution-id": ID, "sync-log": "prod-sync.log" });
    expect(io.failures).toEqual([]);
    expect(createInputs()[0]?.InvalidationBatch?.Paths?.Items).toEqual(["/", "/index.html"]);
    expect(io.text).toContain('Key prefix "prod/", from the distribution\'s origin path (s3-prefix is empty).');
    expect(io.text.indexOf("Key prefix")).toBeLessThan(io.text.indexOf("Plan:"));
    expect(io.summaries.join("")).toContain("Key prefix `prod/`, from the distribution's origin path");
  });

  it("fails on a bad input before building a client, naming the input", async () => {
    const io = await action({ "distribution-id": ID, "max-paths": "lots" });
    expect(clientsCreated).toBe(0);
    expect(cloudfront.calls()).toHaveLength(0);
    expect(io.failures).toHaveLength(1);
    expect(io.failures[0]).toMatch(/^Configuration error: input "max-paths"/);
    expect(io.outputs.get("status")).toBe("failed");
  });

  it("fails with the core's classified message when CloudFront denies access", async () => {
    cloudfront.on(CreateInvalidationCommand).rejects(
      Object.assign(new Error("User is not authorized"), {
        name: "AccessDenied",
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const io = await action({ "distribution-id": ID, paths: "/index.html" });
    expect(io.failures).toHaveLength(1);
    expect(io.failures[0]).toMatch(/^Permission error: .*AccessDenied.*cloudfront:CreateInvalidation/);
    expect(io.outputs.get("status")).toBe("failed");
    expect(io.summaries.join("")).toMatch(/\*\*Failed:\*\* Permission error/);
  });

  it("waits with one progress line per poll until every invalidation completes", async () => {
    answerCreates();
    cloudfront
      .on(GetInvalidationCommand)
      .resolvesOnce({
        Invalidation: {
          Id: "I1AAAAAAAAAAAA",
          Status: "InProgress",
          CreateTime: new Date(),
          InvalidationBatch: undefined,
        },
      })
      .resolves({
        Invalidation: {
          Id: "I1AAAAAAAAAAAA",
          Status: "Completed",
          CreateTime: new Date(),
          InvalidationBatch: undefined,
        },
      });
    const clock = fakeClock();
    const io = await action({ "distribution-id": ID, paths: "/index.html", wait: "true" }, { clock });
    expect(io.failures).toEqual([]);
    const polls = cloudfront.commandCalls(GetInvalidationCommand).length;
    expect(polls).toBe(2);
    const progress = io.log.filter((line) => line.kind === "info" && line.text.startsWith("Waiting for completion"));
    // One line before the first poll, then one per poll.
    expect(progress).toHaveLength(polls + 1);
    expect(progress.at(-1)).toMatchObject({ text: expect.stringMatching(/1\/1 completed/) });
    // Progress lines stand outside the distribution's group, so they stay visible while it is folded.
    const firstProgress = io.log.indexOf(progress[0] ?? io.log[0]!);
    expect(io.log.slice(0, firstProgress).at(-1)).toEqual({ kind: "endgroup" });
    expect(io.outputs.get("status")).toBe("completed");
    expect(io.summaries.join("")).toContain("| `I1AAAAAAAAAAAA` | Completed | 1 |");
  });

  it("on a wait timeout fails saying the invalidations were created and are still in progress", async () => {
    answerCreates();
    cloudfront.on(GetInvalidationCommand).resolves({
      Invalidation: {
        Id: "I1AAAAAAAAAAAA",
        Status: "InProgress",
        CreateTime: new Date(),
        InvalidationBatch: undefined,
      },
    });
    const io = await action({
      "distribution-id": ID,
      paths: "/index.html",
      wait: "true",
      "wait-timeout-seconds": "60",
    });
    expect(io.failures).toHaveLength(1);
    // Drift fix (README): the core's timeout message, then the core's describeUnfinished, as in the CLI.
    expect(io.failures[0]).toMatch(/^Timeout: the deadline passed before 1 of 1 invalidation\(s\) completed/);
    expect(io.failures[0]).toMatch(/After 60 s: still in progress in CloudFront: I1AAAAAAAAAAAA on E2QWRUHAPOMQZL$/);
    expect(io.outputs.get("invalidation-ids")).toBe("I1AAAAAAAAAAAA");
    expect(io.outputs.get("status")).toBe("in-progress");
    expect(io.summaries.join("")).toContain("| `I1AAAAAAAAAAAA` | InProgress | 1 |");
  });

  it("turns the sync log's warnings into workflow warnings", async () => {
    await writeFile(
      join(workspace, "failed-sync.log"),
      "upload failed: public/a.html to s3://site-bucket/a.html An error occurred (AccessDenied)\nupload: public/b.html to s3://site-bucket/b.html\n",
    );
    answerCreates();
    const io = await action({ "distribution-id": ID, "sync-log": "failed-sync.log" });
    expect(io.log.some((line) => line.kind === "warning" && /a\.html/.test(line.text))).toBe(true);
  });
});
