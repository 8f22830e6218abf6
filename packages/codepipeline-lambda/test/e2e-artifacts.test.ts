// Issue #8 end to end: the BUNDLED handler (dist/) over several pipeline runs. The input artifacts are
// zips in moto's S3 (read with the event's artifactCredentials), the manifest goes to the function's
// own bucket in moto, CloudFront is moto, CodePipeline's job API the stand-in. Each run checks the
// exact paths invalidated.
import { CloudFrontClient, GetInvalidationCommand, ListInvalidationsCommand } from "@aws-sdk/client-cloudfront";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { type CodePipelineStandIn, hasMoto, type MotoServer, motoClientConfig, motoS3Config } from "test-utils";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildZip, type TestEntry } from "./artifacts/zip-writer.ts";
import { freshStage, startServers, stopServers } from "./bundle-stage.ts";
import { ARTIFACT_SECRETS, codePipelineEvent, newJobId } from "./fakes.js";
import { invokeBundle } from "./invoke-bundle.js";

const STORE = "codepipeline-us-east-1-store";
const OWN = "invalidator-manifests";

describe.skipIf(!hasMoto())("bundled handler with input artifacts in moto's S3", { timeout: 120_000 }, () => {
  let moto: MotoServer;
  let standIn: CodePipelineStandIn;
  let cloudFront: CloudFrontClient;
  let s3: S3Client;
  let distributionId: string;
  let env: Record<string, string>;
  const seen = new Set<string>();
  let logs = "";

  beforeAll(async () => {
    ({ moto, standIn } = await startServers());
    cloudFront = new CloudFrontClient(motoClientConfig(moto));
    s3 = new S3Client(motoS3Config(moto));
  }, 180_000);

  afterAll(async () => {
    await stopServers({ moto, standIn });
  }, 30_000);

  beforeEach(async () => {
    seen.clear();
    logs = "";
    const stage = await freshStage({ moto, standIn });
    distributionId = stage.distributionId;
    await s3.send(new CreateBucketCommand({ Bucket: STORE }));
    await s3.send(new CreateBucketCommand({ Bucket: OWN }));
    env = {
      ...stage.env,
      // What the template sets.
      MANIFEST_BUCKET: OWN,
      MANIFEST_PREFIX: "artifact-manifests/",
    };
  });

  /** Puts an artifact zip into the store, as a build or source action would. */
  async function putArtifact(key: string, entries: readonly TestEntry[]): Promise<string> {
    await s3.send(new PutObjectCommand({ Bucket: STORE, Key: key, Body: buildZip(entries).bytes }));
    return key;
  }

  /**
   * One pipeline run of the Invoke action: the first job, then each continuation CodePipeline would
   * start. Returns the final result and the paths of the invalidations created during the run.
   */
  async function pipelineRun(params: Record<string, unknown>, artifacts: Record<string, string>) {
    let token: string | undefined;
    for (let invocation = 0; invocation < 5; invocation++) {
      const jobId = newJobId();
      const event = codePipelineEvent({
        jobId,
        userParameters: JSON.stringify(params),
        ...(token === undefined ? {} : { continuationToken: token }),
      });
      const data = event["CodePipeline.job"].data as Record<string, unknown>;
      data.inputArtifacts = Object.entries(artifacts).map(([name, objectKey]) => ({
        name,
        revision: objectKey,
        location: { type: "S3", s3Location: { bucketName: STORE, objectKey } },
      }));
      const run = await invokeBundle(event, env);
      logs += run.stdout + run.stderr;
      expect(run.code, run.stderr).toBe(0);
      const body = standIn.results.get(jobId)?.body as {
        continuationToken?: string;
        failureDetails?: { type: string; message: string };
      };
      expect(body, run.stdout).toBeDefined();
      if (body.continuationToken === undefined) return { body, paths: await newPaths() };
      token = body.continuationToken;
    }
    throw new Error("the action did not finish in 5 invocations");
  }

  /** Paths of the invalidations created since the last call, sorted. */
  async function newPaths(): Promise<string[]> {
    const list = await cloudFront.send(new ListInvalidationsCommand({ DistributionId: distributionId }));
    const paths: string[] = [];
    for (const item of list.InvalidationList?.Items ?? []) {
      if (!item.Id || seen.has(item.Id)) continue;
      seen.add(item.Id);
      const got = await cloudFront.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: item.Id }));
      paths.push(...(got.Invalidation?.InvalidationBatch?.Paths?.Items ?? []));
    }
    return paths.sort();
  }

  async function manifestBytes(key: string): Promise<Buffer | undefined> {
    try {
      const got = await s3.send(new GetObjectCommand({ Bucket: OWN, Key: key }));
      return Buffer.from(await got.Body!.transformToByteArray());
    } catch {
      return undefined;
    }
  }

  it("diffArtifact: /* first, then exactly what changed or was deleted; a failed run is retried with the same diff", async () => {
    const params = { diffArtifact: "SiteOutput", s3Prefix: "site", manifestKey: "example-site/manifest.json.gz" };
    const manifestKey = "artifact-manifests/example-site/manifest.json.gz";

    // Run 1: no manifest yet.
    const v1: TestEntry[] = [
      { name: "index.html", data: "<h1>one</h1>", method: 8 },
      { name: "blog/" },
      { name: "blog/index.html", data: "blog one", method: 8 },
      { name: "css/site.css", data: "body{color:red}" },
      { name: "img/logo.png", data: Buffer.alloc(2048, 7) },
      { name: "about us.html", data: "about" },
    ];
    const run1 = await pipelineRun(params, { SiteOutput: await putArtifact("pipe/SiteOutput/r1", v1) });
    expect(run1.body.failureDetails).toBeUndefined();
    expect(run1.paths).toEqual(["/*"]);
    const afterRun1 = await manifestBytes(manifestKey);
    expect(afterRun1).toBeDefined();

    // Run 2 fails (the second distribution does not exist): the manifest must not move on.
    const v2: TestEntry[] = [
      { name: "index.html", data: "<h1>one</h1>", method: 8 },
      { name: "blog/index.html", data: "blog TWO", method: 8 }, // changed
      { name: "css/site.css", data: "body{color:red}" },
      { name: "about us.html", data: "about" },
      { name: "news/日本.html", data: "new" }, // added; img/logo.png deleted
    ];
    const r2 = await putArtifact("pipe/SiteOutput/r2", v2);
    const failed = await pipelineRun(
      { ...params, distributionIds: [distributionId, "E0000000000000"] },
      { SiteOutput: r2 },
    );
    expect(failed.body.failureDetails?.type).toBe("ConfigurationError");
    expect(await manifestBytes(manifestKey)).toEqual(afterRun1);
    await newPaths(); // forget what the failed run created on the real distribution

    // Run 2 again (the user fixed the action): the same diff as the failed run.
    const expected = ["/blog", "/blog/", "/blog/index.html", "/img/logo.png", "/news/%E6%97%A5%E6%9C%AC.html"];
    const retried = await pipelineRun(params, { SiteOutput: r2 });
    expect(retried.body.failureDetails).toBeUndefined();
    expect(retried.paths).toEqual(expected);
    expect(await manifestBytes(manifestKey)).not.toEqual(afterRun1);

    // Run 3 waits for completion over continuations: a deletion and a changed root page.
    const v3 = v2
      .filter((e) => e.name !== "about us.html")
      .map((e) => (e.name === "index.html" ? { ...e, data: "<h1>three</h1>" } : e));
    const run3 = await pipelineRun(
      { ...params, wait: true },
      { SiteOutput: await putArtifact("pipe/SiteOutput/r3", v3) },
    );
    expect(run3.body.failureDetails).toBeUndefined();
    expect(run3.paths).toEqual(["/", "/about%20us.html", "/index.html"]);

    // Run 4: the same site again: nothing to invalidate.
    const run4 = await pipelineRun(params, { SiteOutput: await putArtifact("pipe/SiteOutput/r4", v3) });
    expect(run4.body.failureDetails).toBeUndefined();
    expect(run4.paths).toEqual([]);

    for (const secret of Object.values(ARTIFACT_SECRETS)) expect(logs).not.toContain(secret);
  });

  it("syncLog: invalidates what the build's `aws s3 sync` log says, deletions included", async () => {
    const log = [
      "Completed 1.2 KiB/3.4 KiB (10.0 KiB/s) with 3 file(s) remaining\r" +
        "upload: public/index.html to s3://example-site/site/index.html",
      "upload: public/docs/a b.html to s3://example-site/site/docs/a b.html",
      "delete: s3://example-site/site/old/page.html",
      "",
    ].join("\n");
    const key = await putArtifact("pipe/BuildOutput/r1", [
      { name: "public/index.html", data: "x" },
      { name: "sync.log", data: log, method: 8 },
    ]);
    const source = await putArtifact("pipe/Source/r1", [{ name: "README.md", data: "src" }]);
    const run = await pipelineRun(
      { syncLog: { artifact: "BuildOutput", path: "sync.log" }, s3Prefix: "site", wait: true },
      { Source: source, BuildOutput: key },
    );
    expect(run.body.failureDetails).toBeUndefined();
    expect(run.paths).toEqual(["/", "/docs/a%20b.html", "/index.html", "/old/page.html"]);

    // A log the artifact does not hold fails the job and invalidates nothing (never a silent /*).
    const missing = await pipelineRun({ syncLog: "out/sync.log" }, { BuildOutput: key });
    expect(missing.body.failureDetails?.type).toBe("ConfigurationError");
    expect(missing.body.failureDetails?.message).toContain('"out/sync.log" is not in the input artifact "BuildOutput"');
    expect(missing.paths).toEqual([]);

    for (const secret of Object.values(ARTIFACT_SECRETS)) expect(logs).not.toContain(secret);
  });
});
