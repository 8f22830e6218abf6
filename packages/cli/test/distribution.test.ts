// Issue 17 through the bundle, against the shared CloudFront stand-in (test-utils) for what moto
// lacks: alternate domain names in ListDistributions, CacheTagConfig, distribution tenants.
import { type CloudFrontApiStandIn, startCloudFrontApiStandIn, TEST_CREDENTIALS } from "test-utils";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

const ALIASED = "E1ALIASED00001";
const TAGGED = "E2TAGGED000002";
const MULTI_TENANT = "E3TENANTS00003";
const TENANT = "dt_2abcdefghij";
const origins = [{ id: "site", domainName: "site-bucket.s3.amazonaws.com" }];

describe("distributions named by domain, cache tags and tenants (stand-in)", () => {
  let standIn: CloudFrontApiStandIn;
  let env: Record<string, string>;
  let callsBefore: number;
  let invalidationsBefore: number;
  const calls = () => standIn.calls.slice(callsBefore);
  const created = () => standIn.invalidations.slice(invalidationsBefore);

  beforeAll(async () => {
    standIn = await startCloudFrontApiStandIn({
      distributions: [
        { id: ALIASED, aliases: ["www.example.com"], origins },
        { id: TAGGED, origins, cacheTagHeader: "x-amz-meta-cache-tag" },
        { id: MULTI_TENANT, origins },
      ],
      tenants: [{ id: TENANT, distributionId: MULTI_TENANT, name: "shop", domains: ["shop.example.com"] }],
    });
    env = { ...TEST_CREDENTIALS, AWS_REGION: "us-east-1", AWS_ENDPOINT_URL_CLOUDFRONT: standIn.endpoint };
  });

  afterAll(async () => {
    await standIn?.close();
  });

  beforeEach(() => {
    callsBefore = standIn.calls.length;
    invalidationsBefore = standIn.invalidations.length;
  });

  it("resolves an alternate domain name to its distribution and invalidates that one", async () => {
    const run = await runCli(["--distribution-id", "WWW.Example.com", "--path", "/a", "--json"], { env });

    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).distributionIds).toEqual([ALIASED]);
    expect(created()).toEqual([expect.objectContaining({ target: ALIASED, paths: ["/a"] })]);
    expect(calls()[0]?.url).toMatch(/^\/2020-05-31\/distribution(\?|$)/);
  });

  it("exits 2 on a domain name that no distribution has, naming the flag and the name, sending nothing", async () => {
    const run = await runCli(["--distribution-id", "nope.example.com", "--path", "/a"], { env });

    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('--distribution-id "nope.example.com" names no distribution');
    expect(created()).toEqual([]);
  });

  it("names CLOUDFRONT_DISTRIBUTION_ID when the name came from it", async () => {
    const run = await runCli(["--path", "/a"], { env: { ...env, CLOUDFRONT_DISTRIBUTION_ID: "nope.example.com" } });

    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('CLOUDFRONT_DISTRIBUTION_ID "nope.example.com" names no distribution');
  });

  it("refuses cache tags on a distribution without CacheTagConfig (exit 2), sending nothing", async () => {
    const run = await runCli(["--distribution-id", ALIASED, "--cache-tag", "product:tv", "--path", "/a"], { env });

    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain("--cache-tag gives cache tag #product:tv");
    expect(run.stderr).toContain(`distribution ${ALIASED} has no cache-tag configuration (CacheTagConfig)`);
    expect(created()).toEqual([]);
  });

  it("sends cache tags (repeated or comma-separated, lower-cased) with the paths, billed like paths", async () => {
    const run = await runCli(
      ["--distribution-id", TAGGED, "--cache-tag", "Product:TV,#blog", "--cache-tag", "product:tv", "--path", "/a"],
      { env: { ...env } },
    );

    expect(run.code, run.stderr).toBe(0);
    expect(created()).toEqual([expect.objectContaining({ target: TAGGED, paths: ["#product:tv", "#blog", "/a"] })]);
    expect(run.stdout).toContain("Cost: 3 paths billed");
  });

  it.each([
    ["a wildcard", "product:*", "has no wildcard"],
    ["a space", "a b", "visible ASCII only"],
    ["an empty item", "a,,b", "is empty"],
  ])("refuses a cache tag with %s before any call", async (_what, tag, message) => {
    const run = await runCli(["--distribution-id", TAGGED, "--cache-tag", tag], { env });

    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain("--cache-tag");
    expect(run.stderr).toContain(message);
    expect(calls()).toEqual([]);
  });

  it("invalidates a tenant named by its domain, through the tenant API, without --distribution-id", async () => {
    const run = await runCli(["--tenant", "shop.example.com", "--path", "/index.html", "--wait", "--json"], { env });

    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ status: "completed", distributionIds: [TENANT] });
    expect(created()).toEqual([expect.objectContaining({ target: TENANT, paths: ["/index.html"] })]);
    expect(
      calls().some((c) => c.method === "POST" && c.url.includes(`/distribution-tenant/${TENANT}/invalidation`)),
    ).toBe(true);
  });

  it("invalidates a tenant next to a distribution", async () => {
    const run = await runCli(["--distribution-id", ALIASED, "--tenant", "shop", "--path", "/a"], { env });

    expect(run.code, run.stderr).toBe(0);
    expect(created().map((i) => i.target)).toEqual([ALIASED, TENANT]);
  });

  it("exits 2 on a tenant that does not exist, naming --tenant", async () => {
    const run = await runCli(["--tenant", "nobody.example.com", "--path", "/a"], { env });

    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('--tenant "nobody.example.com" names no distribution tenant');
  });
});
