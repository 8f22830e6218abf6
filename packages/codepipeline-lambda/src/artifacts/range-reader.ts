import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CALL_TIMEOUTS, classifyError, errorName, PermissionError } from "invalidation-core";
import { ArtifactError } from "./errors.js";

/** Random access to the bytes of one object. The zip reader needs nothing more. */
export interface RangeReader {
  /** Total size in bytes. */
  size(): Promise<number>;
  /** Bytes `start..endInclusive` (both inclusive, as in an HTTP Range). Exactly that many, or it throws. */
  read(start: number, endInclusive: number): Promise<Buffer>;
}

/** Throws unless `start..endInclusive` is a range of an object of `size` bytes (`truncated` past its end). */
export function checkByteRange(start: number, endInclusive: number, size: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(endInclusive) || start < 0 || endInclusive < start) {
    throw new RangeError(`invalid byte range ${start}-${endInclusive}`);
  }
  if (endInclusive >= size) {
    throw new ArtifactError(
      "truncated",
      `the zip needs bytes ${start}-${endInclusive}, but it is only ${size} bytes long: the artifact is truncated or corrupt`,
    );
  }
}

/** The `artifactCredentials` of a CodePipeline job. Temporary; never log them. */
export interface ArtifactCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

/**
 * An S3 client with this function's timeouts, path-style when an endpoint is set through the
 * environment (local emulators cannot resolve bucket subdomains). With `credentials`, it reads the
 * job's input artifacts with the job's `artifactCredentials`, never with the function's own role
 * (whose policy should not need the artifact store): make one per job, as they are per job and
 * expire. Without, it is the function's role (the manifest). SSE-KMS artifacts (`encryptionKey` in
 * the event) need nothing extra: S3 decrypts on GetObject for credentials that may use the key,
 * which CodePipeline grants the artifactCredentials.
 */
export function createS3Client(
  env: Readonly<Record<string, string | undefined>> = process.env,
  credentials?: ArtifactCredentials,
  endpoint?: string,
): S3Client {
  return new S3Client({
    // The artifact store is in the pipeline's region, which is the function's.
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    ...(credentials === undefined ? {} : { credentials }),
    ...(endpoint === undefined ? {} : { endpoint }),
    forcePathStyle: (endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL) !== undefined,
    // A store that accepts a connection and never answers must not hold the job past its deadline.
    requestHandler: CALL_TIMEOUTS,
  });
}

export interface S3ObjectLocation {
  readonly bucketName: string;
  readonly objectKey: string;
}

/**
 * Ranged GETs on one S3 object. `size()` is one HeadObject (cached); every `read` is one GetObject
 * with `Range: bytes=a-b` and checks that S3 returned exactly those bytes of an object of that size.
 */
export class S3RangeReader implements RangeReader {
  /** How many ranged reads were made and how many bytes they returned. */
  readonly stats = { requests: 0, bytes: 0 };
  private knownSize: number | undefined;
  private readonly label: string;

  /**
   * @param label what to call the object in messages, e.g. `input artifact "SiteOutput"`.
   * @param signal aborts every request (the job's deadline).
   */
  constructor(
    private readonly client: S3Client,
    private readonly location: S3ObjectLocation,
    label?: string,
    private readonly signal?: AbortSignal,
  ) {
    this.label = `${label ?? "artifact"} (s3://${location.bucketName}/${location.objectKey})`;
  }

  async size(): Promise<number> {
    if (this.knownSize !== undefined) return this.knownSize;
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.location.bucketName, Key: this.location.objectKey }),
        this.options(),
      );
      const size = head.ContentLength;
      if (typeof size !== "number") throw new Error("HeadObject returned no ContentLength");
      this.knownSize = size;
      return size;
    } catch (error) {
      throw this.classify(error, "HeadObject");
    }
  }

  async read(start: number, endInclusive: number): Promise<Buffer> {
    checkByteRange(start, endInclusive, await this.size());
    let body: Uint8Array;
    let contentRange: string | undefined;
    try {
      this.stats.requests++;
      const response = await this.client.send(
        new GetObjectCommand({
          Bucket: this.location.bucketName,
          Key: this.location.objectKey,
          Range: `bytes=${start}-${endInclusive}`,
        }),
        this.options(),
      );
      contentRange = response.ContentRange;
      if (!response.Body) throw new Error("GetObject returned no body");
      body = await response.Body.transformToByteArray();
    } catch (error) {
      throw this.classify(error, `GetObject (bytes ${start}-${endInclusive})`);
    }
    this.stats.bytes += body.length;
    const expected = endInclusive - start + 1;
    // A server that ignores Range answers 200 with the whole object: refuse rather than buffer it all.
    const match = contentRange === undefined ? null : /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(contentRange);
    if (body.length !== expected || !match || Number(match[1]) !== start || Number(match[2]) !== endInclusive) {
      throw new ArtifactError(
        "truncated",
        `reading bytes ${start}-${endInclusive} of the ${this.label} returned ${body.length} bytes` +
          ` (Content-Range ${contentRange ?? "missing"}): the object changed or the store ignored the range`,
      );
    }
    if (match[3] !== "*" && Number(match[3]) !== this.knownSize) {
      throw new ArtifactError(
        "corrupt",
        `the ${this.label} changed size while being read (${this.knownSize} then ${match[3]} bytes)`,
      );
    }
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }

  private options(): { abortSignal?: AbortSignal } {
    return this.signal === undefined ? {} : { abortSignal: this.signal };
  }

  private classify(error: unknown, call: string): Error {
    const name = errorName(error);
    if (name === "NoSuchKey" || name === "NotFound" || name === "NoSuchBucket") {
      return new ArtifactError("missing", `the ${this.label} does not exist (${call}: ${name})`, { cause: error });
    }
    return s3Failure(
      error,
      `${call} on the ${this.label}`,
      "the job's artifactCredentials may not read it: check the artifact store's bucket policy and, with SSE-KMS, that the pipeline's role may use the key (kms:Decrypt)",
    );
  }
}

/**
 * The core's classification with S3 wording: the core's hint for `AccessDenied` is about CloudFront,
 * which would mislead here, so permission failures get `permissionHint` instead.
 */
export function s3Failure(error: unknown, context: string, permissionHint: string): Error {
  const classified = classifyError(error, context);
  if (!(classified instanceof PermissionError)) return classified;
  const name = errorName(error) ?? "AccessDenied";
  return new PermissionError(`${context} failed: ${name} (${permissionHint})`, { cause: error });
}
