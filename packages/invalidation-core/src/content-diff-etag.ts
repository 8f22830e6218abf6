import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { ConfigurationError } from "./errors.js";

const MIB = 1024 * 1024;

/** The AWS CLI's transfer defaults (`multipart_threshold`, `multipart_chunksize` in `~/.aws/config`). */
export const AWS_CLI_MULTIPART_DEFAULTS = {
  thresholdBytes: 8 * MIB,
  partSizeBytes: 8 * MIB,
} as const;

/** S3's multipart limits, as the AWS CLI (s3transfer `ChunksizeAdjuster`) applies them. */
export const S3_MULTIPART_LIMITS = {
  maxParts: 10_000,
  minPartSizeBytes: 5 * MIB,
  maxPartSizeBytes: 5 * 1024 * MIB,
} as const;

/**
 * The part size the AWS CLI really uses for a file of `fileSize` bytes when `multipart_chunksize`
 * is `configuredPartSize`. Replicates s3transfer's `ChunksizeAdjuster`: the size is doubled until
 * the file fits in 10,000 parts, then clamped to [5 MiB, 5 GiB].
 *
 * @example
 * awsCliPartSize(100 * 1024 ** 3) // → 16 MiB (8 MiB would need 12,800 parts)
 * awsCliPartSize(20 * 1024 ** 2, 1024 ** 2) // → 5 MiB (raised to S3's minimum)
 */
export function awsCliPartSize(
  fileSize: number,
  configuredPartSize: number = AWS_CLI_MULTIPART_DEFAULTS.partSizeBytes,
) {
  requireByteCount(configuredPartSize, "partSizeBytes", 1);
  let partSize = configuredPartSize;
  while (Math.ceil(fileSize / partSize) > S3_MULTIPART_LIMITS.maxParts) partSize *= 2;
  return Math.min(S3_MULTIPART_LIMITS.maxPartSizeBytes, Math.max(S3_MULTIPART_LIMITS.minPartSizeBytes, partSize));
}

/** What a stored ETag can tell about the object's content. */
export type StoredEtag =
  /** 32 hex digits: the MD5 of the content, unless the object is encrypted with SSE-KMS or SSE-C. */
  | { readonly kind: "single"; readonly etag: string }
  /** `<32 hex>-N`: MD5 of the N part MD5s, unless encrypted with SSE-KMS or SSE-C. */
  | { readonly kind: "multipart"; readonly etag: string; readonly parts: number }
  /** Anything else (no ETag, another store's format): no content hash at all. */
  | { readonly kind: "opaque"; readonly etag: string };

/**
 * Reads an ETag as S3 returns it (`"9b2cf535f27731c974343645a3985328"`, quotes included, or a
 * multipart `"…-3"`), lower-cased and without quotes.
 */
export function parseStoredEtag(raw: string | undefined): StoredEtag {
  const etag = (raw ?? "")
    .trim()
    .replace(/^W\//, "")
    .replace(/^"(.*)"$/, "$1")
    .toLowerCase();
  if (/^[0-9a-f]{32}$/.test(etag)) return { kind: "single", etag };
  const multipart = /^[0-9a-f]{32}-([1-9][0-9]{0,4})$/.exec(etag);
  const parts = Number(multipart?.[1]);
  if (multipart && parts <= S3_MULTIPART_LIMITS.maxParts) return { kind: "multipart", etag, parts };
  return { kind: "opaque", etag };
}

export interface LocalEtagOptions {
  /** Compute the multipart form with this exact part size (no CLI adjustment); omit for a plain MD5. */
  readonly partSize?: number;
  /** Read buffer size; tests make it small so that reads straddle part boundaries. Default 1 MiB. */
  readonly readChunkBytes?: number;
}

/**
 * The ETag S3 gives an unencrypted (or SSE-S3) object with this file's content: the hex MD5, or,
 * with `partSize`, `md5(md5(part 1) ‖ … ‖ md5(part N))-N`. Reads the file in chunks: memory stays
 * at one read buffer (1 MiB at most) whatever the file's size.
 */
export async function localEtag(path: string, options: LocalEtagOptions = {}): Promise<string> {
  const partSize = options.partSize;
  if (partSize !== undefined) requireByteCount(partSize, "partSize", 1);
  const file = await open(path, "r");
  try {
    // One buffer per file, no bigger than the file: most site files are tiny, and a stream would
    // allocate a full read buffer for each of them.
    const { size } = await file.stat();
    const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(options.readChunkBytes ?? MIB, size)));
    const whole = createHash("md5");
    const partDigests: Buffer[] = [];
    let part = createHash("md5");
    let inPart = 0;
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      let data = buffer.subarray(0, bytesRead);
      if (partSize === undefined) {
        whole.update(data);
        continue;
      }
      while (data.length > 0) {
        const take = Math.min(partSize - inPart, data.length);
        part.update(data.subarray(0, take));
        inPart += take;
        data = data.subarray(take);
        if (inPart === partSize) {
          partDigests.push(part.digest());
          part = createHash("md5");
          inPart = 0;
        }
      }
    }
    if (partSize === undefined) return whole.digest("hex");
    // A last, shorter part; an empty file still makes one (empty) part, as a multipart upload of it would.
    if (inPart > 0 || partDigests.length === 0) partDigests.push(part.digest());
    const combined = createHash("md5");
    for (const digest of partDigests) combined.update(digest);
    return `${combined.digest("hex")}-${partDigests.length}`;
  } finally {
    await file.close();
  }
}

export function requireByteCount(value: number, name: string, minimum: number): number {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new ConfigurationError(
      `${name} must be a whole number of bytes, at least ${minimum}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
