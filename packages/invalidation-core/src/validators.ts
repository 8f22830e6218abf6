import { checkCount } from "./check-count.js";
import { parseDistributionRef } from "./distribution.js";
import { ConfigurationError, named } from "./errors.js";
import { parseInvalidationPath } from "./paths.js";

/**
 * The validators every adapter uses on what its user wrote. Each takes `name`: how that user
 * named the value (`--max-paths`, `input "max-paths"`, `UserParameters.maxPaths`), so that the
 * message points at the flag, input or key to fix, in every adapter alike.
 */

const TRUE_WORDS = new Set(["true", "yes", "1"]);
const FALSE_WORDS = new Set(["false", "no", "0"]);

/** `true`/`false` (also yes/no, 1/0, any case); `""` gives `fallback`. */
export function parseBooleanText(raw: string, name: string, fallback: boolean): boolean {
  const word = raw.trim().toLowerCase();
  if (word === "") return fallback;
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new ConfigurationError(`${name} must be true or false (also yes/no, 1/0), got ${JSON.stringify(raw)}`);
}

/** A whole number written as plain digits, in [min, max]; `""` gives `fallback`. */
export function parseWholeNumber(
  raw: string,
  name: string,
  range: { readonly fallback: number; readonly min: number; readonly max: number },
): number {
  const text = raw.trim();
  if (text === "") return range.fallback;
  // Number("") is 0 and Number("1e3") is 1000: accept plain digits only, so typos are not read as numbers.
  if (!/^\d+$/.test(text)) throw new ConfigurationError(`${name} must be a whole number, got ${JSON.stringify(raw)}`);
  return checkRange(Number(text), name, range);
}

/** A number already parsed (JSON, argv): whole and in [min, max]. */
export function checkRange(value: number, name: string, range: { readonly min: number; readonly max: number }): number {
  if (!Number.isInteger(value))
    throw new ConfigurationError(`${name} must be a whole number, got ${JSON.stringify(value)}`);
  if (value < range.min || value > range.max) {
    throw new ConfigurationError(`${name} must be between ${range.min} and ${range.max}, got ${value}`);
  }
  return value;
}

/** Validates a path budget. */
export function parseMaxPaths(value: number, name = "maxPaths"): number {
  return checkCount(value, name);
}

/**
 * Distributions as users list them: one or more values, each holding distributions separated by
 * commas, spaces or newlines. Each is a distribution id (or ARN), or a domain name: an alternate
 * domain name or the distribution's own `*.cloudfront.net` name, which `runInvalidation` resolves
 * to its id. Repeats are dropped. Throws ConfigurationError naming `name` when one is neither, or
 * when none is given unless `optional` (the adapter has other targets: tenants, or nothing to send).
 *
 * @example parseDistributionIds(["E2QWRUHAPOMQZL, www.example.com"], "--distribution-id") // ["E2QWRUHAPOMQZL", "www.example.com"]
 */
export function parseDistributionIds(
  values: readonly string[],
  name: string,
  options: { readonly optional?: boolean } = {},
): string[] {
  const items = values.flatMap((value) => value.split(/[\s,]+/)).filter((item) => item !== "");
  if (items.length === 0 && options.optional) return [];
  if (items.length === 0) {
    throw new ConfigurationError(
      `${name} is required: give a CloudFront distribution id (E2QWRUHAPOMQZL) or domain name (www.example.com), or several separated by commas, spaces or newlines`,
    );
  }
  return [
    ...new Set(
      items.map((item) => {
        const ref = parseDistributionRef(item, name);
        return ref.kind === "id" ? ref.id : ref.domain;
      }),
    ),
  ];
}

/**
 * Invalidation paths as users list them in a file or a multi-line input: one a line, blank lines
 * and `#` comments skipped (a path always starts with `/`, and a cache tag must never come from a
 * list by accident). Each is validated; a message names `name` and the line.
 */
export function parsePathList(text: string, name: string): string[] {
  const paths: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const path = line.trim();
    if (path === "" || path.startsWith("#")) return;
    paths.push(named(`${name} line ${index + 1}`, () => parseInvalidationPath(path)));
  });
  return paths;
}

/** A number of seconds, fractions allowed, in [min, max]; `""` gives `fallback`. */
export function parseSeconds(
  raw: string,
  name: string,
  range: { readonly fallback: number; readonly min: number; readonly max: number },
): number {
  const text = raw.trim();
  if (text === "") return range.fallback;
  const value = /^\d+(?:\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= range.min && value <= range.max)) {
    throw new ConfigurationError(
      `${name} must be a number of seconds between ${range.min} and ${range.max}, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/**
 * Distribution tenants as users list them (ids, names or domains), split like distributions on
 * commas, spaces and newlines, repeats dropped; `runInvalidation` resolves them. None is fine:
 * tenants are an optional target.
 */
export function parseTenants(values: readonly string[], name: string): string[] {
  const items = values.flatMap((value) => value.split(/[\s,]+/)).filter((item) => item !== "");
  for (const item of items) {
    if (/[/:]/.test(item) && !item.startsWith("arn:")) {
      throw new ConfigurationError(
        `${name} ${JSON.stringify(item)} is not a tenant id, name or domain (no URL or path)`,
      );
    }
  }
  return [...new Set(items)];
}

/**
 * How long a CLI or action run waits, for completion or for a free slot, when not told (seconds).
 * The Lambda counts in minutes and waits across continuations: its default is its own.
 */
export const DEFAULT_WAIT_TIMEOUT_SECONDS = 600;

/** Explicit invalidation paths, each validated and normalized; `name` says where they came from. */
export function parseInvalidationPaths(values: readonly string[], name: string): string[] {
  return values.map((value) => named(name, () => parseInvalidationPath(value)));
}

/**
 * A key prefix (the part of the bucket the distribution's origin path points at). An `s3://` URI,
 * a `*` or a `..` segment is refused: each would make every key fall outside the prefix, silently.
 * Returns the prefix as written, trimmed (`""` for none).
 */
export function parseKeyPrefix(raw: string, name: string): string {
  const value = raw.trim();
  if (/^s3:\/\//i.test(value)) {
    const rest = value.replace(/^s3:\/\/[^/]*\/?/i, "");
    throw new ConfigurationError(
      `${name} ${JSON.stringify(raw)} is an S3 URI; give only the key prefix inside the bucket, such as ${JSON.stringify(rest || "site/")}`,
    );
  }
  if (value.includes("*") || value.split("/").includes("..")) {
    throw new ConfigurationError(
      `${name} ${JSON.stringify(raw)} must be a plain key prefix such as "site/" (no "*" or "..")`,
    );
  }
  return value;
}

/** An index document: a file name (`index.html`), or `""` for none. */
export function parseIndexDocument(raw: string, name: string): string {
  const value = raw.trim();
  if (value.includes("/")) {
    throw new ConfigurationError(
      `${name} ${JSON.stringify(raw)} must be a file name such as "index.html" (or "" for none), not a path`,
    );
  }
  return value;
}

/** A caller reference the user chose: one line, not empty. */
export function parseCallerReference(raw: string, name: string): string {
  const value = raw.trim();
  if (value === "" || /[\r\n]/.test(value)) {
    throw new ConfigurationError(`${name} must be one line, not empty, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/**
 * The CloudFront endpoint in use, for messages about calls that got no answer: the SDK's own
 * endpoint variables, else CloudFront's global endpoint.
 */
export function cloudFrontEndpoint(env: Readonly<Record<string, string | undefined>>): string {
  return env.AWS_ENDPOINT_URL_CLOUDFRONT?.trim() || env.AWS_ENDPOINT_URL?.trim() || "cloudfront.amazonaws.com";
}
