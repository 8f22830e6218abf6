import type { DistributionConfig } from "@aws-sdk/client-cloudfront";
import { ConfigurationError } from "./errors.js";

/** CloudFront's longest cache tag, in characters (the `#` of the invalidation item not counted). */
export const MAX_CACHE_TAG_LENGTH = 256;

const show = (value: string): string => JSON.stringify(value);

/**
 * Reads one cache tag as the user wrote it and returns the invalidation item CloudFront takes:
 * `#` followed by the tag in lower case. Pure; throws ConfigurationError starting with `name`
 * (the flag, input or UserParameters key) that names the value and what to write instead.
 *
 * The user may write `product:tv` or `#product:tv`: one leading `#` is the item marker and is
 * optional, so both give `#product:tv`. A tag that itself starts with `#` is written `##tag`.
 * Surrounding white space is ignored. CloudFront's rules: ASCII 33 to 126 without commas, at most
 * 256 characters, case-insensitive (so the item is lower-cased, and `#TV` and `#tv` are one
 * item), no wildcard. CloudFront matches `*` literally rather than as a wildcard, so a `*` is
 * refused: `#product:*` would silently invalidate nothing.
 *
 * @example parseCacheTag("Product:TV", "--cache-tag") // "#product:tv"
 * @example parseCacheTag("#blog", "--cache-tag") // "#blog"
 */
export function parseCacheTag(text: string, name: string): string {
  const value = text.trim();
  const tag = value.startsWith("#") ? value.slice(1) : value;
  const fail = (problem: string, fix: string): never => {
    throw new ConfigurationError(`${name}: cache tag ${show(text)} ${problem}: ${fix}`);
  };
  if (tag === "") fail("is empty", 'give the tag, such as "product:tv" (a leading "#" is optional)');
  if (tag.length > MAX_CACHE_TAG_LENGTH) {
    fail(`is ${tag.length} characters long, more than the ${MAX_CACHE_TAG_LENGTH} CloudFront accepts`, "shorten it");
  }
  if (tag.includes(",")) fail("holds a comma", "give each tag on its own (lists are split at commas and white space)");
  if (tag.includes("*")) {
    fail(
      "holds a *, but CloudFront matches tags exactly and has no wildcard for them",
      "give every tag to invalidate in full",
    );
  }
  for (const char of tag) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 33 || code > 126) {
      fail(
        `holds ${show(char)} (U+${code.toString(16).toUpperCase().padStart(4, "0")}), but tags are visible ASCII only (33 to 126, no space)`,
        "remove or replace it",
      );
    }
  }
  return `#${tag.toLowerCase()}`;
}

/**
 * Reads a list of cache tags from one text (an action input, a UserParameters value): items are
 * separated by commas and white space, which no tag may hold. Returns the invalidation items,
 * unique (case-insensitively), in first-seen order. An empty text gives none.
 *
 * @example parseCacheTagList("#blog, product:TV\nproduct:tv", "input \"cache-tags\"") // ["#blog", "#product:tv"]
 */
export function parseCacheTagList(text: string, name: string): string[] {
  return parseCacheTags(
    text.split(/[\s,]+/).filter((item) => item !== ""),
    name,
  );
}

/** `parseCacheTag` over several values (repeated flags), unique, in first-seen order. */
export function parseCacheTags(texts: Iterable<string>, name: string): string[] {
  const items = new Set<string>();
  for (const text of texts) items.add(parseCacheTag(text, name));
  return [...items];
}

/**
 * The header from which the distribution reads cache tags (`CacheTagConfig.HeaderName`), or
 * `undefined` when it has no cache-tag configuration and so ignores tag invalidations. Pure.
 * SDK 3.1138.0 models `DistributionConfig.CacheTagConfig`; it is still read defensively, as an
 * endpoint (moto, an older API) may leave it out.
 */
export function cacheTagHeader(config: DistributionConfig): string | undefined {
  const header = config.CacheTagConfig?.HeaderName;
  return typeof header === "string" && header.trim() !== "" ? header : undefined;
}

/**
 * Throws a ConfigurationError when cache tags are asked for on a distribution without
 * CacheTagConfig: such a distribution keeps no tags, so a tag invalidation there does nothing. Returns the header
 * name otherwise, for reports. No tags: nothing to check, returns `undefined`.
 *
 * @param name the flag, input or UserParameters key of the tags: `--cache-tag`.
 */
export function requireCacheTagConfig(
  config: DistributionConfig,
  distributionId: string,
  tags: readonly string[],
  name: string,
): string | undefined {
  if (tags.length === 0) return undefined;
  const header = cacheTagHeader(config);
  if (header !== undefined) return header;
  throw new ConfigurationError(
    `${name} gives ${tags.length === 1 ? "cache tag" : "cache tags"} ${tags.join(", ")}, but distribution ` +
      `${distributionId} has no cache-tag configuration (CacheTagConfig), so it keeps no tags and a tag invalidation does nothing there: ` +
      "add a CacheTagConfig with the header your origin sends tags in (for S3, object metadata cache-tag is the header " +
      `x-amz-meta-cache-tag), or leave ${name} out`,
  );
}
