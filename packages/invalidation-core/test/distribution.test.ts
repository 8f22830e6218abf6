import {
  AccessDenied,
  CloudFrontClient,
  type DistributionConfig,
  type DistributionSummary,
  GetDistributionConfigCommand,
  ListDistributionsCommand,
  NoSuchDistribution,
  type Origin,
} from "@aws-sdk/client-cloudfront";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  checkPrefixAgainstDistribution,
  listAllDistributions,
  mapKeysToSite,
  matchDistributionName,
  type OriginPrefix,
  originPrefixForBucket,
  parseDistributionRef,
  parseS3OriginDomain,
  pathPatternMatches,
  readDistributionConfig,
  readOriginPrefix,
  resolveDistributionIds,
  siteKeysForKey,
} from "../src/distribution.js";
import { ConfigurationError, PermissionError, TransientError } from "../src/errors.js";

const cloudFront = mockClient(CloudFrontClient);
const client = new CloudFrontClient({ region: "us-east-1" });
const meta = { $metadata: { httpStatusCode: 403 } };

beforeEach(() => cloudFront.reset());

const summary = (id: string, domain: string, aliases: string[] = []): DistributionSummary =>
  ({ Id: id, DomainName: domain, Aliases: { Quantity: aliases.length, Items: aliases } }) as DistributionSummary;

const SITE = summary("E1SITE0000001", "d111111abcdef8.cloudfront.net", ["www.example.com", "example.com"]);
const WILD = summary("E2WILD0000002", "d222222abcdef8.cloudfront.net", ["*.example.com"]);
const SHOP = summary("E3SHOP0000003", "d333333abcdef8.cloudfront.net", ["shop.example.org"]);

function listPages(...pages: DistributionSummary[][]): void {
  pages.forEach((items, index) => {
    const last = index === pages.length - 1;
    const input = index === 0 ? {} : { Marker: `m${index}` };
    cloudFront.on(ListDistributionsCommand, input, true).resolves({
      DistributionList: {
        Marker: index === 0 ? "" : `m${index}`,
        MaxItems: 100,
        IsTruncated: !last,
        Quantity: items.length,
        Items: items,
        ...(last ? {} : { NextMarker: `m${index + 1}` }),
      },
    });
  });
}

describe("parseDistributionRef", () => {
  it("reads ids and distribution ARNs as ids", () => {
    expect(parseDistributionRef(" E2QWRUHAPOMQZL ", "--distribution-id")).toEqual({ kind: "id", id: "E2QWRUHAPOMQZL" });
    expect(
      parseDistributionRef("arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL", "--distribution-id"),
    ).toEqual({ kind: "id", id: "E2QWRUHAPOMQZL" });
  });

  it("reads anything with a dot as a domain, lower case, trailing dot dropped", () => {
    expect(parseDistributionRef("WWW.Example.COM.", "--distribution-id")).toEqual({
      kind: "domain",
      domain: "www.example.com",
    });
    expect(parseDistributionRef("d111111abcdef8.cloudfront.net", "x")).toEqual({
      kind: "domain",
      domain: "d111111abcdef8.cloudfront.net",
    });
    expect(parseDistributionRef("*.example.com", "x")).toEqual({ kind: "domain", domain: "*.example.com" });
  });

  it("refuses a URL, suggesting its host name, and names the flag", () => {
    expect(() => parseDistributionRef("https://www.example.com/index.html", "--distribution-id")).toThrow(
      /^--distribution-id "https:\/\/www\.example\.com\/index\.html" is a URL or path.*"www\.example\.com"/,
    );
  });

  it("refuses empty values, bad ids and bad domains with what to give instead", () => {
    expect(() => parseDistributionRef("  ", 'input "distribution-id"')).toThrow(
      /^input "distribution-id" is empty: give a distribution id/,
    );
    expect(() => parseDistributionRef("e2qwruhapomqzl", "--distribution-id")).toThrow(ConfigurationError);
    expect(() => parseDistributionRef("e2qwruhapomqzl", "--distribution-id")).toThrow(
      /--distribution-id: .*did you mean "E2QWRUHAPOMQZL".*domain name/,
    );
    expect(() => parseDistributionRef("www..example.com", "--distribution-id")).toThrow(
      /"www\.\.example\.com" is neither a distribution id nor a valid domain name/,
    );
    expect(() => parseDistributionRef("a.*.example.com", "k")).toThrow(ConfigurationError);
  });
});

describe("matchDistributionName", () => {
  const all = [SITE, WILD, SHOP];

  it("matches the own *.cloudfront.net name and aliases, ignoring case", () => {
    expect(matchDistributionName(all, "d333333abcdef8.cloudfront.net")).toEqual([
      { id: "E3SHOP0000003", matchedBy: "cloudfront-domain", matched: "d333333abcdef8.cloudfront.net" },
    ]);
    expect(matchDistributionName([summary("E9", "d9.cloudfront.net", ["WWW.Example.com"])], "www.example.com")).toEqual(
      [{ id: "E9", matchedBy: "alias", matched: "WWW.Example.com" }],
    );
  });

  it("prefers an exact alias to a wildcard alias that covers the name, as CloudFront routes", () => {
    expect(matchDistributionName(all, "www.example.com").map((m) => m.id)).toEqual(["E1SITE0000001"]);
  });

  it("lets a wildcard alias cover exactly one more label", () => {
    expect(matchDistributionName(all, "blog.example.com")).toEqual([
      { id: "E2WILD0000002", matchedBy: "wildcard-alias", matched: "*.example.com" },
    ]);
    expect(matchDistributionName([WILD], "a.b.example.com")).toEqual([]);
    expect(matchDistributionName([WILD], "example.com")).toEqual([]);
    // A wildcard given as the name matches the same wildcard alias literally, nothing else.
    expect(matchDistributionName(all, "*.example.com").map((m) => m.matchedBy)).toEqual(["alias"]);
  });

  it("returns every best match, for the caller to call ambiguous", () => {
    const twin = summary("E4TWIN0000004", "d4.cloudfront.net", ["www.example.com"]);
    expect(matchDistributionName([SITE, twin, WILD], "www.example.com").map((m) => m.id)).toEqual([
      "E1SITE0000001",
      "E4TWIN0000004",
    ]);
  });
});

describe("resolveDistributionIds", () => {
  it("makes no call when every input is an id, and drops repeats in order", async () => {
    const ids = await resolveDistributionIds(client, ["E2QWRUHAPOMQZL", "E1SITE0000001", "E2QWRUHAPOMQZL"], "--d");
    expect(ids).toEqual(["E2QWRUHAPOMQZL", "E1SITE0000001"]);
    expect(cloudFront.calls()).toHaveLength(0);
  });

  it("lists every page once, following NextMarker, to resolve several names", async () => {
    listPages([SITE], [WILD], [SHOP]);
    const ids = await resolveDistributionIds(
      client,
      ["shop.example.org", "E0ID000000000", "blog.example.com", "www.example.com", "d111111abcdef8.cloudfront.net"],
      "--distribution-id",
    );
    expect(ids).toEqual(["E3SHOP0000003", "E0ID000000000", "E2WILD0000002", "E1SITE0000001"]);
    const markers = cloudFront.commandCalls(ListDistributionsCommand).map((c) => c.args[0].input.Marker);
    expect(markers).toEqual([undefined, "m1", "m2"]);
  });

  it("calls an unknown name a configuration error naming the value, the flag and what to do", async () => {
    listPages([SITE, SHOP]);
    const resolved = resolveDistributionIds(client, ["blog.example.net"], "--distribution-id");
    await expect(resolved).rejects.toBeInstanceOf(ConfigurationError);
    await expect(resolved).rejects.toThrow(
      /^--distribution-id "blog\.example\.net" names no distribution of the account in use \(2 listed.*give the distribution id/,
    );
  });

  it("calls a name matching several distributions ambiguous, listing them", async () => {
    listPages([SITE, summary("E4TWIN0000004", "d4.cloudfront.net", ["WWW.example.com"])]);
    await expect(resolveDistributionIds(client, ["www.example.com"], "UserParameters DistributionId")).rejects.toThrow(
      /^UserParameters DistributionId "www\.example\.com" is ambiguous: it matches 2 distributions, E1SITE0000001 \(alternate domain name "www\.example\.com"\), E4TWIN0000004 .*Give the id/,
    );
  });

  it("says which IAM action is missing when listing is denied", async () => {
    cloudFront
      .on(ListDistributionsCommand)
      .rejects(new AccessDenied({ message: "not authorized to perform: cloudfront:ListDistributions", ...meta }));
    const resolved = resolveDistributionIds(client, ["www.example.com"], "--distribution-id");
    await expect(resolved).rejects.toBeInstanceOf(PermissionError);
    await expect(resolved).rejects.toThrow(
      /ListDistributions.*cloudfront:ListDistributions on "\*".*give the distribution id/,
    );
    await expect(resolved).rejects.not.toThrow(/CreateInvalidation/);
  });

  it("fails instead of looping when the listing repeats a marker", async () => {
    cloudFront.on(ListDistributionsCommand).resolves({
      DistributionList: { Marker: "", MaxItems: 1, IsTruncated: true, Quantity: 1, Items: [SHOP], NextMarker: "again" },
    });
    await expect(listAllDistributions(client)).rejects.toBeInstanceOf(TransientError);
    expect(cloudFront.commandCalls(ListDistributionsCommand)).toHaveLength(2);
  });

  it("treats an empty account as having no distribution", async () => {
    cloudFront
      .on(ListDistributionsCommand)
      .resolves({ DistributionList: { Marker: "", MaxItems: 100, IsTruncated: false, Quantity: 0 } });
    await expect(resolveDistributionIds(client, ["www.example.com"], "--d")).rejects.toThrow(/0 listed/);
  });
});

describe("parseS3OriginDomain", () => {
  it.each([
    ["site.s3.amazonaws.com", { bucket: "site", endpoint: "rest" }],
    ["site.s3.eu-west-1.amazonaws.com", { bucket: "site", endpoint: "rest", region: "eu-west-1" }],
    ["site.s3-eu-west-1.amazonaws.com", { bucket: "site", endpoint: "rest", region: "eu-west-1" }],
    ["site.s3-external-1.amazonaws.com", { bucket: "site", endpoint: "rest" }],
    ["site.s3.dualstack.us-east-2.amazonaws.com", { bucket: "site", endpoint: "rest", region: "us-east-2" }],
    [
      "site.s3-fips.dualstack.us-gov-west-1.amazonaws.com",
      { bucket: "site", endpoint: "rest", region: "us-gov-west-1" },
    ],
    ["site.s3.cn-north-1.amazonaws.com.cn", { bucket: "site", endpoint: "rest", region: "cn-north-1" }],
    ["www.example.com.s3.amazonaws.com", { bucket: "www.example.com", endpoint: "rest" }],
    [
      "my.s3.files.s3.ap-southeast-2.amazonaws.com",
      { bucket: "my.s3.files", endpoint: "rest", region: "ap-southeast-2" },
    ],
    ["Site.S3.amazonaws.com.", { bucket: "site", endpoint: "rest" }],
    ["site.s3-website-us-east-1.amazonaws.com", { bucket: "site", endpoint: "website", region: "us-east-1" }],
    ["site.s3-website.eu-central-1.amazonaws.com", { bucket: "site", endpoint: "website", region: "eu-central-1" }],
  ])("reads %s", (domain, expected) => {
    expect(parseS3OriginDomain(domain)).toEqual(expected);
  });

  it.each([
    "s3.amazonaws.com",
    "example.com",
    "site.s3.amazonaws.com.evil.example",
    "api.example.com",
    "d111.cloudfront.net",
    "site.s3.dualstack.amazonaws.com",
  ])("does not take %s for an S3 endpoint", (domain) => {
    expect(parseS3OriginDomain(domain)).toBeUndefined();
  });
});

const origin = (id: string, domain: string, extra: Partial<Origin> = {}): Origin =>
  ({ Id: id, DomainName: domain, OriginPath: "", ...extra }) as Origin;

function configOf(
  origins: Origin[],
  defaultTarget: string,
  behaviors: [string, string][] = [],
  groups: [string, string[]][] = [],
): DistributionConfig {
  return {
    CallerReference: "ref",
    Comment: "",
    Enabled: true,
    Origins: { Quantity: origins.length, Items: origins },
    OriginGroups: {
      Quantity: groups.length,
      Items: groups.map(([id, members]) => ({
        Id: id,
        FailoverCriteria: { StatusCodes: { Quantity: 1, Items: [500] } },
        Members: { Quantity: members.length, Items: members.map((m) => ({ OriginId: m })) },
      })),
    },
    CacheBehaviors: {
      Quantity: behaviors.length,
      Items: behaviors.map(([pattern, target]) => ({
        PathPattern: pattern,
        TargetOriginId: target,
        ViewerProtocolPolicy: "allow-all",
      })),
    },
    DefaultCacheBehavior: { TargetOriginId: defaultTarget, ViewerProtocolPolicy: "allow-all" },
  } as DistributionConfig;
}

const served = (prefix: OriginPrefix): Extract<OriginPrefix, { served: true }> => {
  if (!prefix.served) throw new Error(`expected the bucket to be served: ${prefix.message}`);
  return prefix;
};

describe("originPrefixForBucket", () => {
  it("takes the key prefix from an OAC origin's OriginPath", () => {
    const config = configOf(
      [origin("s3", "site-bucket.s3.eu-west-1.amazonaws.com", { OriginPath: "/prod", OriginAccessControlId: "OAC1" })],
      "s3",
    );
    const result = served(originPrefixForBucket(config, "site-bucket", "E1"));
    expect(result.keyPrefix).toBe("prod/");
    expect(result.origins).toEqual([
      {
        originId: "s3",
        domainName: "site-bucket.s3.eu-west-1.amazonaws.com",
        endpoint: "rest",
        access: "origin-access-control",
        originPath: "/prod",
        keyPrefix: "prod/",
      },
    ]);
    expect(result.routes).toEqual([{ pathPattern: "*", targetOriginId: "s3", keyPrefixes: ["prod/"] }]);
  });

  it("recognises OAI, public REST and website origins, and a nested OriginPath", () => {
    const oai = configOf(
      [
        origin("a", "b.s3.amazonaws.com", {
          S3OriginConfig: { OriginAccessIdentity: "origin-access-identity/cloudfront/E1" },
        }),
      ],
      "a",
    );
    expect(served(originPrefixForBucket(oai, "b", "E")).origins[0]?.access).toBe("origin-access-identity");
    const open = configOf([origin("a", "b.s3.amazonaws.com", { S3OriginConfig: { OriginAccessIdentity: "" } })], "a");
    expect(served(originPrefixForBucket(open, "b", "E")).origins[0]?.access).toBe("public");
    const website = configOf(
      [
        origin("w", "b.s3-website-us-east-1.amazonaws.com", {
          OriginPath: "/site/v2",
          CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: "http-only" },
        }),
      ],
      "w",
    );
    const result = served(originPrefixForBucket(website, "B", "E"));
    expect(result.origins[0]).toMatchObject({ endpoint: "website", access: "website", keyPrefix: "site/v2/" });
    expect(result.keyPrefix).toBe("site/v2/");
  });

  it("gives the empty prefix for an origin without OriginPath", () => {
    const config = configOf([origin("s3", "site.s3.amazonaws.com")], "s3");
    expect(served(originPrefixForBucket(config, "site", "E")).keyPrefix).toBe("");
  });

  it("says so, naming the buckets it does serve, when no origin reaches the bucket", () => {
    const config = configOf([origin("s3", "other.s3.amazonaws.com"), origin("api", "api.example.com")], "s3");
    const result = originPrefixForBucket(config, "site", "E1");
    expect(result).toMatchObject({ served: false, otherBuckets: ["other"] });
    expect(!result.served && result.message).toMatch(
      /^distribution E1 serves nothing from bucket "site": its S3 origins reach "other"/,
    );
    const none = originPrefixForBucket(configOf([origin("api", "api.example.com")], "api"), "site", "E1");
    expect(!none.served && none.message).toMatch(/it has no S3 origin/);
  });

  it("counts an origin for the bucket that no behavior uses as not serving it", () => {
    const config = configOf([origin("s3", "site.s3.amazonaws.com"), origin("api", "api.example.com")], "api");
    const result = originPrefixForBucket(config, "site", "E1");
    expect(result.served).toBe(false);
    expect(!result.served && result.message).toMatch(/origin "s3" for that bucket is used by no cache behavior/);
  });

  it("lets the behaviors decide when several origins serve the bucket from different paths", () => {
    const config = configOf(
      [
        origin("root", "site.s3.amazonaws.com", { OriginAccessControlId: "OAC" }),
        origin("img", "site.s3.amazonaws.com", { OriginPath: "/img", OriginAccessControlId: "OAC" }),
        origin("api", "api.example.com"),
      ],
      "root",
      [
        ["/pictures/*", "img"],
        ["api/*", "api"],
      ],
    );
    const result = served(originPrefixForBucket(config, "site", "E1"));
    expect(result.keyPrefix).toBeUndefined();
    expect(result.routes).toEqual([
      { pathPattern: "/pictures/*", targetOriginId: "img", keyPrefixes: ["img/"] },
      { pathPattern: "api/*", targetOriginId: "api", keyPrefixes: [] },
      { pathPattern: "*", targetOriginId: "root", keyPrefixes: [""] },
    ]);
    // Served through both origins: /pictures/a.jpg (img origin) and /img/pictures/a.jpg (default).
    expect(siteKeysForKey(result, "img/pictures/a.jpg")).toEqual(["pictures/a.jpg", "img/pictures/a.jpg"]);
    // /pictures/b.jpg goes to the img origin, which reads img/pictures/b.jpg: this key is not served there.
    expect(siteKeysForKey(result, "pictures/b.jpg")).toEqual([]);
    // /api/x.json goes to the API origin: the bucket's copy serves nothing.
    expect(siteKeysForKey(result, "api/x.json")).toEqual([]);
    expect(siteKeysForKey(result, "index.html")).toEqual(["index.html"]);
    expect(mapKeysToSite(result, ["index.html", "api/x.json", "img/pictures/a.jpg", "index.html"])).toEqual({
      siteKeys: ["index.html", "pictures/a.jpg", "img/pictures/a.jpg"],
      outside: ["api/x.json"],
    });
  });

  it("reports keys outside the single origin path", () => {
    const config = configOf([origin("s3", "site.s3.amazonaws.com", { OriginPath: "/prod" })], "s3");
    const result = served(originPrefixForBucket(config, "site", "E1"));
    expect(mapKeysToSite(result, ["prod/index.html", "prod/blog/", "staging/index.html", "production/x"])).toEqual({
      siteKeys: ["index.html", "blog/"],
      outside: ["staging/index.html", "production/x"],
    });
  });

  it("follows an origin group to its members", () => {
    const config = configOf(
      [
        origin("primary", "site.s3.eu-west-1.amazonaws.com", { OriginPath: "/prod" }),
        origin("replica", "site-replica.s3.us-east-1.amazonaws.com", { OriginPath: "/prod" }),
      ],
      "group",
      [],
      [["group", ["primary", "replica"]]],
    );
    const result = served(originPrefixForBucket(config, "site", "E1"));
    expect(result.routes).toEqual([{ pathPattern: "*", targetOriginId: "group", keyPrefixes: ["prod/"] }]);
    expect(result.keyPrefix).toBe("prod/");
    expect(served(originPrefixForBucket(config, "site-replica", "E1")).keyPrefix).toBe("prod/");
  });
});

describe("pathPatternMatches", () => {
  it.each([
    ["*", "/anything/at/all", true],
    ["/images/*", "/images/a/b.png", true],
    ["images/*", "/images/a.png", true],
    ["/images/*", "/Images/a.png", false],
    ["/images/*.jpg", "/images/x/y.jpg", true],
    ["/a?c", "/abc", true],
    ["/a?c", "/ac", false],
    ["/v1.0/*", "/v1x0/a", false],
    ["/docs", "/docs/", false],
  ])("%s against %s: %s", (pattern, path, expected) => {
    expect(pathPatternMatches(pattern, path)).toBe(expected);
  });
});

describe("checkPrefixAgainstDistribution", () => {
  const config = configOf([origin("s3", "site.s3.amazonaws.com", { OriginPath: "/prod" })], "s3");
  const derived = originPrefixForBucket(config, "site", "E1SITE0000001");

  it("is silent when the explicit prefix is the origin's, however it is written", () => {
    expect(checkPrefixAgainstDistribution("prod", derived, "--s3-prefix")).toBeUndefined();
    expect(checkPrefixAgainstDistribution("/prod/", derived, "--s3-prefix")).toBeUndefined();
  });

  it("warns, with both values and the fix, when it contradicts the distribution", () => {
    expect(checkPrefixAgainstDistribution("", derived, "--s3-prefix")).toBe(
      '--s3-prefix "" contradicts distribution E1SITE0000001, which serves bucket "site" through origin "s3" ' +
        '(OriginPath "/prod", key prefix "prod/"). Using --s3-prefix as given, so the paths may serve nothing; ' +
        "leave --s3-prefix out to use the distribution's origin path",
    );
    expect(checkPrefixAgainstDistribution("staging/", derived, 'input "s3-prefix"')).toMatch(
      /^input "s3-prefix" "staging\/" contradicts/,
    );
  });

  it("leaves the unserved case to the result's own message", () => {
    const unserved = originPrefixForBucket(config, "other", "E1");
    expect(checkPrefixAgainstDistribution("x/", unserved, "--s3-prefix")).toBeUndefined();
  });
});

describe("readDistributionConfig and readOriginPrefix", () => {
  it("read the configuration with one GetDistributionConfig call", async () => {
    const config = configOf([origin("s3", "site.s3.amazonaws.com", { OriginPath: "/prod" })], "s3");
    cloudFront
      .on(GetDistributionConfigCommand, { Id: "E1SITE0000001" })
      .resolves({ DistributionConfig: config, ETag: "x" });
    const result = await readOriginPrefix(client, "E1SITE0000001", "site");
    expect(served(result).keyPrefix).toBe("prod/");
    expect(cloudFront.calls()).toHaveLength(1);
  });

  it("call an unknown distribution a configuration error", async () => {
    cloudFront
      .on(GetDistributionConfigCommand)
      .rejects(new NoSuchDistribution({ message: "The specified distribution does not exist.", $metadata: {} }));
    await expect(readDistributionConfig(client, "E0NONE0000000")).rejects.toBeInstanceOf(ConfigurationError);
  });

  it("name GetDistributionConfig when it is denied", async () => {
    cloudFront.on(GetDistributionConfigCommand).rejects(new AccessDenied({ message: "denied", ...meta }));
    const read = readDistributionConfig(client, "E1SITE0000001");
    await expect(read).rejects.toBeInstanceOf(PermissionError);
    await expect(read).rejects.toThrow(
      /^GetDistributionConfig on E1SITE0000001 failed: AccessDenied: denied \(.*cloudfront:GetDistributionConfig/,
    );
  });

  it("treat an answer without a configuration as transient", async () => {
    cloudFront.on(GetDistributionConfigCommand).resolves({});
    await expect(readDistributionConfig(client, "E1")).rejects.toBeInstanceOf(TransientError);
  });
});
