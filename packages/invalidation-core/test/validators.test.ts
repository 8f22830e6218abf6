import { describe, expect, it } from "vitest";
import { ConfigurationError, named } from "../src/errors.js";
import { parseInvalidationPath } from "../src/paths.js";
import {
  checkRange,
  cloudFrontEndpoint,
  parseBooleanText,
  parseCallerReference,
  parseDistributionIds,
  parseIndexDocument,
  parseKeyPrefix,
  parsePathList,
  parseSeconds,
  parseTenants,
  parseWholeNumber,
} from "../src/validators.js";

describe("named validators", () => {
  it("put the name of what the user wrote in front of a core message", () => {
    expect(() => named('input "paths"', () => parseInvalidationPath("docs"))).toThrow(
      /^input "paths": Invalidation path "docs" does not start with "\/"/,
    );
    expect(() => named("--x", () => parseInvalidationPath("docs"))).toThrow(ConfigurationError);
  });

  it("leave the message as it is when the caller gave no name", () => {
    expect(() => named(undefined, () => parseInvalidationPath("docs"))).toThrow(/^Invalidation path "docs"/);
    expect(named(undefined, () => parseInvalidationPath("/a"))).toBe("/a");
  });

  it("split distribution-id lists on commas, spaces and newlines alike, and drop repeats", () => {
    expect(parseDistributionIds(["E2QWRUHAPOMQZL, E3ABCDEFGHIJKL\nE2QWRUHAPOMQZL"], "x")).toEqual([
      "E2QWRUHAPOMQZL",
      "E3ABCDEFGHIJKL",
    ]);
    expect(parseDistributionIds(["E2QWRUHAPOMQZL E3ABCDEFGHIJKL"], "x")).toHaveLength(2);
    expect(() => parseDistributionIds(["  ,"], "--distribution-id")).toThrow(/^--distribution-id is required/);
    expect(() => parseDistributionIds(["e2qwruhapomqzl"], "UserParameters.distributionId")).toThrow(
      /^UserParameters\.distributionId: Distribution id "e2qwruhapomqzl" has lower-case letters/,
    );
  });

  it("take no distribution when told it is optional, but still refuse a bad one", () => {
    expect(parseDistributionIds(["", " , "], "x", { optional: true })).toEqual([]);
    expect(() => parseDistributionIds(["nope"], "--distribution-id", { optional: true })).toThrow(
      /^--distribution-id: /,
    );
  });

  it("refuse an S3 URI where a key prefix belongs, saying what to give instead", () => {
    expect(() => parseKeyPrefix("s3://bucket/site", "--s3-prefix")).toThrow(
      /^--s3-prefix "s3:\/\/bucket\/site" is an S3 URI; give only the key prefix inside the bucket, such as "site"/,
    );
    expect(() => parseKeyPrefix("a/../b", "x")).toThrow(/plain key prefix/);
    expect(parseKeyPrefix(" site/ ", "x")).toBe("site/");
  });

  it("read booleans, whole numbers and ranges as people write them", () => {
    expect(parseBooleanText(" Yes ", "wait", false)).toBe(true);
    expect(parseBooleanText("", "wait", true)).toBe(true);
    expect(() => parseBooleanText("maybe", 'input "wait"', false)).toThrow(/^input "wait" must be true or false/);
    expect(parseWholeNumber("", "n", { fallback: 30, min: 1, max: 10 })).toBe(30);
    expect(() => parseWholeNumber("1e3", "n", { fallback: 1, min: 1, max: 10 })).toThrow(/must be a whole number/);
    expect(() => checkRange(0, "--max-paths", { min: 1, max: 10 })).toThrow(
      /^--max-paths must be between 1 and 10, got 0/,
    );
    expect(() => parseIndexDocument("a/index.html", "x")).toThrow(/file name/);
    expect(() => parseCallerReference("a\nb", "--caller-reference")).toThrow(/one line, not empty/);
  });

  it("name a validator's rejection too, for validators that read files", async () => {
    await expect(
      named("--site-dir", () => Promise.reject(new ConfigurationError("cannot read the folder"))),
    ).rejects.toThrow(/^--site-dir: cannot read the folder$/);
  });

  it("name the CloudFront endpoint in use", () => {
    expect(cloudFrontEndpoint({ AWS_ENDPOINT_URL_CLOUDFRONT: "http://127.0.0.1:1" })).toBe("http://127.0.0.1:1");
    expect(cloudFrontEndpoint({ AWS_ENDPOINT_URL: "http://x" })).toBe("http://x");
    expect(cloudFrontEndpoint({})).toBe("cloudfront.amazonaws.com");
  });

  it("take domain names for distributions too, for runInvalidation to resolve", () => {
    expect(parseDistributionIds(["E2QWRUHAPOMQZL WWW.Example.com. d111111abcdef8.cloudfront.net"], "x")).toEqual([
      "E2QWRUHAPOMQZL",
      "www.example.com",
      "d111111abcdef8.cloudfront.net",
    ]);
    expect(() => parseDistributionIds(["https://www.example.com/"], "--distribution-id")).toThrow(
      /^--distribution-id "https:\/\/www.example.com\/" is a URL or path/,
    );
  });

  it("read path lists with comments and name the offending line", () => {
    expect(parsePathList("# deploy\n/index.html\n\n  /blog/*\r\n", "--paths-file p")).toEqual([
      "/index.html",
      "/blog/*",
    ]);
    expect(() => parsePathList("/a\nb", "--paths-file p")).toThrow(/^--paths-file p line 2: Invalidation path "b"/);
  });

  it("read seconds with fractions, within a range", () => {
    expect(parseSeconds("1.5", "--wait-timeout", { fallback: 600, min: 0.1, max: 86_400 })).toBe(1.5);
    expect(parseSeconds(" ", "--wait-timeout", { fallback: 600, min: 0.1, max: 86_400 })).toBe(600);
    expect(() => parseSeconds("-1", "--wait-timeout", { fallback: 1, min: 0.1, max: 10 })).toThrow(
      /^--wait-timeout must be a number of seconds between 0.1 and 10, got "-1"/,
    );
  });

  it("split tenant lists like distribution lists, and refuse a URL", () => {
    expect(parseTenants(["shop.example.com, dt_2abc", "dt_2abc\nother"], "--tenant")).toEqual([
      "shop.example.com",
      "dt_2abc",
      "other",
    ]);
    expect(parseTenants([], "--tenant")).toEqual([]);
    expect(() => parseTenants(["https://shop.example.com/"], 'input "tenant"')).toThrow(/^input "tenant" "https:/);
  });
});
