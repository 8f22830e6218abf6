import {
  CloudFrontClient,
  CreateDistributionCommand,
  type DistributionConfig,
  type Origin,
} from "@aws-sdk/client-cloudfront";
import { hasMoto, type MotoServer, startMoto, TEST_CREDENTIALS } from "test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheTagHeader } from "../src/cache-tags.js";
import {
  checkPrefixAgainstDistribution,
  mapKeysToSite,
  readDistributionConfig,
  readOriginPrefix,
  resolveDistributionIds,
} from "../src/distribution.js";
import { ConfigurationError } from "../src/errors.js";

// Real SDK requests against moto_server: aliases, OriginPath, several origins and cache behaviors
// as CreateDistribution stores them and ListDistributions / GetDistributionConfig give them back.
// What moto 5.2.1 lacks, checked against its answers: its ListDistributions summaries hold no
// Aliases (GetDistributionConfig does keep them), so names resolve only by *.cloudfront.net here;
// its GetDistributionConfig drops S3OriginConfig, OriginAccessControlId and CacheTagConfig; it
// never pages ListDistributions and has no tenant API. distribution.stand-in.test.ts covers those
// against the project's CloudFront stand-in (test-utils).
describe.skipIf(!hasMoto())("reading distributions from moto_server", () => {
  let moto: MotoServer;
  let client: CloudFrontClient;
  const ids: Record<string, string> = {};

  const s3Origin = (id: string, domainName: string, originPath = ""): Origin => ({
    Id: id,
    DomainName: domainName,
    OriginPath: originPath,
    S3OriginConfig: { OriginAccessIdentity: "" },
  });

  async function create(
    name: string,
    aliases: string[],
    origins: Origin[],
    behaviors: [string, string][] = [],
  ): Promise<void> {
    const config: DistributionConfig = {
      CallerReference: `distribution-moto-${name}`,
      Comment: name,
      Enabled: true,
      Aliases: { Quantity: aliases.length, Items: aliases },
      Origins: { Quantity: origins.length, Items: origins },
      DefaultCacheBehavior: {
        TargetOriginId: origins[0]?.Id ?? "",
        ViewerProtocolPolicy: "allow-all",
        ForwardedValues: { QueryString: false, Cookies: { Forward: "none" } },
        TrustedSigners: { Enabled: false, Quantity: 0 },
        MinTTL: 0,
      },
      CacheBehaviors: {
        Quantity: behaviors.length,
        Items: behaviors.map(([pattern, target]) => ({
          PathPattern: pattern,
          TargetOriginId: target,
          ViewerProtocolPolicy: "allow-all",
          ForwardedValues: { QueryString: false, Cookies: { Forward: "none" } },
          TrustedSigners: { Enabled: false, Quantity: 0 },
          MinTTL: 0,
        })),
      },
    };
    const output = await client.send(new CreateDistributionCommand({ DistributionConfig: config }));
    ids[name] = output.Distribution?.Id ?? "";
    ids[`${name}.domain`] = output.Distribution?.DomainName ?? "";
  }

  beforeAll(async () => {
    moto = await startMoto();
    client = new CloudFrontClient({
      region: "us-east-1",
      endpoint: moto.endpoint,
      credentials: {
        accessKeyId: TEST_CREDENTIALS.AWS_ACCESS_KEY_ID,
        secretAccessKey: TEST_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
      },
      maxAttempts: 1,
    });
    await create(
      "site",
      ["www.example.com", "example.com"],
      [s3Origin("s3", "site-bucket.s3.eu-west-1.amazonaws.com", "/prod")],
    );
    await create("wild", ["*.example.com"], [s3Origin("s3", "wild-bucket.s3.amazonaws.com")]);
    await create(
      "split",
      ["split.example.org"],
      [
        s3Origin("root", "split-bucket.s3.amazonaws.com"),
        s3Origin("img", "split-bucket.s3.amazonaws.com", "/img"),
        {
          Id: "api",
          DomainName: "api.example.org",
          OriginPath: "",
          CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: "https-only" },
        },
      ],
      [
        ["/pictures/*", "img"],
        ["/api/*", "api"],
      ],
    );
    await create(
      "website",
      [],
      [
        {
          Id: "web",
          DomainName: "web-bucket.s3-website-us-east-1.amazonaws.com",
          OriginPath: "/live",
          CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: "http-only" },
        },
      ],
    );
  }, 60_000);

  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
  });

  it("resolves *.cloudfront.net names through ListDistributions, in order, ids without a call", async () => {
    expect(
      await resolveDistributionIds(
        client,
        [ids["website.domain"] ?? "", ids.site ?? "", (ids["split.domain"] ?? "").toUpperCase()],
        "--distribution-id",
      ),
    ).toEqual([ids.website, ids.site, ids.split]);
  });

  it("calls an unknown name a configuration error", async () => {
    await expect(resolveDistributionIds(client, ["nothing.example.net"], "--distribution-id")).rejects.toBeInstanceOf(
      ConfigurationError,
    );
  });

  it("reads the origin path of the bucket's origin and maps keys through it", async () => {
    const prefix = await readOriginPrefix(client, ids.site ?? "", "site-bucket");
    expect(prefix).toMatchObject({ served: true, keyPrefix: "prod/" });
    if (!prefix.served) return;
    expect(prefix.origins[0]).toMatchObject({ endpoint: "rest", access: "public", originPath: "/prod" });
    expect(mapKeysToSite(prefix, ["prod/index.html", "staging/index.html"])).toEqual({
      siteKeys: ["index.html"],
      outside: ["staging/index.html"],
    });
    expect(checkPrefixAgainstDistribution("", prefix, "--s3-prefix")).toMatch(/contradicts distribution/);
    expect(checkPrefixAgainstDistribution("prod/", prefix, "--s3-prefix")).toBeUndefined();
  });

  it("lets the cache behaviors decide between two origins of one bucket", async () => {
    const prefix = await readOriginPrefix(client, ids.split ?? "", "split-bucket");
    expect(prefix.served && prefix.routes).toEqual([
      { pathPattern: "/pictures/*", targetOriginId: "img", keyPrefixes: ["img/"] },
      { pathPattern: "/api/*", targetOriginId: "api", keyPrefixes: [] },
      { pathPattern: "*", targetOriginId: "root", keyPrefixes: [""] },
    ]);
    if (!prefix.served) return;
    expect(mapKeysToSite(prefix, ["img/pictures/a.jpg", "api/x.json", "index.html"])).toEqual({
      siteKeys: ["pictures/a.jpg", "img/pictures/a.jpg", "index.html"],
      outside: ["api/x.json"],
    });
  });

  it("counts a website endpoint as an S3 origin", async () => {
    const prefix = await readOriginPrefix(client, ids.website ?? "", "web-bucket");
    expect(prefix).toMatchObject({ served: true, keyPrefix: "live/" });
    expect(prefix.served && prefix.origins[0]?.access).toBe("website");
  });

  it("says when the distribution does not serve the synced bucket", async () => {
    const prefix = await readOriginPrefix(client, ids.site ?? "", "another-bucket");
    expect(prefix).toMatchObject({ served: false, otherBuckets: ["site-bucket"] });
  });

  it("reads no cache-tag configuration from moto, which has none", async () => {
    expect(cacheTagHeader(await readDistributionConfig(client, ids.site ?? ""))).toBeUndefined();
  });

  it("calls an unknown distribution id a configuration error", async () => {
    await expect(readDistributionConfig(client, "E000000000000")).rejects.toBeInstanceOf(ConfigurationError);
  });
});
