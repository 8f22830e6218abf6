// The handler with artifact-based precision (issue #8): input artifacts are zips built here and served
// by an in-memory S3; CloudFront and CodePipeline are the fakes of fakes.ts. Checks the exact paths
// invalidated, the failure types, and when the manifest is (and is not) written.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { type ArtifactCredentials, encodeManifest, manifestFromDirectory } from "../src/artifacts/index.js";
import { openContinuation } from "../src/continuation-token.js";
import { createJobInputReader } from "../src/job-input.js";
import { buildZip, type TestEntry } from "./artifacts/zip-writer.ts";
import { FakeS3 } from "./fake-s3.js";
import { ARTIFACT_SECRETS, awsError, codePipelineEvent, DISTRIBUTION, harness, newJobId, TOKEN_ENV } from "./fakes.js";

const STORE = "codepipeline-artifacts";
const OWN = "invalidator-manifests";
const ENV = { MANIFEST_BUCKET: OWN, MANIFEST_PREFIX: "manifests", ...TOKEN_ENV };
const MANIFEST = `${OWN}/manifests/${DISTRIBUTION}/site/manifest.json.gz`;

function setup(env: Record<string, string> = ENV) {
  const store = new FakeS3(); // the pipeline's artifact store, read with the job's credentials only
  const own = new FakeS3(); // the function's own bucket (its role)
  const credentialsSeen: ArtifactCredentials[] = [];
  const h = harness({
    env,
    readJobInput: createJobInputReader({
      env,
      manifestS3: own.client,
      artifactS3: (credentials) => {
        credentialsSeen.push(credentials);
        return store.client;
      },
    }),
  });
  return { ...h, store, own, credentialsSeen };
}

type Setup = ReturnType<typeof setup>;

function event(
  params: Record<string, unknown>,
  artifacts: Record<string, string>,
  options: { jobId?: string; continuationToken?: string; withoutCredentials?: boolean } = {},
) {
  const base = codePipelineEvent({
    ...(options.jobId === undefined ? {} : { jobId: options.jobId }),
    userParameters: JSON.stringify({ distributionId: DISTRIBUTION, ...params }),
    ...(options.continuationToken === undefined ? {} : { continuationToken: options.continuationToken }),
  });
  const data = base["CodePipeline.job"].data as Record<string, unknown>;
  data.inputArtifacts = Object.entries(artifacts).map(([name, objectKey]) => ({
    name,
    revision: `rev-${objectKey}`,
    location: { type: "S3", s3Location: { bucketName: STORE, objectKey } },
  }));
  data.encryptionKey = { id: "arn:aws:kms:us-east-1:111122223333:alias/aws/s3", type: "KMS" };
  if (options.withoutCredentials) delete data.artifactCredentials;
  return base;
}

function upload(s: Setup, key: string, entries: readonly TestEntry[], zip64 = false): string {
  s.store.put(STORE, key, buildZip(entries, { zip64 }).bytes);
  return key;
}

/** Runs a job to its end across continuations, completing invalidations between invocations. */
async function runJob(s: Setup, params: Record<string, unknown>, artifacts: Record<string, string>) {
  let jobId = newJobId();
  let token: string | undefined;
  const created = s.cloudFront.invalidations.length;
  for (let i = 0; i < 10; i++) {
    await s.handler(event(params, artifacts, { jobId, ...(token === undefined ? {} : { continuationToken: token }) }));
    const result = s.codePipeline.accepted.get(jobId);
    if (result?.input.continuationToken === undefined) {
      return { result, paths: s.cloudFront.invalidations.slice(created).flatMap((inv) => inv.paths) };
    }
    token = result.input.continuationToken;
    jobId = newJobId();
    s.cloudFront.completeAll();
    s.clock.advance(60_000);
  }
  throw new Error("the job did not finish");
}

const SITE_V1: TestEntry[] = [
  { name: "index.html", data: "<h1>v1</h1>", method: 8 },
  { name: "blog/" },
  { name: "blog/index.html", data: "blog" },
  { name: "css/a.css", data: "body{}" },
  { name: "old.html", data: "old" },
  { name: "my page.html", data: "space" },
];
const SITE_V2: TestEntry[] = [
  { name: "index.html", data: "<h1>v2</h1>", method: 8 }, // changed
  { name: "blog/index.html", data: "blog" },
  { name: "css/a.css", data: "body{}" },
  { name: "my page.html", data: "space" },
  { name: "new.html", data: "new" }, // added; old.html removed
];
const DIFF = { diffArtifact: "SiteOutput", s3Prefix: "site" };

describe("diffArtifact", () => {
  it("invalidates /* on the first run, then exactly what changed or disappeared, then nothing", async () => {
    const s = setup();
    const first = await runJob(s, DIFF, { SiteOutput: upload(s, "p/SiteOutput/1", SITE_V1) });
    expect(first.result?.operation).toBe("PutJobSuccessResult");
    expect(first.paths).toEqual(["/*"]);
    expect(s.own.calls).toEqual([`GET ${MANIFEST}`, `PUT ${MANIFEST}`]);

    const second = await runJob(s, DIFF, { SiteOutput: upload(s, "p/SiteOutput/2", SITE_V2) });
    expect(second.result?.operation).toBe("PutJobSuccessResult");
    expect(second.paths).toEqual(["/", "/index.html", "/new.html", "/old.html"]);
    expect(second.result?.input.executionDetails.summary).toMatch(/Artifact manifest stored \(5 files\)\.$/);

    // The same artifact again: nothing to invalidate, and no manifest write.
    const puts = s.own.calls.filter((c) => c.startsWith("PUT")).length;
    const third = await runJob(s, DIFF, { SiteOutput: upload(s, "p/SiteOutput/3", SITE_V2) });
    expect(third.result?.operation).toBe("PutJobSuccessResult");
    expect(third.paths).toEqual([]);
    expect(s.own.calls.filter((c) => c.startsWith("PUT")).length).toBe(puts);
  });

  it("reads artifacts only with the job's artifactCredentials, never logging them", async () => {
    const s = setup();
    await runJob(s, DIFF, { SiteOutput: upload(s, "p/SiteOutput/1", SITE_V1) });
    expect(s.credentialsSeen).toEqual([ARTIFACT_SECRETS]);
    // The function's own client never touched the artifact store, nor the artifact client the manifest.
    expect(s.own.calls.every((c) => c.includes(OWN))).toBe(true);
    expect(s.store.calls.every((c) => c.includes(STORE))).toBe(true);
    const logs = s.logLines.join("\n");
    for (const secret of Object.values(ARTIFACT_SECRETS)) expect(logs).not.toContain(secret);
    expect(logs).toContain("alias/aws/s3"); // the KMS key id is no secret, and helps with KMS errors
  });

  it("writes the manifest only after a failed run is retried successfully, with the same diff", async () => {
    const s = setup();
    await runJob(s, DIFF, { SiteOutput: upload(s, "p/SiteOutput/1", SITE_V1) });
    const before = s.own.objects.get(MANIFEST);
    expect(before).toBeDefined();
    s.cloudFront.createError = awsError("AccessDenied", 403);
    const failed = await runJob(s, DIFF, { SiteOutput: upload(s, "p/SiteOutput/2", SITE_V2) });
    expect(failed.result?.input.failureDetails.type).toBe("PermissionError");
    expect(s.own.objects.get(MANIFEST)).toBe(before); // untouched

    s.cloudFront.createError = undefined;
    const retried = await runJob(s, DIFF, { SiteOutput: "p/SiteOutput/2" });
    expect(retried.paths).toEqual(["/", "/index.html", "/new.html", "/old.html"]);
    expect(s.own.objects.get(MANIFEST)).not.toBe(before);
  });

  it("recomputes the same plan on continuations and stores the manifest only at the final success", async () => {
    const s = setup();
    await runJob(s, DIFF, { SiteOutput: upload(s, "p/SiteOutput/1", SITE_V1) });
    const key = upload(s, "p/SiteOutput/2", SITE_V2);
    const params = { ...DIFF, wait: true };
    const jobId = newJobId();
    await s.handler(event(params, { SiteOutput: key }, { jobId }));
    const token = s.codePipeline.accepted.get(jobId)?.input.continuationToken as string;
    expect(token).toBeDefined();
    expect(token).not.toContain("index.html"); // positions, never paths
    const putsWhileWaiting = s.own.calls.filter((c) => c.startsWith("PUT")).length;
    expect(putsWhileWaiting).toBe(1); // only the first run's

    s.cloudFront.completeAll();
    const next = newJobId();
    await s.handler(event(params, { SiteOutput: key }, { jobId: next, continuationToken: token }));
    expect(s.codePipeline.accepted.get(next)?.operation).toBe("PutJobSuccessResult");
    expect(s.codePipeline.accepted.get(next)?.input.continuationToken).toBeUndefined();
    expect(s.own.calls.filter((c) => c.startsWith("PUT")).length).toBe(2);
    // One invalidation for the two invocations: the continuation re-read the artifact and the old
    // manifest, planned the same batches (same fingerprint) and sent nothing again.
    expect(s.cloudFront.invalidations.slice(1).map((i) => i.paths)).toEqual([
      ["/", "/index.html", "/new.html", "/old.html"],
    ]);
  });

  it("rides out an S3 blip on a continuation with the same token, but not a broken artifact", async () => {
    const s = setup();
    await runJob(s, DIFF, { SiteOutput: upload(s, "p/SiteOutput/1", SITE_V1) });
    const key = upload(s, "p/SiteOutput/2", SITE_V2);
    const params = { ...DIFF, wait: true };
    const first = newJobId();
    await s.handler(event(params, { SiteOutput: key }, { jobId: first }));
    const token = s.codePipeline.accepted.get(first)?.input.continuationToken as string;

    s.store.failNext.set("HeadObject", awsError("SlowDown", 503));
    const blip = newJobId();
    await s.handler(event(params, { SiteOutput: key }, { jobId: blip, continuationToken: token }));
    const retry = s.codePipeline.accepted.get(blip)?.input;
    expect(retry.executionDetails.summary).toMatch(/Reading the job's input failed and will be retried \(1\/2\)/);
    expect(retry.executionDetails.percentComplete).toBeUndefined();
    // The same state, one transient failure more (the token is signed now: compared opened).
    const before = openContinuation(token, TOKEN_ENV);
    expect(openContinuation(retry.continuationToken, TOKEN_ENV)).toEqual({
      ...before,
      state: { ...before.state, transientFailures: 1 },
    });

    s.cloudFront.completeAll();
    const next = newJobId();
    await s.handler(event(params, { SiteOutput: key }, { jobId: next, continuationToken: retry.continuationToken }));
    expect(s.codePipeline.accepted.get(next)?.operation).toBe("PutJobSuccessResult");
    expect(s.cloudFront.invalidations).toHaveLength(2); // the first run's and this run's one

    // The artifact is gone on a later continuation: that is no blip, the job fails at once.
    s.store.objects.delete(`${STORE}/${key}`);
    const gone = newJobId();
    await s.handler(event(params, { SiteOutput: key }, { jobId: gone, continuationToken: token }));
    expect(s.codePipeline.accepted.get(gone)?.input.failureDetails.type).toBe("JobFailed");
  });

  it("fails a continuation whose artifact now plans otherwise, rather than send a different plan", async () => {
    const s = setup();
    await runJob(s, DIFF, { SiteOutput: upload(s, "p/SiteOutput/1", SITE_V1) });
    const key = upload(s, "p/SiteOutput/2", SITE_V2);
    const jobId = newJobId();
    await s.handler(event({ ...DIFF, wait: true }, { SiteOutput: key }, { jobId }));
    const token = s.codePipeline.accepted.get(jobId)?.input.continuationToken as string;
    upload(s, key, [...SITE_V2, { name: "late.html", data: "x" }]); // the object changed underneath
    const next = newJobId();
    await s.handler(event({ ...DIFF, wait: true }, { SiteOutput: key }, { jobId: next, continuationToken: token }));
    expect(s.codePipeline.accepted.get(next)?.input.failureDetails.type).toBe("ConfigurationError");
  });

  it("maps odd names exactly, a name no change list line could carry included", async () => {
    const s = setup();
    await runJob(s, DIFF, { SiteOutput: upload(s, "p/o/1", [{ name: "keep.html", data: "k" }]) });
    const second = await runJob(s, DIFF, {
      SiteOutput: upload(
        s,
        "p/o/2",
        [
          { name: "keep.html", data: "k" },
          { name: "docs/日本語.html", data: "u" },
          { name: "a~b.html", data: "t" },
          { name: "100%.html", data: "p" },
          { name: "weird/line\nbreak.html", data: "n" },
        ],
        true, // zip64 records
      ),
    });
    expect([...second.paths].sort()).toEqual(
      [
        "/100%25.html",
        "/a%7Eb.html",
        "/a~b.html",
        `/docs/${encodeURIComponent("日本語")}.html`,
        // Drift fix: keys travel as data now, so the core's one policy maps a newline like any other
        // character (percent-encoded) instead of the old wildcard (`/weird/line*`) of a text change list.
        "/weird/line%0Abreak.html",
      ].sort(),
    );
  });

  it("invalidates under the served prefix when the deploy goes below it (deployPrefix)", async () => {
    const s = setup();
    const params = { diffArtifact: "SiteOutput", deployPrefix: "docs", manifestKey: "docs-site.json.gz" };
    await runJob(s, params, { SiteOutput: upload(s, "p/d/1", [{ name: "a.html", data: "1" }]) });
    expect(s.own.objects.has(`${OWN}/manifests/docs-site.json.gz`)).toBe(true);
    const second = await runJob(s, params, { SiteOutput: upload(s, "p/d/2", [{ name: "a.html", data: "2" }]) });
    expect(second.paths).toEqual(["/docs/a.html"]);
  });

  it("adds the explicit paths to the diff", async () => {
    const s = setup();
    await runJob(s, DIFF, { SiteOutput: upload(s, "p/SiteOutput/1", SITE_V1) });
    const second = await runJob(s, { ...DIFF, paths: ["/feed.xml"] }, { SiteOutput: upload(s, "p/2", SITE_V2) });
    expect(second.paths).toEqual(["/", "/feed.xml", "/index.html", "/new.html", "/old.html"]);
  });

  const failures: [string, (s: Setup) => void, Record<string, unknown>, string, RegExp][] = [
    [
      "an unreadable manifest",
      (s) => s.own.put(OWN, MANIFEST.slice(OWN.length + 1), gzipSync("{not json")),
      DIFF,
      "JobFailed",
      /manifest .* is unreadable.*Delete it/,
    ],
    [
      "a manifest the role may not read",
      (s) => {
        s.own.put(
          OWN,
          MANIFEST.slice(OWN.length + 1),
          encodeManifest(manifestFromDirectory({ entries: [], size: 0, zip64: false, comment: "" })),
        );
        s.own.failNext.set("GetObject", awsError("AccessDenied", 403));
      },
      DIFF,
      "PermissionError",
      /reading the manifest.*ListBucket/,
    ],
    ["a missing artifact object", (s) => s.store.objects.clear(), DIFF, "JobFailed", /does not exist/],
    [
      "a corrupt zip (central directory overwritten)",
      (s) => {
        const bytes = buildZip(SITE_V1);
        bytes.bytes.fill(0x41, bytes.cdOffset, bytes.cdOffset + 8);
        s.store.put(STORE, "p/SiteOutput/1", bytes.bytes);
      },
      DIFF,
      "JobFailed",
      /central directory/,
    ],
    [
      "an artifact name the action does not have",
      () => {},
      { ...DIFF, diffArtifact: "Site" },
      "ConfigurationError",
      /"Site".*input artifacts are "SiteOutput"/,
    ],
  ];

  it.each(failures)(
    "fails the job on %s, with no invalidation and no manifest write",
    async (_n, arrange, params, type, message) => {
      const s = setup();
      upload(s, "p/SiteOutput/1", SITE_V1);
      arrange(s);
      const jobId = newJobId();
      await s.handler(event(params, { SiteOutput: "p/SiteOutput/1" }, { jobId }));
      const result = s.codePipeline.accepted.get(jobId);
      expect(result?.input.failureDetails.type).toBe(type);
      expect(result?.input.failureDetails.message).toMatch(message);
      expect(s.cloudFront.createCalls).toEqual([]); // above all: never a silent /*
      expect(s.own.calls.filter((c) => c.startsWith("PUT"))).toEqual([]);
    },
  );

  it("takes a 403 on a manifest that a listing shows missing for the first run (ListBucket limited by prefix)", async () => {
    const s = setup();
    s.own.failNext.set("GetObject", awsError("AccessDenied", 403));
    const run = await runJob(s, DIFF, { SiteOutput: upload(s, "p/1", SITE_V1) });
    expect(run.paths).toEqual(["/*"]);
    expect(s.own.calls).toEqual([`GET ${MANIFEST}`, `LIST ${MANIFEST}`, `PUT ${MANIFEST}`]);
  });

  it("fails with ConfigurationError when the function has no MANIFEST_BUCKET", async () => {
    const s = setup(TOKEN_ENV);
    const jobId = newJobId();
    await s.handler(event(DIFF, { SiteOutput: upload(s, "p/1", SITE_V1) }, { jobId }));
    expect(s.codePipeline.accepted.get(jobId)?.input.failureDetails).toMatchObject({
      type: "ConfigurationError",
      message: expect.stringMatching(/MANIFEST_BUCKET/),
    });
    expect(s.cloudFront.createCalls).toEqual([]);
  });

  it("fails the run when the new manifest cannot be stored, saying the invalidations succeeded", async () => {
    const s = setup();
    s.own.failNext.set("PutObject", awsError("AccessDenied", 403));
    const run = await runJob(s, DIFF, { SiteOutput: upload(s, "p/1", SITE_V1) });
    expect(run.paths).toEqual(["/*"]);
    expect(run.result?.input.failureDetails).toMatchObject({
      type: "PermissionError",
      message: expect.stringMatching(/invalidations succeeded, but the artifact manifest could not be stored/),
    });
    // So the next run still sees no manifest and invalidates /* again, instead of trusting a diff.
    expect((await runJob(s, DIFF, { SiteOutput: "p/1" })).paths).toEqual(["/*"]);
  });
});

describe("syncLog", () => {
  const LOG = [
    "upload: public/index.html to s3://site-bucket/site/index.html",
    "upload: public/blog/a b.html to s3://site-bucket/site/blog/a b.html",
    "delete: s3://site-bucket/site/gone.css",
    "",
  ].join("\n");

  it("invalidates what the log says changed, including deletions, with s3Prefix stripped", async () => {
    const s = setup();
    const key = upload(s, "p/BuildOutput/1", [
      { name: "public/" },
      { name: "public/index.html", data: "x" },
      { name: "sync.log", data: LOG, method: 8 },
    ]);
    const run = await runJob(s, { syncLog: "sync.log", s3Prefix: "site" }, { BuildOutput: key });
    expect(run.result?.operation).toBe("PutJobSuccessResult");
    expect(run.paths).toEqual(["/", "/blog/a%20b.html", "/gone.css", "/index.html"]);
    expect(s.own.calls).toEqual([]); // no manifest in this mode
    expect(s.credentialsSeen).toEqual([ARTIFACT_SECRETS]);
  });

  it("reads the log from the named artifact among several, united with explicit paths", async () => {
    const s = setup();
    const build = upload(s, "p/BuildOutput/1", [{ name: "logs/sync.log", data: LOG }]);
    const other = upload(s, "p/Other/1", [{ name: "logs/sync.log", data: "upload: a to s3://b/site/other.html\n" }]);
    const run = await runJob(
      s,
      { syncLog: { artifact: "BuildOutput", path: "logs/sync.log" }, s3Prefix: "site/", paths: ["/feed.xml"] },
      { Other: other, BuildOutput: build },
    );
    expect(run.paths).toEqual(["/", "/blog/a%20b.html", "/feed.xml", "/gone.css", "/index.html"]);
  });

  it("succeeds with no invalidation when the log holds no change", async () => {
    const s = setup();
    const run = await runJob(
      s,
      { syncLog: "sync.log" },
      { BuildOutput: upload(s, "p/1", [{ name: "sync.log", data: "" }]) },
    );
    expect(run.result?.operation).toBe("PutJobSuccessResult");
    expect(run.paths).toEqual([]);
  });

  const failures: [string, Record<string, unknown>, Record<string, string>, string, RegExp][] = [
    [
      "a log missing from the artifact",
      { syncLog: "out/sync.log" },
      { BuildOutput: "p/1" },
      "ConfigurationError",
      /"out\/sync.log" is not in the input artifact "BuildOutput"/,
    ],
    [
      "a bare path with several artifacts",
      { syncLog: "sync.log" },
      { A: "p/1", B: "p/1" },
      "ConfigurationError",
      /2 input artifacts \("A", "B"\)/,
    ],
    ["no input artifact at all", { syncLog: "sync.log" }, {}, "ConfigurationError", /has none: add InputArtifacts/],
    ["a missing artifact object", { syncLog: "sync.log" }, { BuildOutput: "p/none" }, "JobFailed", /does not exist/],
  ];

  it.each(failures)("fails the job on %s, with no invalidation", async (_n, params, artifacts, type, message) => {
    const s = setup();
    upload(s, "p/1", [{ name: "sync.log", data: LOG }]);
    const jobId = newJobId();
    await s.handler(event(params, artifacts, { jobId }));
    const result = s.codePipeline.accepted.get(jobId);
    expect(result?.input.failureDetails.type).toBe(type);
    expect(result?.input.failureDetails.message).toMatch(message);
    expect(s.cloudFront.createCalls).toEqual([]);
  });

  it("fails with PermissionError when the event carries no artifactCredentials", async () => {
    const s = setup();
    const jobId = newJobId();
    await s.handler(
      event({ syncLog: "sync.log" }, { BuildOutput: upload(s, "p/1", []) }, { jobId, withoutCredentials: true }),
    );
    expect(s.codePipeline.accepted.get(jobId)?.input.failureDetails.type).toBe("PermissionError");
    expect(s.store.calls).toEqual([]);
  });
});
