// Issue 17 and 15 through the committed dist/index.js, as the runner runs it, against moto_server:
// the key prefix read from the distribution's OriginPath, a distribution named by its
// *.cloudfront.net domain, cache tags refused where the distribution keeps none, and the plan's
// cost in the job summary. moto keeps OriginPath in GetDistributionConfig but lists no Aliases and
// drops CacheTagConfig (see invalidation-core's distribution.moto.test.ts).
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import {
  createDistributionWithOrigin,
  hasAwsCli,
  hasMoto,
  type MotoServer,
  motoClientConfig,
  runAwsCli,
  startMoto,
  writeFreshBuild,
} from "test-utils";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { expectSuccess, invalidatedPaths } from "./support/invalidations.js";
import { DIST, type Job, newJob, runStep } from "./support/runner.js";

const BUCKET = "site-bucket";
const site = { "index.html": "<h1>Home</h1>", "about/index.html": "<h1>About</h1>", "gone.html": "bye" };

describe.skipIf(!hasMoto() || !hasAwsCli())("the distribution read through dist/index.js", { timeout: 120_000 }, () => {
  let moto: MotoServer;
  let cloudfront: CloudFrontClient;
  let job: Job;

  beforeAll(async () => {
    if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run \`pnpm --filter github-action build\``);
    moto = await startMoto();
    cloudfront = new CloudFrontClient(motoClientConfig(moto));
    runAwsCli(moto, ["s3api", "create-bucket", "--bucket", BUCKET], { home: (await newJob()).root });
  }, 60_000);
  afterAll(async () => {
    cloudfront?.destroy();
    await moto?.stop();
  }, 30_000);
  beforeEach(async () => {
    job = await newJob();
  });

  const aws = (args: string[]) => runAwsCli(moto, args, { home: job.root });
  const prodDistribution = () => createDistributionWithOrigin(moto, { bucket: BUCKET, originPath: "/prod" });

  it("diff mode: s3://site-bucket/prod/ and OriginPath /prod invalidate /index.html, not /prod/index.html", async () => {
    const { id } = await prodDistribution();
    aws(["s3", "sync", await writeFreshBuild(join(job.workspace, "public"), site), `s3://${BUCKET}/prod/`]);
    const { "gone.html": _gone, ...rest } = site;
    await writeFreshBuild(join(job.workspace, "public"), { ...rest, "index.html": "<h1>Home!</h1>" });
    const inputs = { "distribution-id": id, "site-directory": "public", "s3-uri": `s3://${BUCKET}/prod/` };

    const main = await runStep(job, inputs, moto.env);
    expectSuccess(main);
    // The core settles the prefix in the post step: the main step no longer guesses about it.
    expect(main.stdout).not.toMatch(/s3-prefix/);
    aws(["s3", "sync", join(job.workspace, "public"), `s3://${BUCKET}/prod/`, "--delete", "--no-progress"]);
    const post = await runStep(job, inputs, moto.env, main.state);
    expectSuccess(post);

    expect(await invalidatedPaths(cloudfront, id)).toEqual([["/", "/gone.html", "/index.html"]]);
    expect(post.stdout).not.toMatch(/^::warning::/m);
    expect(post.stdout).toContain('Key prefix "prod/", from the distribution\'s origin path (s3-prefix is empty).');
    expect(post.summary).toContain("Key prefix `prod/`, from the distribution's origin path");
  });

  it("sync-log mode: a given s3-prefix wins, with a warning that the distribution says otherwise", async () => {
    const { id } = await prodDistribution();
    await writeFile(join(job.workspace, "sync.log"), `upload: public/a.html to s3://${BUCKET}/www/a.html\n`);
    const step = await runStep(job, { "distribution-id": id, "sync-log": "sync.log", "s3-prefix": "www" }, moto.env);
    expectSuccess(step);
    expect(await invalidatedPaths(cloudfront, id)).toEqual([["/a.html"]]);
    expect(step.stdout).toMatch(/^::warning::.*input "s3-prefix".*prod/m);
  });

  it("names the distribution by its *.cloudfront.net domain, and shows the plan's cost in the summary", async () => {
    const { id, domainName } = await prodDistribution();
    const paths = "/index.html\n/docs/*";
    const step = await runStep(job, { "distribution-id": domainName, paths }, moto.env);
    expectSuccess(step);
    expect(await invalidatedPaths(cloudfront, id)).toEqual([["/docs/*", "/index.html"]]);
    expect(step.outputs["invalidation-ids"]).toMatch(/^\S+$/);
    expect(step.summary).toContain(`| \`${id}\` |`);
    const cost = "Cost: 2 paths billed (free: 500 deploys like this a month fit the 1,000 free paths)";
    expect(step.stdout).toContain(cost);
    expect(step.summary).toContain(cost);
    expect(JSON.parse(step.outputs.cost ?? "")).toMatchObject({ pathsBilled: 2, usd: 0, freeDeploysPerMonth: 500 });
  });

  it("refuses cache tags on a distribution without CacheTagConfig, naming the input, and sends nothing", async () => {
    const { id } = await prodDistribution();
    const step = await runStep(job, { "distribution-id": id, "cache-tags": "Product:TV", paths: "/a.html" }, moto.env);
    expect(step.code).toBe(1);
    expect(step.stdout).toMatch(
      new RegExp(
        `^::error::Configuration error: input "cache-tags" gives cache tag #product:tv, but distribution ${id} has no cache-tag configuration`,
        "m",
      ),
    );
    expect(step.outputs.status).toBe("failed");
    expect(step.summary).toMatch(/\*\*Failed:\*\* Configuration error: input "cache-tags"/);
    expect(await invalidatedPaths(cloudfront, id)).toEqual([]);
  });
});
