import { ConfigurationError } from "./errors.js";
import { parseS3Uri } from "./sync-log.js";

/** Where a sync writes: a bucket (or access point ARN) and a key prefix. */
export interface S3Destination {
  readonly bucket: string;
  /** Normalized: `""` (the whole bucket) or ending in `/`, no leading `/`. */
  readonly prefix: string;
}

/**
 * Reads a sync's destination: `s3://bucket`, `s3://bucket/`, `s3://bucket/prefix` or
 * `s3://bucket/prefix/`, also with an access point ARN for the bucket. Unlike `parseS3Uri` (made
 * for object URIs in sync logs, which always have a key) a bare bucket is the whole bucket here.
 * Surrounding white space is ignored. Otherwise throws a ConfigurationError that starts with
 * `name` (the adapter's flag or input, such as `--s3-uri` or `input "s3-uri"`) and names the value.
 *
 * @example parseS3Location("s3://my-site/www") // { bucket: "my-site", prefix: "www/" }
 * @example parseS3Location("https://x", "--s3-uri") // throws: --s3-uri must be the sync's destination, ...
 */
export function parseS3Location(uri: string, name = "the S3 location"): S3Destination {
  const text = uri.trim();
  const object = parseS3Uri(text);
  if (object) return { bucket: object.bucket, prefix: normalizeS3Prefix(object.key) };
  // Whole bucket: parseS3Uri wants a key, so give it one and check that it was all it found
  // (`s3:///k` must not pass as a bucket named "").
  const probe = parseS3Uri(`${text.replace(/\/$/, "")}/k`);
  if (probe && probe.key === "k" && !text.slice(5).startsWith("/")) return { bucket: probe.bucket, prefix: "" };
  throw new ConfigurationError(
    `${name} must be the sync's destination, s3://BUCKET or s3://BUCKET/PREFIX, got ${JSON.stringify(uri)}`,
  );
}

// The AWS CLI reads `multipart_chunksize = 16MB` with binary units (MB = MiB); so does this.
const BYTE_UNITS: Readonly<Record<string, number>> = {
  "": 1,
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/**
 * Reads a multipart part size as the AWS CLI reads `multipart_chunksize`: bytes (`8388608`) or a
 * whole number with a binary unit (`8MB` = `8MiB` = 8 × 1024², `16 mib`, `1GB`), case-insensitive.
 * For anything else (empty, zero, fractions, other units) throws a ConfigurationError that starts
 * with `name` (the adapter's flag or input, such as `--part-size`) and names the value.
 *
 * @example parsePartSize("16MB") // 16777216
 */
export function parsePartSize(text: string, name = "the part size"): number {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  const unit = BYTE_UNITS[(match?.[2] ?? "").toLowerCase()];
  const bytes = match && unit !== undefined ? Number(match[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new ConfigurationError(
      `${name} must be a size in bytes such as 8388608, 8MB or 16MiB (the AWS CLI's multipart_chunksize), got ${JSON.stringify(text)}`,
    );
  }
  return bytes;
}

/** `site`, `/site`, `site/` → `site/`; `""` and `/` → `""` (the whole bucket). */
export function normalizeS3Prefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, "");
  if (trimmed === "") return "";
  return trimmed.endsWith("/") ? trimmed : `${trimmed}/`;
}
