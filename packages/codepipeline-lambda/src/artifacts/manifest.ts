// The manifest: what the previous successful run deployed, by name, size and CRC-32, so the next run
// can invalidate exactly what changed. Stored gzipped in a bucket the function owns.
import { gunzipSync, gzipSync } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { ConfigurationError, errorName, PermissionError } from "invalidation-core";
import * as v from "valibot";
import { ArtifactError } from "./errors.js";
import { s3Failure } from "./range-reader.js";
import type { ZipDirectory } from "./zip.js";

export const MANIFEST_VERSION = 1;
/** Refuse to inflate a stored manifest beyond this (a million long names fit). */
export const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

export interface ManifestEntry {
  readonly size: number;
  readonly crc32: number;
}

/**
 * Files (never directories) by name. In memory a Map, so that odd names such as `__proto__` are plain
 * keys; stored as gzipped JSON `{"version":1,"entries":{"<name>":{"size":N,"crc32":N}}}`. Gzip takes
 * the repeated keys down to almost nothing: 100,000 entries with typical names stay around 1–2 MB.
 */
export interface Manifest {
  readonly version: typeof MANIFEST_VERSION;
  readonly entries: ReadonlyMap<string, ManifestEntry>;
}

/** The files of a zip as a manifest. Directories are left out; of repeated names the last wins. */
export function manifestFromDirectory(directory: ZipDirectory): Manifest {
  const entries = new Map<string, ManifestEntry>();
  for (const entry of directory.entries) {
    if (entry.isDirectory) continue;
    entries.set(entry.name, { size: entry.uncompressedSize, crc32: entry.crc32 });
  }
  return { version: MANIFEST_VERSION, entries };
}

/** Gzipped JSON bytes of a manifest. */
export function encodeManifest(manifest: Manifest): Buffer {
  // Object.fromEntries defines own properties, so a name like "__proto__" stays an ordinary key.
  const entries = Object.fromEntries(
    [...manifest.entries].map(([name, { size, crc32 }]) => [name, { size, crc32 }] as const),
  );
  return gzipSync(JSON.stringify({ version: MANIFEST_VERSION, entries }));
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const ManifestSchema = v.object({
  version: v.literal(MANIFEST_VERSION),
  entries: v.custom<Record<string, unknown>>(isObject),
});
const EntrySchema = v.object({
  size: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  crc32: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0xffffffff)),
});

/**
 * Parses bytes written by `encodeManifest`, inflating at most `maxBytes`.
 * @throws ArtifactError `manifest-unreadable` for anything else, naming what is wrong.
 */
export function decodeManifest(bytes: Uint8Array, label = "manifest", maxBytes = MAX_MANIFEST_BYTES): Manifest {
  const unreadable = (why: string, cause?: unknown) =>
    new ArtifactError(
      "manifest-unreadable",
      `the ${label} is unreadable (${why}). Delete it to start over: the next run then invalidates /*`,
      cause === undefined ? {} : { cause },
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(gunzipSync(bytes, { maxOutputLength: maxBytes }).toString("utf8"));
  } catch (error) {
    throw unreadable(`not gzipped JSON: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  if (!isObject(parsed)) throw unreadable("not a JSON object");
  const manifest = v.safeParse(ManifestSchema, parsed);
  if (!manifest.success) {
    throw unreadable(
      v.getDotPath(manifest.issues[0]) === "version"
        ? `version ${JSON.stringify(parsed.version)}, expected ${MANIFEST_VERSION}`
        : "no entries object",
    );
  }
  const result = new Map<string, ManifestEntry>();
  // Object.entries, not a record schema: names such as "__proto__" are ordinary file names here.
  for (const [name, value] of Object.entries(manifest.output.entries)) {
    const entry = v.safeParse(EntrySchema, value);
    if (!entry.success)
      throw unreadable(`entry ${JSON.stringify(name)} has no valid ${v.getDotPath(entry.issues[0]) ?? "size"}`);
    result.set(name, entry.output);
  }
  return { version: MANIFEST_VERSION, entries: result };
}

/** What changed between the previous manifest and the artifact deployed now. Names are sorted. */
export interface ManifestDiff {
  /** There was no previous manifest: the caller invalidates `/*`. The lists are then empty. */
  readonly firstRun: boolean;
  readonly added: readonly string[];
  /** Same name, different size or CRC-32. */
  readonly changed: readonly string[];
  /** In the previous manifest, not in the current one (deleted by the deploy, or left stale). */
  readonly removed: readonly string[];
  readonly unchanged: number;
  /** added ∪ changed ∪ removed, sorted: the object keys (relative to the deploy root) to invalidate. */
  readonly changedKeys: readonly string[];
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Compares two manifests by name, size and CRC-32. Pure.
 *
 * @example
 * diffManifests(previous, manifestFromDirectory(directory)).changedKeys // → ["css/site.css", "old.html"]
 */
export function diffManifests(previous: Manifest | undefined, current: Manifest): ManifestDiff {
  if (previous === undefined) {
    return { firstRun: true, added: [], changed: [], removed: [], unchanged: 0, changedKeys: [] };
  }
  const added: string[] = [];
  const changed: string[] = [];
  const removed: string[] = [];
  let unchanged = 0;
  for (const [name, now] of current.entries) {
    const before = previous.entries.get(name);
    if (before === undefined) added.push(name);
    else if (before.size !== now.size || before.crc32 !== now.crc32) changed.push(name);
    else unchanged++;
  }
  for (const name of previous.entries.keys()) if (!current.entries.has(name)) removed.push(name);
  added.sort(byCodePoint);
  changed.sort(byCodePoint);
  removed.sort(byCodePoint);
  const changedKeys = [...added, ...changed, ...removed].sort(byCodePoint);
  return { firstRun: false, added, changed, removed, unchanged, changedKeys };
}

export interface ManifestLocation {
  readonly bucket: string;
  readonly key: string;
}

export interface ManifestLocationInput {
  /** The function's own bucket (the template provisions it and passes it in, e.g. as `MANIFEST_BUCKET`). */
  readonly bucket: string;
  /** Key prefix inside that bucket. Default `artifact-manifests/`. */
  readonly keyPrefix?: string;
  /** An explicit key below the prefix (from UserParameters); wins over the derived one. */
  readonly manifestKey?: string;
  /** The distributions the action invalidates. */
  readonly distributionIds: readonly string[];
  /** The key prefix the artifact is deployed under (the S3 deploy action's ObjectKey), if any. */
  readonly s3Prefix?: string;
}

/**
 * Where the manifest lives. The event carries no pipeline name, and an artifact name is only unique
 * within one pipeline, so the default key names what the manifest describes: the deploy target.
 * `<keyPrefix><sorted distribution ids joined by +>/<s3Prefix>/manifest.json.gz`, or with no s3Prefix
 * `<keyPrefix><ids>/manifest.json.gz`. Two actions that deploy to the same target share a manifest,
 * which is right: it records what that target serves, whichever pipeline put it there. Staging and
 * production (different distributions) never share one. `manifestKey` overrides this.
 *
 * @throws ConfigurationError for an empty or unsafe `manifestKey`, or no distribution id.
 */
export function manifestLocation(input: ManifestLocationInput): ManifestLocation {
  const prefix = input.keyPrefix ?? "artifact-manifests/";
  if (input.manifestKey !== undefined) {
    const key = input.manifestKey;
    if (key.length === 0 || key.length > 512 || key.startsWith("/") || key.split("/").includes("..")) {
      throw new ConfigurationError(
        `manifestKey ${JSON.stringify(key)} is not usable: give a relative key of 1 to 512 characters without ".." segments, e.g. "my-site/manifest.json.gz"`,
      );
    }
    return { bucket: input.bucket, key: `${prefix}${key}` };
  }
  if (input.distributionIds.length === 0) {
    throw new ConfigurationError("the artifact manifest needs at least one distribution id to be named after");
  }
  const ids = [...input.distributionIds].sort().join("+");
  const deployPrefix = (input.s3Prefix ?? "").replace(/^\/+|\/+$/g, "");
  return {
    bucket: input.bucket,
    key: deployPrefix === "" ? `${prefix}${ids}/manifest.json.gz` : `${prefix}${ids}/${deployPrefix}/manifest.json.gz`,
  };
}

function describe(location: ManifestLocation): string {
  return `manifest s3://${location.bucket}/${location.key}`;
}

function noSuchBucket(location: ManifestLocation, cause: unknown): ConfigurationError {
  return new ConfigurationError(
    `the bucket of the ${describe(location)} does not exist: check the manifest bucket the function is configured with`,
    { cause },
  );
}

const MANIFEST_PERMISSION_HINT =
  "grant the function's role s3:GetObject and s3:PutObject on the manifest key, and s3:ListBucket on its bucket: without ListBucket a missing manifest reads as AccessDenied";

/**
 * Reads the manifest with the function's own S3 client. `undefined` when there is none yet (the
 * documented first run); every other failure throws, so a broken manifest never turns silently into `/*`.
 *
 * @throws ArtifactError `manifest-unreadable`, PermissionError, TransientError.
 */
export async function readManifest(
  client: S3Client,
  location: ManifestLocation,
  options: { readonly signal?: AbortSignal; readonly maxBytes?: number } = {},
): Promise<Manifest | undefined> {
  let bytes: Uint8Array;
  const abortSignal = options.signal;
  try {
    const get = new GetObjectCommand({ Bucket: location.bucket, Key: location.key });
    const response = await client.send(get, abortSignal === undefined ? {} : { abortSignal });
    if (!response.Body) throw new Error("GetObject returned no body");
    bytes = await response.Body.transformToByteArray();
  } catch (error) {
    if (errorName(error) === "NoSuchKey") return undefined;
    if (errorName(error) === "NoSuchBucket") throw noSuchBucket(location, error);
    const failure = s3Failure(error, `reading the ${describe(location)}`, MANIFEST_PERMISSION_HINT);
    if (failure instanceof PermissionError && (await listedAsMissing(client, location))) return undefined;
    throw failure;
  }
  return decodeManifest(bytes, describe(location), options.maxBytes);
}

/**
 * Whether a listing of exactly the manifest's key says it does not exist. S3 answers a GetObject of a
 * missing key with 403 unless it also grants s3:ListBucket, and whether a ListBucket limited by an
 * `s3:prefix` condition counts there is not documented. A ListObjectsV2 with that prefix is what such a
 * grant surely allows: it tells "no manifest yet" from "denied" either way. Any doubt (the listing fails
 * or says nothing) keeps the AccessDenied, so a denied manifest never passes for a first run.
 */
async function listedAsMissing(client: S3Client, location: ManifestLocation): Promise<boolean> {
  try {
    const listing = await client.send(
      new ListObjectsV2Command({ Bucket: location.bucket, Prefix: location.key, MaxKeys: 1 }),
    );
    if (listing?.KeyCount === undefined) return false;
    return !(listing.Contents ?? []).some((object) => object.Key === location.key);
  } catch {
    return false;
  }
}

/** Writes the manifest with the function's own S3 client. Call it only after the invalidations succeeded. */
export async function writeManifest(
  client: S3Client,
  location: ManifestLocation,
  manifest: Manifest,
  abortSignal?: AbortSignal,
): Promise<void> {
  try {
    await client.send(
      new PutObjectCommand({
        Bucket: location.bucket,
        Key: location.key,
        Body: encodeManifest(manifest),
        // Not Content-Encoding: gzip, which some HTTP stacks would undo on the way back.
        ContentType: "application/gzip",
      }),
      abortSignal === undefined ? {} : { abortSignal },
    );
  } catch (error) {
    if (errorName(error) === "NoSuchBucket") throw noSuchBucket(location, error);
    throw s3Failure(error, `writing the ${describe(location)}`, MANIFEST_PERMISSION_HINT);
  }
}
