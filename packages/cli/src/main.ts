import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { buffer } from "node:stream/consumers";
import type { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import {
  type Clock,
  ConfigurationError,
  classifyError,
  cloudFrontEndpoint,
  createCloudFrontClient,
  decodeChangeText,
  describeUnfinished,
  FAILURE_HEADLINE,
  type FailureKind,
  type InvalidationError,
  type InvalidationReport,
  type InvalidationRequest,
  parseDistributionIds,
  parseInvalidationPaths,
  parsePathList,
  parseTenants,
  runInvalidation,
  systemClock,
} from "invalidation-core";
import { parseCommandLine, type RunOptions, USAGE } from "./args.js";
import { callerReferenceBase } from "./caller-reference.js";
import { runDiff, type S3Lister } from "./diff.js";
import { eventRenderer, formatResult, type OutputStream, toJsonReport } from "./report.js";

/** The CLI's contract with its shell. */
export const EXIT = { success: 0, failure: 1, usage: 2, timeout: 3 } as const;

/** The one mapping from the core's failure kinds to exit codes. */
export function exitCodeFor(kind: FailureKind): number {
  return { configuration: EXIT.usage, timeout: EXIT.timeout, permission: EXIT.failure, transient: EXIT.failure }[kind];
}

/** The CLI's world, injected so tests can drive `main` without a process. */
export interface CliDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Read for `-`, as bytes: the core decodes them as it decodes a file. */
  readonly stdin: AsyncIterable<Uint8Array | string>;
  /** Called only when something is sent: a dry run never builds a client or a credential provider. */
  readonly createClient: () => CloudFrontClient;
  /** Called only by `diff`, to list the bucket. Default: the core's S3 client from `env`. */
  readonly createS3Client?: () => S3Lister;
  readonly clock: Clock;
  readonly version: string;
}

export function defaultDeps(version: string): CliDeps {
  return {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    createClient: () => createCloudFrontClient(),
    clock: systemClock,
    version,
  };
}

/** A paths file: small, read whole, decoded like a sync log; each line checked with the core's validator. */
async function readPathsFile(file: string, deps: CliDeps): Promise<string[]> {
  const name = `--paths-file ${file === "-" ? "stdin" : file}`;
  const bytes = await (file === "-" ? buffer(deps.stdin) : readFile(file)).catch((error: Error) => {
    throw new ConfigurationError(`${name}: cannot read it: ${error.message}`, { cause: error });
  });
  const decoded = decodeChangeText(bytes, name);
  if (decoded.warning) deps.stderr.write(`warning: ${decoded.warning}\n`);
  return parsePathList(decoded.text, name);
}

/** The distributions given, and the name they were given by (for the core's messages). */
function distributions({ distributionIds: flags, dryRun }: RunOptions, tenants: string[], env: CliDeps["env"]) {
  const fromEnv = env.CLOUDFRONT_DISTRIBUTION_ID ?? "";
  if (flags.length === 0 && fromEnv.trim() !== "") {
    return { name: "CLOUDFRONT_DISTRIBUTION_ID", ids: parseDistributionIds([fromEnv], "CLOUDFRONT_DISTRIBUTION_ID") };
  }
  // Tenants are targets of their own, and a dry run only prints the plan: neither needs a distribution.
  // A flag given empty (`--distribution-id "$UNSET"`) is still refused: it meant to name one.
  const optional = flags.length === 0 && (dryRun || tenants.length > 0);
  return { name: "--distribution-id", ids: parseDistributionIds(flags, "--distribution-id", { optional }) };
}

/** argv and env into the core's request. Every input error surfaces here or in the core's planning, before AWS. */
async function toRequest(options: RunOptions, deps: CliDeps): Promise<InvalidationRequest> {
  const { syncLog, changes, pathsFile, s3Prefix, indexDocument, siteDir, maxPaths, urlsPerPath } = options;
  const tenants = parseTenants(options.tenants, "--tenant");
  const distribution = distributions(options, tenants, deps.env);
  const paths = parseInvalidationPaths(options.paths, "--path");
  const [flag, file] = syncLog === undefined ? ["--changes", changes] : ["--sync-log", syncLog];
  const fromFile = pathsFile === undefined ? [] : await readPathsFile(pathsFile, deps);
  // A paths file of comments only asks for nothing: say so rather than fall back to /* (unless a change list is given).
  if (pathsFile !== undefined && fromFile.length === 0 && file === undefined) {
    throw new ConfigurationError(`--paths-file ${pathsFile}: holds no path (one path per line, like /index.html)`);
  }
  const bytes = file === "-" ? deps.stdin : file === undefined ? undefined : createReadStream(file);
  return {
    distributionIds: distribution.ids,
    tenants,
    names: {
      ...{ distribution: distribution.name, tenant: "--tenant", keyPrefix: "--s3-prefix" },
      ...{ cacheTags: "--cache-tag", site: "--site-dir" },
    },
    readDistribution: true,
    paths: [...paths, ...fromFile],
    cacheTags: options.cacheTags,
    ...(bytes === undefined ? {} : { changes: { kind: "log", bytes, source: `${flag} ${file}` } }),
    mapping: {
      ...(s3Prefix === undefined ? {} : { s3Prefix }),
      ...(indexDocument === undefined ? {} : { indexDocument }),
    },
    ...(siteDir === undefined ? {} : { site: { directory: siteDir } }),
    ...(maxPaths === undefined ? {} : { maxPaths }),
    ...(urlsPerPath === undefined ? {} : { urlsPerPath }),
    wait: options.wait,
    waitTimeoutMs: options.waitTimeoutSeconds * 1000,
    dryRun: options.dryRun,
    caller: {
      ...(options.callerReference === undefined ? {} : { given: options.callerReference }),
      base: callerReferenceBase(deps.env, deps.clock.now(), randomBytes(4).toString("hex")),
    },
  };
}

/** A failure for people: its kind (what the exit code means), the message, and for bad input where help is. */
function failureLine(error: InvalidationError, headline: string, input: boolean): string {
  const hint = input && error.kind === "configuration" ? " (see cf-invalidate --help)" : "";
  return `cf-invalidate: ${headline}: ${error.message}${hint}\n`;
}

/** What a failed or timed-out run tells people on stderr, besides the report. */
function failureLines(report: InvalidationReport, elapsedMs: number, options: RunOptions): string {
  const error = report.error;
  if (error === undefined) return "";
  // Failed before planning (a file, a folder, the log itself): the input is wrong, as with a bad flag.
  const text = failureLine(error, FAILURE_HEADLINE[error.kind], report.outcome === undefined);
  if (error.kind !== "timeout") return text;
  const seconds = Math.round(elapsedMs / 1000);
  return `${text}cf-invalidate: timed out after ${seconds} s (--wait-timeout ${options.waitTimeoutSeconds}); ${describeUnfinished(report)}\n`;
}

async function run(options: RunOptions, deps: CliDeps): Promise<number> {
  const request = await toRequest(options, deps);
  const started = deps.clock.now();
  const events = eventRenderer(deps, options.json);
  const report = await runInvalidation(request, {
    cloudFront: deps.createClient,
    clock: deps.clock,
    onEvent: events.onEvent,
    endpoint: cloudFrontEndpoint(deps.env),
  });
  events.finish();
  const { outcome } = report;
  if (outcome !== undefined) {
    const json = () => `${JSON.stringify(toJsonReport({ ...report, outcome }, options.dryRun), null, 2)}\n`;
    deps.stdout.write(options.json ? json() : formatResult(report));
  }
  deps.stderr.write(failureLines(report, deps.clock.now() - started, options));
  return report.error === undefined ? EXIT.success : exitCodeFor(report.error.kind);
}

/** The whole CLI: argv in, exit code out. Never throws: this is the one top-level catch. */
export async function main(argv: readonly string[], deps: CliDeps): Promise<number> {
  let command: ReturnType<typeof parseCommandLine> | undefined;
  try {
    command = parseCommandLine(argv);
    if (command.command === "help" || command.command === "version") {
      deps.stdout.write(command.command === "help" ? USAGE : `${deps.version}\n`);
      return EXIT.success;
    }
    // Statically imported: the CLI must stay one file that runs alone (no chunks beside it).
    return command.command === "diff" ? await runDiff(command, deps) : await run(command, deps);
  } catch (thrown) {
    const error = classifyError(thrown);
    deps.stderr.write(failureLine(error, command === undefined ? "bad usage" : FAILURE_HEADLINE[error.kind], true));
    return exitCodeFor(error.kind);
  }
}
