import { parseArgs } from "node:util";
import {
  ConfigurationError,
  DEFAULT_URLS_PER_PATH,
  DEFAULT_WAIT_TIMEOUT_SECONDS,
  parseCacheTags,
  parseCallerReference,
  parseIndexDocument,
  parseKeyPrefix,
  parseMaxPaths,
  parsePartSize,
  parseS3Location,
  parseSeconds,
  parseWholeNumber,
} from "invalidation-core";

// Seconds the CLI waits (for completion with --wait, or for a free slot) when no --wait-timeout is given.
export { DEFAULT_WAIT_TIMEOUT_SECONDS };

export type RunOptions = Extract<ReturnType<typeof parseRunCommandLine>, { command: "run" }>;
export type DiffOptions = Extract<ReturnType<typeof parseDiffOptions>, { command: "diff" }>;
export type ParsedCommand = { readonly command: "help" } | { readonly command: "version" } | RunOptions | DiffOptions;

export const USAGE = `Usage: cf-invalidate --distribution-id ID|DOMAIN [--distribution-id ...] [options]
       cf-invalidate --tenant ID|DOMAIN [--tenant ...] [options]
       cf-invalidate diff --site-dir DIR --s3-uri s3://BUCKET[/PREFIX] [diff options]

Invalidates a CloudFront cache after a static site was deployed to S3.

What to invalidate (combine freely; with none of them: /*):
  --path P               an invalidation path such as /index.html or /blog/* (repeatable)
  --paths-file FILE|-    a file with one path per line (blank lines and # comments skipped); - reads stdin
  --cache-tag TAG        invalidate every object cached with this tag (repeatable, or comma-separated);
                         the distribution needs a CacheTagConfig
  --sync-log FILE|-      the output of \`aws s3 sync\` (or a list of changed keys); - reads stdin
  --changes FILE|-       the change list that \`cf-invalidate diff\` wrote before the sync; - reads stdin
  --s3-prefix PREFIX     key prefix the distribution's origin path points at (not s3://...); stripped from keys;
                         without it, read from the origin that serves the sync log's bucket
  --index-document NAME  index document (default index.html); "" turns directory paths off
  --max-paths N          most paths to bill for one deploy (default 30); more changes collapse into wildcards
  --site-dir DIR         the local folder that was synced: lets the planner count what wildcards hit
  --urls-per-path N      the price of a path (default ${DEFAULT_URLS_PER_PATH}): a collapsing plan spends a billed path
                         only where it keeps at least N more unchanged URLs cached

Where and how:
  --distribution-id ID   distribution to invalidate: its id, an alternate domain name or its *.cloudfront.net
                         name (repeatable, or several separated by commas or spaces; or env CLOUDFRONT_DISTRIBUTION_ID)
  --tenant ID|DOMAIN     a distribution tenant to invalidate, by id, name or domain (repeatable)
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
3 timed out (--wait-timeout passed: invalidations may still be in progress, or batches unsent).

Credentials, region and endpoint come from the usual AWS environment (AWS_PROFILE, AWS_ACCESS_KEY_ID, ...,
AWS_ENDPOINT_URL_CLOUDFRONT).
`;

const [text, list, flag] = [{ type: "string" }, { type: "string", multiple: true }, { type: "boolean" }] as const;
const help = { type: "boolean", short: "h" } as const;
const RUN_OPTIONS = {
  ...{ "distribution-id": list, tenant: list, path: list, "paths-file": text, "cache-tag": list, "sync-log": text },
  ...{ changes: text, "s3-prefix": text, "index-document": text, "max-paths": text, "site-dir": text },
  ...{ "urls-per-path": text, wait: flag, "wait-timeout": text },
  ...{ "caller-reference": text, "dry-run": flag, json: flag, help, version: flag },
};
const DIFF_OPTIONS = {
  ...{ "site-dir": text, "s3-uri": text, "no-delete": flag, "part-size": text },
  ...{ output: text, json: flag, help },
};

/** Edit distance, for "did you mean": flags are short, so the plain table is plenty. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
}

/** node:util's strict parse; its message names the flag, and we add the nearest known flag when one is close. */
function strictParse<T extends typeof RUN_OPTIONS | typeof DIFF_OPTIONS>(
  argv: readonly string[],
  options: T,
  command = "",
) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const message = (error as Error).message;
    const unknown = (error as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION";
    const given = unknown ? (/'(--?[^'=]+)/.exec(message)?.[1] ?? "") : "";
    const [best] = Object.keys(options)
      .map((name) => ({ name: `--${name}`, cost: distance(given, `--${name}`) }))
      .sort((a, b) => a.cost - b.cost);
    // The AWS CLI's `create-invalidation --paths /a /b` takes a list; here each path is its own --path.
    const aws = given === "--paths" ? " (once per path: --path '/*', or --path /a --path /b)" : "";
    const close = unknown && best !== undefined && best.cost <= 2 && best.cost < given.length / 2;
    const text = close ? `${message}. Did you mean ${best.name}?${aws}` : message;
    throw new ConfigurationError(`${command}${text}`, { cause: error });
  }
}

// The core's number parsers read "" as "not given" (an unset input); on a command line it is a mistake.
function nonEmpty(value: string, flag: string): string {
  if (value.trim() === "") throw new ConfigurationError(`${flag} must not be empty, got ${JSON.stringify(value)}`);
  return value;
}

const wholeNumber = (value: string, flag: string) =>
  parseWholeNumber(nonEmpty(value, flag), flag, { fallback: 0, min: 0, max: Number.MAX_SAFE_INTEGER });
const budget = (value: string, flag: string) => parseMaxPaths(wholeNumber(value, flag), flag);
// Fractions are allowed: a test or an impatient script may want half a second.
const seconds = (value: string, flag: string) =>
  parseSeconds(nonEmpty(value, flag), flag, { fallback: 0, min: 0.1, max: 86_400 });

/** Reads the flags of `values` that are given, each with its parser (which names the flag), as `{ key: parsed }`. */
function read<V extends Record<string, unknown>, P extends Record<string, (value: string, flag: string) => unknown>>(
  values: V,
  parsers: P,
): { [K in keyof P]?: ReturnType<P[K]> } {
  const entries = Object.entries(parsers).flatMap(([key, parse]) => {
    const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const value = values[flag];
    return typeof value === "string" ? [[key, parse(value, `--${flag}`)]] : [];
  });
  return Object.fromEntries(entries) as { [K in keyof P]?: ReturnType<P[K]> };
}

/** Parses argv (without `node` and the script). Strict: every message names the flag. No I/O. */
export function parseCommandLine(argv: readonly string[]): ParsedCommand {
  if (argv[0] === "diff") return parseDiffOptions(argv.slice(1));
  return parseRunCommandLine(argv);
}

function parseRunCommandLine(argv: readonly string[]) {
  const v = strictParse(argv, RUN_OPTIONS);
  if (v.help) return { command: "help" as const };
  if (v.version) return { command: "version" as const };
  const { waitTimeout, ...given } = read(v, {
    ...{ pathsFile: nonEmpty, syncLog: nonEmpty, changes: nonEmpty, s3Prefix: parseKeyPrefix },
    ...{ indexDocument: parseIndexDocument, maxPaths: budget, siteDir: nonEmpty, urlsPerPath: wholeNumber },
    ...{ waitTimeout: seconds, callerReference: parseCallerReference },
  });
  if (given.syncLog !== undefined && given.changes !== undefined) {
    throw new ConfigurationError("--sync-log and --changes are both given: give one of them");
  }
  if (given.pathsFile === "-" && (given.syncLog === "-" || given.changes === "-")) {
    const other = given.syncLog === "-" ? "--sync-log" : "--changes";
    throw new ConfigurationError(`--paths-file and ${other} cannot both read stdin (-): give one of them a file`);
  }
  // No tag holds a comma, so a comma separates tags (as in the action's input).
  const tags = (v["cache-tag"] ?? []).flatMap((value) => value.split(","));
  return {
    command: "run" as const,
    distributionIds: v["distribution-id"] ?? [],
    tenants: v.tenant ?? [],
    paths: v.path ?? [],
    cacheTags: parseCacheTags(tags, "--cache-tag"),
    ...given,
    wait: v.wait ?? false,
    waitTimeoutSeconds: waitTimeout ?? DEFAULT_WAIT_TIMEOUT_SECONDS,
    dryRun: v["dry-run"] ?? false,
    json: v.json ?? false,
  };
}

/** `cf-invalidate diff ...` (argv after `diff`): the site folder against the bucket, by content, before the sync. */
function parseDiffOptions(argv: readonly string[]) {
  const v = strictParse(argv, DIFF_OPTIONS, "diff: ");
  if (v.help) return { command: "help" as const };
  const { siteDir, s3Uri, ...given } = read(v, {
    ...{ siteDir: nonEmpty, s3Uri: nonEmpty, output: nonEmpty },
    partSize: (value: string, flag: string) => parsePartSize(value, flag),
  });
  if (siteDir === undefined || s3Uri === undefined) {
    throw new ConfigurationError(
      "diff needs --site-dir DIR (the folder the sync uploads) and --s3-uri s3://BUCKET/PREFIX (where it goes)",
    );
  }
  const { partSize, output } = given;
  return {
    command: "diff" as const,
    siteDir,
    s3Uri,
    ...parseS3Location(s3Uri, "--s3-uri"),
    includeDeletions: !(v["no-delete"] ?? false),
    ...(partSize === undefined ? {} : { partSizeBytes: partSize }),
    ...(output === undefined ? {} : { output }),
    json: v.json ?? false,
  };
}
