import type { DistributionConfig } from "@aws-sdk/client-cloudfront";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cacheTagHeader,
  MAX_CACHE_TAG_LENGTH,
  parseCacheTag,
  parseCacheTagList,
  parseCacheTags,
  requireCacheTagConfig,
} from "../src/cache-tags.js";
import { ConfigurationError } from "../src/errors.js";
import { parseInvalidationPath } from "../src/paths.js";

describe("parseCacheTag", () => {
  it("accepts a tag with or without the leading # and gives the item in lower case", () => {
    expect(parseCacheTag("product:TV", "--cache-tag")).toBe("#product:tv");
    expect(parseCacheTag("#product:TV", "--cache-tag")).toBe("#product:tv");
    expect(parseCacheTag("  #blog \n", "--cache-tag")).toBe("#blog");
  });

  it("reads only one leading # as the marker: ##tag is the tag #tag", () => {
    expect(parseCacheTag("##hash", "--cache-tag")).toBe("##hash");
  });

  it("accepts every visible ASCII character but the comma and *, up to 256 of them", () => {
    const visible = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i))
      .filter((c) => c !== "," && c !== "*")
      .join("");
    expect(parseCacheTag(`x${visible}`, "t")).toBe(`#x${visible.toLowerCase()}`);
    expect(parseCacheTag("a".repeat(MAX_CACHE_TAG_LENGTH), "t")).toHaveLength(257);
  });

  it.each([
    ["", /--cache-tag: cache tag "" is empty/],
    ["#", /is empty/],
    ["a".repeat(257), /is 257 characters long, more than the 256/],
    ["a,b", /holds a comma/],
    ["product:*", /holds a \*, but CloudFront matches tags exactly/],
    ["a b", /holds " " \(U\+0020\)/],
    ["caf\u00e9", /holds "\u00e9" \(U\+00E9\)/],
    ["tab\there", /U\+0009/],
  ])("refuses %j, naming the flag and the problem", (text, message) => {
    expect(() => parseCacheTag(text, "--cache-tag")).toThrow(ConfigurationError);
    expect(() => parseCacheTag(text, "--cache-tag")).toThrow(message);
  });

  it("always gives an item that CloudFront reads as a tag and the path parser refuses as a path", () => {
    const tagChar = fc.integer({ min: 33, max: 126 }).filter((c) => c !== 44 && c !== 42);
    fc.assert(
      // A lone "#" is the marker with no tag: refused as empty, tested above.
      fc.property(
        fc.array(tagChar, { minLength: 1, maxLength: 256 }).filter((codes) => codes.join() !== "35"),
        (codes) => {
          const item = parseCacheTag(String.fromCharCode(...codes), "t");
          expect(item.startsWith("#")).toBe(true);
          expect(item.length).toBe(codes.length + 1 - (codes[0] === 35 ? 1 : 0));
          expect(item).toBe(item.toLowerCase());
          expect(() => parseInvalidationPath(item)).toThrow(ConfigurationError);
        },
      ),
    );
  });
});

describe("parseCacheTagList and parseCacheTags", () => {
  it("split at commas and white space, and drop repeats case-insensitively, in order", () => {
    expect(parseCacheTagList("#blog, product:TV\nproduct:tv  #Blog,,", 'input "cache-tags"')).toEqual([
      "#blog",
      "#product:tv",
    ]);
    expect(parseCacheTagList("  \n", "k")).toEqual([]);
    expect(parseCacheTags(["A", "#a", "b"], "--cache-tag")).toEqual(["#a", "#b"]);
  });

  it("name the input when one item is bad", () => {
    expect(() => parseCacheTagList("ok, bad*", 'input "cache-tags"')).toThrow(
      /^input "cache-tags": cache tag "bad\*" holds a \*/,
    );
  });
});

const withTags = { CacheTagConfig: { HeaderName: "x-amz-meta-cache-tag" } } as DistributionConfig;
const without = {} as DistributionConfig;

describe("cacheTagHeader and requireCacheTagConfig", () => {
  it("read the header of the distribution's CacheTagConfig", () => {
    expect(cacheTagHeader(withTags)).toBe("x-amz-meta-cache-tag");
    expect(cacheTagHeader(without)).toBeUndefined();
    expect(cacheTagHeader({ CacheTagConfig: { HeaderName: " " } } as DistributionConfig)).toBeUndefined();
  });

  it("refuse tags on a distribution without cache-tag configuration, saying how to add one", () => {
    expect(() => requireCacheTagConfig(without, "E1SITE0000001", ["#blog", "#tv"], "--cache-tag")).toThrow(
      /^--cache-tag gives cache tags #blog, #tv, but distribution E1SITE0000001 has no cache-tag configuration \(CacheTagConfig\).*x-amz-meta-cache-tag.*leave --cache-tag out$/,
    );
  });

  it("pass tags on a distribution with one, and anything without tags", () => {
    expect(requireCacheTagConfig(withTags, "E1", ["#blog"], "--cache-tag")).toBe("x-amz-meta-cache-tag");
    expect(requireCacheTagConfig(without, "E1", [], "--cache-tag")).toBeUndefined();
  });
});
