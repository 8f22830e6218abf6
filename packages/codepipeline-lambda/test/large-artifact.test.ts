// Issue 14: the bundle with large input artifacts, in a process whose heap is the function's memory
// (`node --max-old-space-size=<MemorySize>`, AWS_LAMBDA_FUNCTION_MEMORY_SIZE as Lambda sets it). Within
// the limits that follow the memory the job succeeds; past them it gets a clear PutJobFailureResult
// naming MemorySize; never an out-of-memory crash that reports nothing. Each run prints its peak RSS.
import { randomUUID } from "node:crypto";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { type CodePipelineStandIn, hasMoto, type MotoServer, motoS3Config, runNode } from "test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildZip, type TestEntry } from "./artifacts/zip-writer.ts";
import { freshStage, startServers, stopServers } from "./bundle-stage.ts";
import { codePipelineEvent, TOKEN_ENV } from "./fakes.js";
import { bundle } from "./invoke-bundle.js";

// The two runs at full size take about 75 s on a loaded 2-core machine: they run with
// LARGE_ARTIFACTS=1 (figures in the package README); the refusal past the limits always runs.
const FULL_SIZE = process.env.LARGE_ARTIFACTS === "1";
const STORE = "large-artifact-store";
const OWN = "large-artifact-manifests";
const MIB = 1024 * 1024;

// The runtime's way, reporting the process's peak resident memory after the handler returned.
const RUNTIME = `
const { pathToFileURL } = await import("node:url");
const mod = await import(pathToFileURL(process.env.HANDLER_FILE).href);
const result = await mod.handler(JSON.parse(process.env.HANDLER_EVENT), { functionName: "large" });
process.stdout.write("HANDLER_RESULT " + JSON.stringify(result) + "\\n");
process.stdout.write("MAX_RSS_KB " + process.resourceUsage().maxRSS + "\\n");
process.exit(0);
`;

describe.skipIf(!hasMoto())("large artifacts under the function's memory", { timeout: 300_000 }, () => {
  let moto: MotoServer;
  let standIn: CodePipelineStandIn;
  let s3: S3Client;
  let env: Record<string, string>;

  beforeAll(async () => {
    ({ moto, standIn } = await startServers());
    s3 = new S3Client(motoS3Config(moto));
    const stage = await freshStage({ moto, standIn });
    await s3.send(new CreateBucketCommand({ Bucket: STORE }));
    await s3.send(new CreateBucketCommand({ Bucket: OWN }));
    env = { ...stage.env, ...TOKEN_ENV, AWS_ENDPOINT_URL_S3: moto.endpoint, MANIFEST_BUCKET: OWN };
  }, 180_000);
  afterAll(async () => {
    await stopServers({ moto, standIn });
  }, 30_000);

  /** One invocation with the artifact at `key`, in a process with `memoryMb` of heap. */
  async function invoke(memoryMb: number, key: string, userParameters: Record<string, unknown>) {
    const jobId = randomUUID();
    const event = codePipelineEvent({
      jobId,
      userParameters: JSON.stringify(userParameters),
      artifact: { name: "Site", bucket: STORE, key },
    });
    const run = await runNode([`--max-old-space-size=${memoryMb}`, "--input-type=module", "-e", RUNTIME], {
      env: {
        AWS_CONFIG_FILE: "/dev/null",
        AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
        HANDLER_FILE: bundle,
        HANDLER_EVENT: JSON.stringify(event),
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
        ...env,
      },
      timeoutMs: 240_000,
    });
    const rssKb = Number(/MAX_RSS_KB (\d+)/.exec(run.stdout)?.[1] ?? Number.NaN);
    const result = standIn.results.get(jobId);
    console.log(
      `large artifact (${memoryMb} MB): exit ${run.code}, ${result?.operation ?? "no result"}, peak RSS ${(rssKb / 1024).toFixed(0)} MB`,
    );
    return { run, result, rssMb: rssKb / 1024 };
  }

  async function putArtifact(entries: readonly TestEntry[]): Promise<string> {
    const key = `pipe/Site/${randomUUID()}.zip`;
    await s3.send(
      new PutObjectCommand({
        Bucket: STORE,
        Key: key,
        Body: buildZip(entries, { zip64: entries.length > 65_535 }).bytes,
      }),
    );
    return key;
  }

  const site = (count: number, changed = -1): TestEntry[] =>
    Array.from({ length: count }, (_, i) => ({
      name: `section-${i % 200}/page-${i}/index.html`,
      data: i === changed ? "changed" : `page ${i}`,
    }));

  it.runIf(FULL_SIZE)(
    "diffs a 200,000-file artifact in 1024 MB, twice (first run /*, then exactly the change)",
    async () => {
      const params = { diffArtifact: "Site", manifestKey: "large/manifest.json.gz" };
      const first = await invoke(1024, await putArtifact(site(200_000)), params);
      expect(first.result?.operation, first.run.stdout.slice(-2000)).toBe("PutJobSuccessResult");
      expect(first.rssMb).toBeLessThan(1024);
      const second = await invoke(1024, await putArtifact(site(200_000, 12_345)), params);
      expect(second.result?.operation, second.run.stdout.slice(-2000)).toBe("PutJobSuccessResult");
      expect(JSON.stringify(second.result?.body)).toContain("Invalidated 3 paths");
      expect(second.rssMb).toBeLessThan(1024);
    },
  );

  it.runIf(FULL_SIZE)("reads a 64 MiB sync log from an artifact in 1024 MB", async () => {
    const line = (i: number) => `upload: public/d${i % 500}/f${i}.html to s3://site/d${i % 500}/f${i}.html\n`;
    const lines: string[] = [];
    let size = 0;
    for (let i = 0; size < 64 * MIB; i++) {
      const text = line(i % 150_000);
      lines.push(text);
      size += text.length;
    }
    const key = await putArtifact([{ name: "sync.log", data: lines.join(""), method: 8 }]);
    const run = await invoke(1024, key, { syncLog: "sync.log", maxPaths: 30 });
    expect(run.result?.operation, run.run.stdout.slice(-2000)).toBe("PutJobSuccessResult");
    expect(run.rssMb).toBeLessThan(1024);
  });

  it("past the limits of a small function, fails the job naming MemorySize instead of running out of memory", async () => {
    // 256 MB allow 64,000 entries.
    const key = await putArtifact(site(70_000));
    const run = await invoke(256, key, { diffArtifact: "Site", manifestKey: "large/small.json.gz" });
    expect(run.run.code).toBe(0);
    expect(run.result?.operation).toBe("PutJobFailureResult");
    expect(JSON.stringify(run.result?.body)).toContain("MemorySize");
  });
});
