import { constants, type Stats } from "node:fs";
import { access, stat } from "node:fs/promises";
import { ListObjectsV2Command, type ListObjectsV2CommandOutput, S3Client } from "@aws-sdk/client-s3";
import { CALL_TIMEOUTS } from "./call-timeouts.js";
import { checkCount } from "./check-count.js";
import {
  AWS_CLI_MULTIPART_DEFAULTS,
  awsCliPartSize,
  localEtag,
  parseStoredEtag,
  requireByteCount,
} from "./content-diff-etag.js";
import { ConfigurationError, classifyError, errorName, named, PermissionError, TransientError } from "./errors.js";
import { plural } from "./report-text.js";
import { normalizeS3Prefix } from "./s3-location.js";
import { walkSiteFiles } from "./site-listing.js";
import { parseChanges } from "./sync-log.js";

export {
  AWS_CLI_MULTIPART_DEFAULTS,
  awsCliPartSize,
  type LocalEtagOptions,
  localEtag,
  parseStoredEtag,
  S3_MULTIPART_LIMITS,
  type StoredEtag,
} from "./content-diff-etag.js";
export { normalizeS3Prefix };

// Reading small files waits on the disk more than on the CPU (MD5 itself runs on the main thread):
// more files in flight than cores pays off.
/** Hashing runs at most this many files at once unless told otherwise. */
export const DEFAULT_HASH_CONCURRENCY = 8;

// Stat calls are cheap and mostly wait on the disk: a wider bound than hashing.
const STAT_CONCURRENCY = 64;

export interface S3ClientOptions {
  /** Region to sign for. Default: AWS_REGION / AWS_DEFAULT_REGION, else `us-east-1`; redirects are followed. */
  readonly region?: string;
  /** Path-style addressing. Default: on when `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL` is set (emulators). */
  readonly forcePathStyle?: boolean;
}

/**
 * An S3 client for `diffSiteAgainstBucket`. Follows region redirects, so a bucket in another
 * region than the credentials' default still lists. Endpoint and credentials come from the
 * environment, as for every SDK client.
 */
export function createS3Client(options: S3ClientOptions = {}, env: NodeJS.ProcessEnv = process.env): S3Client {
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
  const customEndpoint = Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
  return new S3Client({
    region,
    followRegionRedirects: true,
    forcePathStyle: options.forcePathStyle ?? customEndpoint,
    retryMode: "standard",
    // An endpoint that accepts and never answers must not hold the diff forever (see CALL_TIMEOUTS).
    requestHandler: CALL_TIMEOUTS,
  });
}

/** The S3 client a content diff lists the bucket with (it needs `s3:ListBucket` only); tests hand in a mock. */
export type S3Lister = ContentDiffOptions["s3"];

export interface ContentDiffOptions {
  /** Needs `s3:ListBucket` on the bucket, nothing else. See `createS3Client`. */
  readonly s3: S3Client;
  /** The folder the user's `aws s3 sync` uploads. */
  readonly siteDirectory: string;
  /** How the user named the folder (`--site-dir`, `input "site-directory"`), put in front of its errors. */
  readonly siteName?: string;
  readonly bucket: string;
  /** Key prefix the folder syncs to (`site`, `site/` and `/site/` are the same); default none. */
  readonly prefix?: string;
  /** The AWS CLI's `multipart_chunksize`. Default 8 MiB. Adjusted per file as the CLI does. */
  readonly partSizeBytes?: number;
  /**
   * The AWS CLI's `multipart_threshold`. Default 8 MiB. Only used to explain mismatches: the stored
   * ETag's own form (plain or `-N`) decides which hash is compared, so an object that another tool
   * uploaded in one part is still verified.
   */
  readonly multipartThresholdBytes?: number;
  /** Files hashed at once. Default DEFAULT_HASH_CONCURRENCY (8). */
  readonly concurrency?: number;
  /**
   * Report objects that are not in the folder as deleted (a sync with `--delete`). Default true:
   * invalidating a path that was not deleted costs one path, missing one that was leaves it cached.
   */
  readonly includeDeletions?: boolean;
  /** Follow symbolic links in the folder, as the AWS CLI does by default. Default true. */
  readonly followSymlinks?: boolean;
}

/**
 * Why an object counts as changed although no content difference was proven.
 * - `same-size-etag-mismatch`: same size, ETag differs from the local hash. Either the content was
 *   edited with its size kept, or the object is encrypted with SSE-KMS / SSE-C, whose ETags are not
 *   MD5s. ListObjectsV2 does not tell the encryption, and only s3:ListBucket is granted.
 * - `part-count-mismatch`: a multipart ETag with another part count than the configured part size
 *   gives: uploaded with another part size (another tool or `multipart_chunksize`).
 * - `no-content-hash`: the ETag is missing or not in an MD5 form at all.
 */
export type UnverifiableReason = "same-size-etag-mismatch" | "part-count-mismatch" | "no-content-hash";

export interface UnverifiableObject {
  /** Full key, prefix included. */
  readonly key: string;
  readonly reason: UnverifiableReason;
  /** One sentence for people: what was seen and what it may mean. */
  readonly detail: string;
  /** The stored ETag, without quotes. */
  readonly storedEtag: string;
  /** The hash of the local file in the stored ETag's form, when one was computed. */
  readonly localEtag?: string;
}

export interface ContentDiffReport {
  readonly bucket: string;
  /** Normalized prefix (`""` or ending in `/`). */
  readonly prefix: string;
  /** Keys (prefix included, sorted) of local files with no object: the sync uploads them. */
  readonly added: readonly string[];
  /** Keys whose object has another size than the local file: the content surely differs. */
  readonly modified: readonly string[];
  /** Keys of objects with no local file (empty unless `includeDeletions`). */
  readonly deleted: readonly string[];
  /** Objects counted as changed without proof; disjoint from `added`, `modified` and `deleted`. */
  readonly unverifiable: readonly UnverifiableObject[];
  /** Objects whose ETag equals the local hash: the same content, whatever the sync re-uploads. */
  readonly unchanged: number;
  /**
   * How many of `unverifiable` are same-size ETag mismatches, i.e. could be SSE-KMS / SSE-C objects
   * with unchanged content rather than edits.
   */
  readonly possiblyEncrypted: number;
  /** Objects under the prefix with no local file, counted even when deletions are not reported. */
  readonly remoteOnly: number;
  readonly localFiles: number;
  readonly remoteObjects: number;
  /** Files that had to be hashed (same size as their object) and their total bytes. */
  readonly hashedFiles: number;
  readonly hashedBytes: number;
  /** For people: skipped local entries, and what the unverifiable objects probably are. */
  readonly warnings: readonly string[];
}

interface LocalFile {
  readonly path: string;
  readonly size: number;
}

interface RemoteObject {
  readonly size: number;
  readonly etag: string | undefined;
}

/**
 * Computes, by content, which keys a sync of `siteDirectory` to `s3://bucket/prefix` changes: new
 * files, files whose content differs from the object (local MD5 or multipart MD5 against the
 * ETag), and objects gone from the folder. A fresh build with new modification times but the same
 * content yields no change, unlike the sync's own log.
 *
 * Lists the bucket with ListObjectsV2 (needs `s3:ListBucket` only) and hashes, in chunks of at
 * most 1 MiB and at most `concurrency` files at once, only the files whose object has the same
 * size: a size difference proves a change without reading the file.
 *
 * @example
 * const report = await diffSiteAgainstBucket({ s3: createS3Client(), siteDirectory: "public", bucket: "my-site", prefix: "www" });
 * const changes = formatChangeList(report); // feeds buildPlan({ changes, s3Prefix: "www" })
 */
export async function diffSiteAgainstBucket(options: ContentDiffOptions): Promise<ContentDiffReport> {
  const partSizeBytes = requireByteCount(
    options.partSizeBytes ?? AWS_CLI_MULTIPART_DEFAULTS.partSizeBytes,
    "partSizeBytes",
    1,
  );
  const thresholdBytes = requireByteCount(
    options.multipartThresholdBytes ?? AWS_CLI_MULTIPART_DEFAULTS.thresholdBytes,
    "multipartThresholdBytes",
    0,
  );
  const concurrency = checkCount(options.concurrency ?? DEFAULT_HASH_CONCURRENCY, "concurrency");
  // An access point ARN may stand for the bucket (it holds a `/`); a bucket name may not.
  if (options.bucket.trim() === "" || (options.bucket.includes("/") && !options.bucket.startsWith("arn:"))) {
    throw new ConfigurationError(
      `bucket must be a bucket name without "/" (the prefix goes in prefix), got ${JSON.stringify(options.bucket)}`,
    );
  }
  const prefix = normalizeS3Prefix(options.prefix ?? "");
  const warnings: string[] = [];

  // A wrong folder is a configuration error: say so before any request, naming the setting.
  await named(options.siteName, () => requireDirectory(options.siteDirectory));
  const [local, remote] = await Promise.all([
    named(options.siteName, () => listLocalFiles(options.siteDirectory, options.followSymlinks ?? true, warnings)),
    listObjects(options.s3, options.bucket, prefix),
  ]);

  const added: string[] = [];
  const modified: string[] = [];
  const toHash: { key: string; file: LocalFile; object: RemoteObject }[] = [];
  for (const [relativeKey, file] of local) {
    const key = prefix + relativeKey;
    const object = remote.get(key);
    if (object === undefined) added.push(key);
    else if (object.size !== file.size) modified.push(key);
    else toHash.push({ key, file, object });
  }
  const deleted: string[] = [];
  let remoteOnly = 0;
  for (const key of remote.keys()) {
    if (local.has(key.slice(prefix.length))) continue;
    remoteOnly += 1;
    if (options.includeDeletions ?? true) deleted.push(key);
  }

  const verdicts = await mapWithConcurrency(toHash, concurrency, ({ key, file, object }) =>
    compareContent(key, file, object, { partSizeBytes, thresholdBytes }),
  );
  const mismatched = verdicts.filter((verdict): verdict is UnverifiableObject => verdict !== "unchanged");
  const unchanged = verdicts.length - mismatched.length;
  // An object whose ETag matched its file's MD5 shows the bucket's ETags are MD5s: a same-size
  // mismatch next to it is an edit that kept the size, proven, not a possibly encrypted object.
  // Only when nothing matched may the ETags all be SSE-KMS/SSE-C ones: then it is unverifiable.
  const sameSizeEdit = (u: UnverifiableObject) => unchanged > 0 && u.reason === "same-size-etag-mismatch";
  for (const u of mismatched) if (sameSizeEdit(u)) modified.push(u.key);
  const unverifiable = mismatched.filter((u) => !sameSizeEdit(u));
  const possiblyEncrypted = unverifiable.filter((u) => u.reason === "same-size-etag-mismatch").length;
  if (possiblyEncrypted > 0) warnings.push(encryptionNote(possiblyEncrypted));

  const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    bucket: options.bucket,
    prefix,
    added: added.sort(byKey),
    modified: modified.sort(byKey),
    deleted: deleted.sort(byKey),
    unverifiable: unverifiable.sort((a, b) => byKey(a.key, b.key)),
    unchanged,
    possiblyEncrypted,
    remoteOnly,
    localFiles: local.size,
    remoteObjects: remote.size,
    hashedFiles: toHash.length,
    hashedBytes: toHash.reduce((sum, { file }) => sum + file.size, 0),
    warnings,
  };
}

/** The content diff's counts in one line, the same in the CLI and the action. */
export function describeDiff(report: ContentDiffReport, changed: number): string {
  return (
    `${plural(changed, "changed key")} (${report.added.length} added, ${report.modified.length} modified, ` +
    `${report.deleted.length} deleted, ${report.unverifiable.length} unverifiable), ${report.unchanged} unchanged`
  );
}

/**
 * Every key the report counts as changed (added, modified, unverifiable, deleted), sorted and
 * unique: what to invalidate.
 */
export function changedKeys(report: ContentDiffReport): string[] {
  const keys = new Set([
    ...report.added,
    ...report.modified,
    ...report.unverifiable.map((u) => u.key),
    ...report.deleted,
  ]);
  return [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The change list for `--changes FILE` and the action's `changes-file`: the plain-list format that
 * the core's change-log reader takes, one full key a line, sorted. Every key can be written:
 * - most keys as they are;
 * - with a leading `/` (which the reader drops) where the key would otherwise be misread: it
 *   starts with `/`, or reads as an AWS CLI log line or an `s3://` URI;
 * - as a JSON string (`"a\nb.html"`) where no plain line holds it: a line break, white space at
 *   either end, a leading `"`. The reader takes a line that is a JSON string as that key.
 * Empty string when nothing changed.
 *
 * @example
 * formatChangeList(["www/a b.html", "/odd", "two\nlines"]) // → "www/a b.html\n//odd\n\"two\\nlines\"\n"
 */
export function formatChangeList(reportOrKeys: ContentDiffReport | readonly string[]): string {
  const keys = isKeyList(reportOrKeys) ? reportOrKeys : changedKeys(reportOrKeys);
  const lines = keys.map(changeListLine);
  const text = lines.length === 0 ? "" : `${lines.join("\n")}\n`;
  // Lines are checked one by one; the whole text must read back the same too (no line may turn
  // the text into a log for the parser).
  const read = parseChanges(text).objects.map((object) => object.key);
  if (read.length !== keys.length || read.some((key, index) => key !== keys[index])) {
    throw new ConfigurationError(
      "the change list does not read back as the same keys; pass the keys another way (this is a bug: please report it)",
    );
  }
  return text;
}

function changeListLine(key: string): string {
  const readsAs = (line: string) => {
    const parsed = parseChanges(line);
    const only = parsed.objects[0];
    return (
      parsed.objects.length === 1 && parsed.warnings.length === 0 && only?.bucket === undefined && only?.key === key
    );
  };
  if (!/[\r\n]/.test(key) && !key.startsWith('"')) {
    if (!key.startsWith("/") && readsAs(key)) return key;
    if (readsAs(`/${key}`)) return `/${key}`;
  }
  const quoted = JSON.stringify(key);
  if (readsAs(quoted)) return quoted;
  throw new ConfigurationError(
    `the key ${JSON.stringify(key)} cannot be written in a change list; invalidate it another way (an explicit path, or /*). This is a bug: please report it`,
  );
}

function isKeyList(value: ContentDiffReport | readonly string[]): value is readonly string[] {
  return Array.isArray(value);
}

async function compareContent(
  key: string,
  file: LocalFile,
  object: RemoteObject,
  config: { partSizeBytes: number; thresholdBytes: number },
): Promise<"unchanged" | UnverifiableObject> {
  const stored = parseStoredEtag(object.etag);
  if (stored.kind === "opaque") {
    return {
      key,
      reason: "no-content-hash",
      storedEtag: stored.etag,
      detail: `the ETag ${JSON.stringify(stored.etag)} is not an MD5 form, so the content cannot be compared`,
    };
  }
  let hash: string;
  if (stored.kind === "single") {
    hash = await hashOrExplain(file.path, {});
  } else {
    const partSize = awsCliPartSize(file.size, config.partSizeBytes);
    const parts = Math.ceil(file.size / partSize);
    if (parts !== stored.parts) {
      const cliForm =
        file.size >= config.thresholdBytes
          ? `the AWS CLI with a ${formatBytes(config.partSizeBytes)} part size makes ${parts} part${parts === 1 ? "" : "s"}`
          : `the AWS CLI uploads a file under the ${formatBytes(config.thresholdBytes)} threshold in one part`;
      return {
        key,
        reason: "part-count-mismatch",
        storedEtag: stored.etag,
        detail: `stored as ${stored.parts} parts but ${cliForm}: it was uploaded with another part size (set partSizeBytes to the multipart_chunksize in use)`,
      };
    }
    hash = await hashOrExplain(file.path, { partSize });
  }
  if (hash === stored.etag) return "unchanged";
  return {
    key,
    reason: "same-size-etag-mismatch",
    storedEtag: stored.etag,
    localEtag: hash,
    detail:
      "same size but the ETag is not the local file's hash: edited with its size kept, or encrypted with SSE-KMS/SSE-C (whose ETags are not MD5s)",
  };
}

async function hashOrExplain(path: string, options: { partSize?: number }): Promise<string> {
  try {
    return await localEtag(path, options);
  } catch (error) {
    throw new ConfigurationError(
      `cannot read ${JSON.stringify(path)} to hash it: ${(error as Error).message} (the sync would fail on it too)`,
      { cause: error },
    );
  }
}

function encryptionNote(possiblyEncrypted: number): string {
  const one = possiblyEncrypted === 1;
  return (
    `${possiblyEncrypted} ${one ? "object has" : "objects have"} the size of ${one ? "its" : "their"} local file but another ETag, ` +
    "and no object's ETag matched its file: the bucket's objects are probably encrypted with SSE-KMS or SSE-C, whose ETags " +
    `are not MD5s, so the content cannot be compared. ${one ? "It counts" : "They count"} as changed`
  );
}

function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${bytes} bytes`;
}

async function requireDirectory(root: string): Promise<Stats> {
  let rootStats: Stats;
  try {
    rootStats = await stat(root);
  } catch (error) {
    throw new ConfigurationError(
      `cannot read the site directory ${JSON.stringify(root)}: ${(error as Error).message} (give the folder that the sync uploads)`,
      { cause: error },
    );
  }
  if (!rootStats.isDirectory()) {
    throw new ConfigurationError(`the site directory ${JSON.stringify(root)} is not a directory`);
  }
  // A folder that exists but cannot be listed fails here too, before the bucket is asked anything.
  await access(root, constants.R_OK | constants.X_OK).catch((error: Error) => {
    throw new ConfigurationError(`cannot list the site directory ${JSON.stringify(root)}: ${error.message}`, {
      cause: error,
    });
  });
  return rootStats;
}

/**
 * The files below `root` as keys relative to it (`/`-separated), with their sizes. The one site
 * walker (see walkSiteFiles) finds them: it follows symbolic links like the AWS CLI, skips loops.
 */
async function listLocalFiles(
  root: string,
  followSymlinks: boolean,
  warnings: string[],
): Promise<Map<string, LocalFile>> {
  const { files: found, skipped } = await walkSiteFiles(root, { followSymlinks });
  warnings.push(...skipped);
  const sizes = await mapWithConcurrency(found, STAT_CONCURRENCY, async (file) => (await stat(file.path)).size);
  const files = new Map<string, LocalFile>();
  for (const [index, file] of found.entries()) files.set(file.key, { path: file.path, size: sizes[index]! });
  return files;
}

/** Every object under `prefix`, by full key. Paginates with ContinuationToken. */
async function listObjects(s3: S3Client, bucket: string, prefix: string): Promise<Map<string, RemoteObject>> {
  const objects = new Map<string, RemoteObject>();
  const seenTokens = new Set<string>();
  let token: string | undefined;
  for (;;) {
    let page: ListObjectsV2CommandOutput;
    try {
      page = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          // Keys come URL-encoded, as the AWS CLI asks for them, so that no key can break the XML.
          EncodingType: "url",
          ...(prefix === "" ? {} : { Prefix: prefix }),
          ...(token === undefined ? {} : { ContinuationToken: token }),
        }),
      );
    } catch (error) {
      throw listingError(error, bucket, prefix);
    }
    const encoded = page.EncodingType === "url";
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      const key = encoded ? decodeKey(object.Key) : object.Key;
      const size = object.Size ?? 0;
      // Zero-byte "folder" markers: the AWS CLI's sync ignores them, in both directions.
      if (size === 0 && key.endsWith("/")) continue;
      // A ListObjectsV2 prefix is a plain string match; keep the guard for stand-ins that ignore it.
      if (!key.startsWith(prefix)) continue;
      objects.set(key, { size, etag: object.ETag });
    }
    if (!page.IsTruncated) return objects;
    token = page.NextContinuationToken;
    if (token === undefined || seenTokens.has(token)) {
      throw new TransientError(
        `ListObjectsV2 on ${bucket} said the listing goes on but gave ${token === undefined ? "no" : "a repeated"} continuation token; try again`,
      );
    }
    seenTokens.add(token);
  }
}

// S3's URL encoding is form encoding (a space may come as `+`); botocore decodes with unquote_plus.
function decodeKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, " "));
  } catch (error) {
    throw new TransientError(`ListObjectsV2 returned a key that is not valid URL encoding: ${JSON.stringify(key)}`, {
      cause: error,
    });
  }
}

function listingError(error: unknown, bucket: string, prefix: string): Error {
  const name = errorName(error);
  const where = `s3://${bucket}/${prefix}`;
  if (name === "NoSuchBucket") {
    return new ConfigurationError(`the bucket ${JSON.stringify(bucket)} does not exist (check the S3 URI ${where})`, {
      cause: error,
    });
  }
  const classified = classifyError(error, `ListObjectsV2 on ${where}`);
  if (classified instanceof PermissionError && (name === "AccessDenied" || name === "AllAccessDisabled")) {
    return new PermissionError(
      `ListObjectsV2 on ${where} was denied: grant s3:ListBucket on arn:aws:s3:::${bucket} to the role in use (content diff needs nothing else on S3)`,
      { cause: error },
    );
  }
  return classified;
}

/** Runs `work` over `items` with at most `limit` at once; results keep the items' order. */
async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * What `runContentDiff` is asked: the diff's options (the client aside, see ContentDiffDependencies)
 * and the words of the host's user, so that its lines name things as that user wrote them.
 */
export interface ContentDiffRequest extends Omit<ContentDiffOptions, "s3"> {
  /** The sync's destination as the user wrote it (`s3://my-site/www`), for the headline. */
  readonly s3Uri: string;
  /**
   * The setting that turned deletions off, as this host's user writes it (`--no-delete`,
   * `delete: false`): the note on the objects left out names it, so the user sees what to change.
   */
  readonly noDeleteName: string;
}

export interface ContentDiffDependencies {
  /** Makes the client the bucket is listed with. Default `createS3Client({}, env)`. */
  readonly createS3Client?: () => S3Lister;
  /** Region and endpoint of the default client. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The most unverifiable objects `runContentDiff` names one by one (the report holds them all). */
export const MAX_NAMED_UNVERIFIABLE = 20;

export interface ContentDiffOutcome {
  readonly report: ContentDiffReport;
  /** `changedKeys(report)`: what to invalidate after the sync. */
  readonly keys: readonly string[];
  /** `formatChangeList(keys)`: the text of `--changes FILE` and of the action's `changes-file`. */
  readonly changeList: string;
  /** `describeDiff(report, keys.length)`: the counts, for a summary. */
  readonly counts: string;
  /**
   * Lines for people, in this order: the headline (counts, and the files hashed), the objects left
   * out when deletions are off, and why each of the first MAX_NAMED_UNVERIFIABLE unverifiable
   * objects counts as changed. The report's warnings are not among them: each host marks a
   * warning its own way (`warning: ` on stderr, `::warning::`).
   */
  readonly lines: readonly string[];
}

/**
 * The content diff as every adapter runs it before the user's sync: makes the S3 client, diffs
 * the folder against the bucket (`diffSiteAgainstBucket`), destroys the client, and returns the
 * changed keys, the change list and the lines that tell people what was found. The adapter only
 * writes them where its host wants them. Throws what `diffSiteAgainstBucket` throws (classified).
 *
 * @example
 * const { changeList, lines } = await runContentDiff({
 *   siteDirectory: "public", s3Uri: "s3://my-site/www", bucket: "my-site", prefix: "www",
 *   includeDeletions: false, noDeleteName: "--no-delete",
 * });
 * // lines[0]: "Content diff of public against s3://my-site/www: 1 changed key (1 added, 0 modified, 0 deleted, 0 unverifiable), 4 unchanged; hashed 4 files (5120 bytes)."
 */
export async function runContentDiff(
  request: ContentDiffRequest,
  dependencies: ContentDiffDependencies = {},
): Promise<ContentDiffOutcome> {
  const { s3Uri, noDeleteName, ...options } = request;
  const s3 = (dependencies.createS3Client ?? (() => createS3Client({}, { ...(dependencies.env ?? process.env) })))();
  const report = await diffSiteAgainstBucket({ ...options, s3 }).finally(() => s3.destroy());
  const keys = changedKeys(report);
  const counts = describeDiff(report, keys.length);
  const hashed = `hashed ${plural(report.hashedFiles, "file")} (${report.hashedBytes} bytes)`;
  const lines = [`Content diff of ${request.siteDirectory} against ${s3Uri}: ${counts}; ${hashed}.`];
  // Without deletions the objects gone from the folder stay in the bucket: not a change, but the
  // user should see how many were left out and which setting did it.
  if (!(request.includeDeletions ?? true) && report.remoteOnly > 0) {
    lines.push(
      `${plural(report.remoteOnly, "object")} not in the folder left out (${noDeleteName}): the sync keeps them.`,
    );
  }
  for (const { key, detail } of report.unverifiable.slice(0, MAX_NAMED_UNVERIFIABLE)) {
    lines.push(`Counted as changed: ${JSON.stringify(key)}: ${detail}`);
  }
  return { report, keys, changeList: formatChangeList(keys), counts, lines };
}
