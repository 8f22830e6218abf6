import { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import { type CloudFrontApiStandIn, startCloudFrontApiStandIn, TEST_CREDENTIALS } from "test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheTagHeader, parseCacheTagList, requireCacheTagConfig } from "../src/cache-tags.js";
import { distributionInvalidationApi, tenantInvalidationApi } from "../src/cloudfront.js";
import { readDistributionConfig, readOriginPrefix, resolveDistributionIds } from "../src/distribution.js";
import { resolveTenant } from "../src/distribution-tenant.js";
import { ConfigurationError, PermissionError } from "../src/errors.js";

// Real SDK requests and XML parsing against the project's CloudFront stand-in, for what moto_server
// lacks (see distribution.moto.test.ts): aliases in ListDistributions and its pages, OAC and
// CacheTagConfig in GetDistributionConfig, and distribution tenants with their invalidations.
describe("reading distributions from the CloudFront stand-in", () => {
  let standIn: CloudFrontApiStandIn;
  let client: CloudFrontClient;

  const clientFor = (endpoint: string) =>
    new CloudFrontClient({
      region: "us-east-1",
      endpoint,
      credentials: {
        accessKeyId: TEST_CREDENTIALS.AWS_ACCESS_KEY_ID,
        secretAccessKey: TEST_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
      },
      maxAttempts: 1,
    });

  beforeAll(async () => {
    standIn = await startCloudFrontApiStandIn({
      pageSize: 2,
      distributions: [
        { id: "E1OTHER000001", origins: [{ id: "o", domainName: "other.s3.amazonaws.com" }] },
        { id: "E2OTHER000002", origins: [{ id: "o", domainName: "other2.s3.amazonaws.com" }] },
        {
          id: "E3SITE0000003",
          aliases: ["www.example.com", "*.example.com"],
          cacheTagHeader: "x-amz-meta-cache-tag",
          origins: [
            {
              id: "s3",
              domainName: "site-bucket.s3.eu-west-1.amazonaws.com",
              originPath: "/prod",
              originAccessControlId: "E2OAC",
            },
          ],
        },
        {
          id: "E4BLOG0000004",
          aliases: ["blog.example.com"],
          origins: [{ id: "o", domainName: "blog.s3.amazonaws.com" }],
        },
        {
          id: "E5MULTI000005",
          origins: [
            {
              id: "s3",
              domainName: "tenants.s3.amazonaws.com",
              originAccessIdentity: "origin-access-identity/cloudfront/E1OAI",
            },
          ],
        },
      ],
      tenants: [{ id: "dt_shop01", distributionId: "E5MULTI000005", name: "shop", domains: ["shop.example.net"] }],
    });
    client = clientFor(standIn.endpoint);
  });

  afterAll(async () => {
    client?.destroy();
    await standIn?.close();
  });

  it("resolves names over every page of ListDistributions, the exact alias before the wildcard", async () => {
    const before = standIn.calls.length;
    const ids = await resolveDistributionIds(
      client,
      ["blog.example.com", "news.example.com", "www.example.com", "de5multi000005.cloudfront.net"],
      "--distribution-id",
    );
    expect(ids).toEqual(["E4BLOG0000004", "E3SITE0000003", "E5MULTI000005"]);
    expect(standIn.calls.slice(before).map((c) => c.url)).toEqual([
      "/2020-05-31/distribution",
      "/2020-05-31/distribution?Marker=2",
      "/2020-05-31/distribution?Marker=4",
    ]);
  });

  it("reads an OAC origin's path and the cache-tag configuration from one GetDistributionConfig", async () => {
    const config = await readDistributionConfig(client, "E3SITE0000003");
    expect(cacheTagHeader(config)).toBe("x-amz-meta-cache-tag");
    expect(
      requireCacheTagConfig(config, "E3SITE0000003", parseCacheTagList("#Blog, tv", "--cache-tag"), "--cache-tag"),
    ).toBe("x-amz-meta-cache-tag");
    const prefix = await readOriginPrefix(client, "E3SITE0000003", "site-bucket");
    expect(prefix.served && prefix.origins[0]).toMatchObject({ access: "origin-access-control", keyPrefix: "prod/" });
  });

  it("refuses cache tags on a distribution without a cache-tag configuration", async () => {
    const config = await readDistributionConfig(client, "E4BLOG0000004");
    expect(() => requireCacheTagConfig(config, "E4BLOG0000004", ["#blog"], "--cache-tag")).toThrow(ConfigurationError);
  });

  it("sends tag items with the paths, as CloudFront takes them", async () => {
    const api = distributionInvalidationApi(client, "E3SITE0000003");
    const items = ["/index.html", ...parseCacheTagList("#Blog tv", "--cache-tag")];
    const created = await api.create(items, "run-1");
    expect(created).toMatchObject({
      status: "InProgress",
      paths: ["/index.html", "#blog", "#tv"],
      callerReference: "run-1",
    });
    await expect(api.get(created.id)).resolves.toMatchObject({ status: "Completed" });
    await expect(api.list()).resolves.toEqual([{ id: created.id, status: "Completed" }]);
  });

  it("finds a tenant by domain and invalidates, reads and lists through the tenant calls", async () => {
    const tenant = await resolveTenant(client, "SHOP.example.net", "--tenant");
    expect(tenant).toEqual({
      id: "dt_shop01",
      distributionId: "E5MULTI000005",
      name: "shop",
      domains: ["shop.example.net"],
    });
    expect(await resolveTenant(client, "shop", "--tenant")).toEqual(tenant);
    // The tenant's origins and tags are its multi-tenant distribution's.
    const prefix = await readOriginPrefix(client, tenant.distributionId, "tenants");
    expect(prefix.served && prefix.origins[0]?.access).toBe("origin-access-identity");

    const api = tenantInvalidationApi(client, tenant);
    const created = await api.create(["/*"], "tenant-run-1");
    expect(standIn.invalidations.at(-1)).toMatchObject({
      target: "dt_shop01",
      paths: ["/*"],
      callerReference: "tenant-run-1",
    });
    await expect(api.get(created.id)).resolves.toMatchObject({ id: created.id, status: "Completed" });
    await expect(api.list()).resolves.toEqual([{ id: created.id, status: "Completed" }]);
    expect(standIn.calls.at(-1)?.url).toBe("/2020-05-31/distribution-tenant/dt_shop01/invalidation?MaxItems=100");
  });

  it("calls an unknown tenant a configuration error", async () => {
    await expect(resolveTenant(client, "nobody.example.net", "--tenant")).rejects.toBeInstanceOf(ConfigurationError);
    const ghost = tenantInvalidationApi(client, {
      id: "dt_ghost",
      distributionId: "E5MULTI000005",
      name: "ghost",
      domains: [],
    });
    await expect(ghost.create(["/a"], "r")).rejects.toBeInstanceOf(ConfigurationError);
  });

  it("turns AccessDenied into a PermissionError that names the read", async () => {
    const denied = await startCloudFrontApiStandIn({ accessDenied: true });
    const deniedClient = clientFor(denied.endpoint);
    try {
      await expect(resolveDistributionIds(deniedClient, ["www.example.com"], "--distribution-id")).rejects.toThrow(
        PermissionError,
      );
      await expect(readDistributionConfig(deniedClient, "E3SITE0000003")).rejects.toThrow(
        /cloudfront:GetDistributionConfig/,
      );
      await expect(resolveTenant(deniedClient, "dt_shop01", "--tenant")).rejects.toThrow(
        /cloudfront:GetDistributionTenant/,
      );
    } finally {
      deniedClient.destroy();
      await denied.close();
    }
  });
});
