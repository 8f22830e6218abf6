import { parseArgs } from "node:util";
import { ConfigurationError, parsePartSize, parseS3Location } from "invalidation-core";

/** Seconds the CLI waits (for completion with --wait, or for a free slot) when no --wait-timeout is given. */
export const DEFAULT_WAIT_TIMEOUT_SECONDS = 600;

/** What the user asked for on the command line, validated for form but not yet read from files. */
export interface RunOptions {
  readonly command: "run";
  /** Raw values of every --distribution-id, in order (the env fallback is applied later). */
  readonly distributionIds: readonly string[];
  /** Raw values of every --path, in order. */
  readonly paths: readonly string[];
  /** A file (or `-` for stdin) with one path per line. */
  readonly pathsFile?: string;
  /** A file (or `-` for stdin) with an `aws s3 sync` log or a list of changed keys. */
  readonly syncLog?: string;
  /** A file (or `-`) with the change list that `cf-invalidate diff` wrote. */
  readonly changes?: string;
  readonly s3Prefix?: string;
  readonly indexDocument?: string;
  readonly maxPaths?: number;
  readonly siteDir?: string;
  readonly wait: boolean;
  readonly waitTimeoutSeconds: number;
  readonly callerReference?: string;
  readonly dryRun: boolean;
  readonly json: boolean;
}

/** `cf-invalidate diff`: compare the site folder with the bucket by content, before the sync. */
export interface DiffOptions {
  readonly command: "diff";
  readonly siteDir: string;
  /** As given, for messages. */
  readonly s3Uri: string;
  readonly bucket: string;
  /** Normalized: `""` or ending in `/`. */
  readonly prefix: string;
  /** False with --no-delete: the sync keeps objects that are gone from the folder. */
  readonly includeDeletions: boolean;
  readonly partSizeBytes?: number;
  /** Write the change list here instead of stdout. */
  readonly output?: string;
  readonly json: boolean;
}

export type ParsedCommand = { readonly command: "help" } | { readonly command: "version" } | RunOptions | DiffOptions;

export const USAGE = `Usage: cf-invalidate --distribution-id ID [--distribution-id ID2 ...] [options]
       cf-invalidate diff --site-dir DIR --s3-uri s3://BUCKET[/PREFIX] [diff options]

Invalidates a CloudFront cache after a static site was deployed to S3.

What to invalidate (combine freely; with none of them: /*):
  --path P               an invalidation path such as /index.html or /blog/* (repeatable)
  --paths-file FILE|-    a file with one path per line (blank lines and # comments skipped); - reads stdin
  --sync-log FILE|-      the output of \`aws s3 sync\` (or a list of changed keys); - reads stdin
  --changes FILE|-       the change list that \`cf-invalidate diff\` wrote before the sync; - reads stdin
  --s3-prefix PREFIX     key prefix the distribution's origin path points at; stripped from changed keys
  --index-document NAME  index document (default index.html); "" turns directory paths off
  --max-paths N          most paths to bill for one deploy (default 30); more changes collapse into wildcards
  --site-dir DIR         the local folder that was synced: lets the planner count what wildcards hit

Where and how:
  --distribution-id ID   distribution to invalidate (repeatable; or env CLOUDFRONT_DISTRIBUTION_ID,
                         several separated by commas or spaces)
  --wait                 wait until every invalidation has completed
  --wait-timeout SECONDS how long to wait, for completion or for a free slot (default ${DEFAULT_WAIT_TIMEOUT_SECONDS})
  --caller-reference REF idempotency key; the same REF and paths return the existing invalidation
  --dry-run              print the plan only: no credentials, no network
  --json                 print one JSON object on stdout
  -h, --help             print this help
  --version              print the version

cf-invalidate diff: run BEFORE the sync; finds what the sync will change by content (MD5 and
multipart ETags), not by modification time, so a fresh build whose every file is new still
invalidates only what really changed. Needs s3:ListBucket on the bucket, nothing else.
  --site-dir DIR         the folder the sync uploads (required)
  --s3-uri URI           the sync's destination, s3://BUCKET or s3://BUCKET/PREFIX (required)
  --no-delete            the sync runs without --delete: objects gone from the folder are not changes
  --part-size BYTES      the AWS CLI's multipart_chunksize (default 8MB; 16MB, 16777216 ...)
  --output FILE          write the change list to FILE instead of stdout
  --json                 print the diff as one JSON object on stdout
Then: aws s3 sync ...; cf-invalidate --changes FILE --s3-prefix PREFIX ...

Exit codes: 0 success, 1 failure (permission, network, service), 2 bad usage or configuration,
3 --wait timed out (the invalidations exist and are still in progress).

Credentials, region and endpoint come from the usual AWS environment (AWS_PROFILE, AWS_ACCESS_KEY_ID, ...,
AWS_ENDPOINT_URL_CLOUDFRONT).
`;

const OPTIONS = {
  "distribution-id": { type: "string", multiple: true },
  path: { type: "string", multiple: true },
  "paths-file": { type: "string" },
  "sync-log": { type: "string" },
  changes: { type: "string" },
  "s3-prefix": { type: "string" },
  "index-document": { type: "string" },
  "max-paths": { type: "string" },
  "site-dir": { type: "string" },
  wait: { type: "boolean" },
  "wait-timeout": { type: "string" },
  "caller-reference": { type: "string" },
  "dry-run": { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

/** A usage error: a flag or value that cannot be understood. The message names it. */
function usage(message: string, cause?: unknown): ConfigurationError {
  return new ConfigurationError(message, cause === undefined ? {} : { cause });
}

function parseWholeNumber(flag: string, value: string): number {
  if (!/^\d+$/.test(value.trim())) {
    throw usage(`${flag} must be a whole number of at least 1, got ${JSON.stringify(value)}`);
  }
  const n = Number(value.trim());
  if (!Number.isSafeInteger(n) || n < 1) {
    throw usage(`${flag} must be a whole number of at least 1, got ${JSON.stringify(value)}`);
  }
  return n;
}

function parseSeconds(flag: string, value: string): number {
  // Fractions are allowed: a test or an impatient script may want half a second.
  const trimmed = value.trim();
  const n = /^\d+(\.\d+)?$|^\.\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isFinite(n) || n <= 0 || n > 86_400) {
    throw usage(`${flag} must be a number of seconds above 0 and at most 86400, got ${JSON.stringify(value)}`);
  }
  return n;
}

function nonEmpty(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && value.trim() === "") throw usage(`${flag} must not be empty`);
  return value;
}

/**
 * Parses argv (without `node` and the script). Strict: an unknown flag, a missing value or a stray
 * argument throws a ConfigurationError that names it. Does no I/O.
 */
export function parseCommandLine(argv: readonly string[]): ParsedCommand {
  if (argv[0] === "diff") return parseDiffCommandLine(argv.slice(1));
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true; allowPositionals: false }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false });
  } catch (error) {
    // node:util's messages already name the flag ("Unknown option '--bogus'"); keep them.
    throw usage((error as Error).message, error);
  }
  const v = parsed.values;
  if (v.help) return { command: "help" };
  if (v.version) return { command: "version" };

  const pathsFile = nonEmpty("--paths-file", v["paths-file"]);
  const syncLog = nonEmpty("--sync-log", v["sync-log"]);
  const changes = nonEmpty("--changes", v.changes);
  if (syncLog !== undefined && changes !== undefined) {
    throw usage("--sync-log and --changes are both given: give one of them");
  }
  if (pathsFile === "-" && (syncLog === "-" || changes === "-")) {
    throw usage(
      `--paths-file and ${syncLog === "-" ? "--sync-log" : "--changes"} cannot both read stdin (-): give one of them a file`,
    );
  }
  const siteDir = nonEmpty("--site-dir", v["site-dir"]);
  const callerReference = nonEmpty("--caller-reference", v["caller-reference"]);
  const maxPaths = v["max-paths"] === undefined ? undefined : parseWholeNumber("--max-paths", v["max-paths"]);

  return {
    command: "run",
    distributionIds: v["distribution-id"] ?? [],
    paths: v.path ?? [],
    ...(pathsFile === undefined ? {} : { pathsFile }),
    ...(syncLog === undefined ? {} : { syncLog }),
    ...(changes === undefined ? {} : { changes }),
    ...(v["s3-prefix"] === undefined ? {} : { s3Prefix: v["s3-prefix"] }),
    ...(v["index-document"] === undefined ? {} : { indexDocument: v["index-document"] }),
    ...(maxPaths === undefined ? {} : { maxPaths }),
    ...(siteDir === undefined ? {} : { siteDir }),
    wait: v.wait ?? false,
    waitTimeoutSeconds:
      v["wait-timeout"] === undefined
        ? DEFAULT_WAIT_TIMEOUT_SECONDS
        : parseSeconds("--wait-timeout", v["wait-timeout"]),
    ...(callerReference === undefined ? {} : { callerReference }),
    dryRun: v["dry-run"] ?? false,
    json: v.json ?? false,
  };
}

/** Splits CLOUDFRONT_DISTRIBUTION_ID, which may hold several ids separated by commas or whitespace. */
export function distributionIdsFromEnv(value: string | undefined): string[] {
  return (value ?? "").split(/[\s,]+/).filter((id) => id.length > 0);
}

const DIFF_OPTIONS = {
  "site-dir": { type: "string" },
  "s3-uri": { type: "string" },
  "no-delete": { type: "boolean" },
  "part-size": { type: "string" },
  output: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Parses `cf-invalidate diff ...` (argv after `diff`). Strict, like the main command. */
export function parseDiffCommandLine(argv: readonly string[]): ParsedCommand {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof DIFF_OPTIONS; strict: true; allowPositionals: false }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: DIFF_OPTIONS, strict: true, allowPositionals: false });
  } catch (error) {
    throw usage(`diff: ${(error as Error).message}`, error);
  }
  const v = parsed.values;
  if (v.help) return { command: "help" };
  const siteDir = nonEmpty("--site-dir", v["site-dir"]);
  const s3Uri = nonEmpty("--s3-uri", v["s3-uri"]);
  if (siteDir === undefined || s3Uri === undefined) {
    throw usage(
      "diff needs --site-dir DIR (the folder the sync uploads) and --s3-uri s3://BUCKET/PREFIX (where it goes)",
    );
  }
  const output = nonEmpty("--output", v.output);
  const partSize = v["part-size"];
  const partSizeBytes = partSize === undefined ? undefined : parsePartSize(partSize, "--part-size");
  return {
    command: "diff",
    siteDir,
    s3Uri,
    ...parseS3Location(s3Uri, "--s3-uri"),
    includeDeletions: !(v["no-delete"] ?? false),
    ...(partSizeBytes === undefined ? {} : { partSizeBytes }),
    ...(output === undefined ? {} : { output }),
    json: v.json ?? false,
  };
}
