import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import {
  buildPlan,
  type Clock,
  ConfigurationError,
  type CreatedInvalidation,
  callerReferences,
  classifyError,
  createCloudFrontClient,
  DeadlineExceededError,
  decodeChangeText,
  type FailureKind,
  invalidate,
  listSiteKeys,
  type PlanOutcome,
  type PlanRequest,
  parseDistributionId,
  parseInvalidationPath,
  systemClock,
} from "invalidation-core";
import { distributionIdsFromEnv, parseCommandLine, type RunOptions, USAGE } from "./args.js";
import { callerReferenceBase } from "./caller-reference.js";
import { runDiff, type S3Lister } from "./diff.js";
import {
  formatInvalidations,
  formatPlan,
  type OutputStream,
  progressReporter,
  type RunReport,
  toJsonReport,
} from "./report.js";

/** The CLI's contract with its shell. */
export const EXIT = {
  success: 0,
  failure: 1,
  usage: 2,
  timeout: 3,
} as const;

/** The one mapping from the core's failure kinds to exit codes. */
export function exitCodeFor(kind: FailureKind): number {
  switch (kind) {
    case "configuration":
      return EXIT.usage;
    case "timeout":
      return EXIT.timeout;
    case "permission":
    case "transient":
      return EXIT.failure;
  }
}

/** The CLI's world, injected so tests can drive `main` without a process. */
export interface CliDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Reads all of stdin (for `-`). */
  readonly readStdin: () => Promise<string>;
  /** Called only when something is sent: a dry run never builds a client or a credential provider. */
  readonly createClient: () => CloudFrontClient;
  /** Called only by `diff`, to list the bucket. Default: the core's S3 client from `env`. */
  readonly createS3Client?: () => S3Lister;
  readonly clock: Clock;
  readonly version: string;
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

export function defaultDeps(version: string): CliDeps {
  return {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    readStdin: () => readAll(process.stdin),
    createClient: () => createCloudFrontClient(),
    clock: systemClock,
    version,
  };
}

async function readInput(flag: string, source: string, deps: CliDeps): Promise<string> {
  if (source === "-") return deps.readStdin();
  let bytes: Buffer;
  try {
    bytes = await readFile(source);
  } catch (error) {
    throw new ConfigurationError(`${flag}: cannot read ${JSON.stringify(source)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // UTF-16 (PowerShell's `>`) and Latin-1 files are decoded as written, not misread as UTF-8.
  const decoded = decodeChangeText(bytes, `${flag} ${source}`);
  if (decoded.warning) deps.stderr.write(`warning: ${decoded.warning}\n`);
  return decoded.text;
}

/** Runs a core validator, prefixing its ConfigurationError with where the value came from (flag, file line). */
function validated<T>(where: string, validate: () => T): T {
  try {
    return validate();
  } catch (error) {
    if (error instanceof ConfigurationError) {
      throw new ConfigurationError(`${where}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function checkPath(path: string, where: string): void {
  validated(where, () => parseInvalidationPath(path));
}

function resolveDistributionIds(options: RunOptions, env: CliDeps["env"]): string[] {
  const fromFlags = options.distributionIds.length > 0;
  const raw = fromFlags ? options.distributionIds : distributionIdsFromEnv(env.CLOUDFRONT_DISTRIBUTION_ID);
  const source = fromFlags ? "--distribution-id" : "CLOUDFRONT_DISTRIBUTION_ID";
  const ids = raw.map((value) => validated(source, () => parseDistributionId(value)));
  if (ids.length === 0 && !options.dryRun) {
    throw new ConfigurationError("no distribution id: give --distribution-id ID or set CLOUDFRONT_DISTRIBUTION_ID");
  }
  return [...new Set(ids)];
}

/** Reads what the flags point at and builds the core's request. Every input error surfaces here, before AWS. */
async function planRequest(options: RunOptions, deps: CliDeps): Promise<PlanRequest> {
  const paths: string[] = [];
  for (const path of options.paths) {
    checkPath(path, "--path");
    paths.push(path);
  }
  if (options.pathsFile !== undefined) {
    const text = await readInput("--paths-file", options.pathsFile, deps);
    const name = options.pathsFile === "-" ? "stdin" : options.pathsFile;
    text.split(/\r?\n/).forEach((line, index) => {
      const path = line.trim();
      // `#` lines are comments: a path always starts with `/`, and a cache-tag invalidation (`#tag`)
      // must never come from a file by accident.
      if (path === "" || path.startsWith("#")) return;
      checkPath(path, `--paths-file ${name} line ${index + 1}`);
      paths.push(path);
    });
  }
  const changes =
    options.syncLog !== undefined
      ? await readInput("--sync-log", options.syncLog, deps)
      : options.changes !== undefined
        ? await readInput("--changes", options.changes, deps)
        : undefined;
  const siteKeys = options.siteDir === undefined ? undefined : await listSiteKeys(options.siteDir);
  // A paths file that held only comments asks for nothing; say so rather than fall back to /*.
  if (options.pathsFile !== undefined && paths.length === 0 && changes === undefined) {
    throw new ConfigurationError(
      `--paths-file ${options.pathsFile}: holds no path (one path per line, like /index.html)`,
    );
  }
  return {
    paths,
    ...(changes === undefined ? {} : { changes }),
    ...(options.s3Prefix === undefined ? {} : { s3Prefix: options.s3Prefix }),
    ...(options.indexDocument === undefined ? {} : { indexDocument: options.indexDocument }),
    ...(options.maxPaths === undefined ? {} : { maxPaths: options.maxPaths }),
    ...(siteKeys === undefined ? {} : { siteKeys }),
  };
}

/** For people, the plan comes first, before anything is sent, so a long wait shows what it waits for. */
function printPlanForPeople(report: RunReport, deps: CliDeps): void {
  for (const warning of report.outcome.warnings) deps.stderr.write(`warning: ${warning}\n`);
  deps.stdout.write(formatPlan(report));
  if (report.dryRun && !report.outcome.nothingChanged) {
    const to = report.distributionIds.length > 0 ? ` to ${report.distributionIds.join(", ")}` : "";
    deps.stdout.write(`Dry run: nothing sent${to}.\n`);
  }
}

function printJson(report: RunReport, deps: CliDeps): void {
  deps.stdout.write(`${JSON.stringify(toJsonReport(report), null, 2)}\n`);
}

async function run(options: RunOptions, deps: CliDeps): Promise<number> {
  const distributionIds = resolveDistributionIds(options, deps.env);
  const request = await planRequest(options, deps);
  const outcome: PlanOutcome = buildPlan(request);
  const planned: RunReport = { dryRun: options.dryRun, distributionIds, outcome };
  if (!options.json) printPlanForPeople(planned, deps);

  if (options.dryRun || outcome.nothingChanged) {
    if (options.json) {
      printJson(options.dryRun ? planned : { ...planned, invalidations: [], completed: true }, deps);
    }
    return EXIT.success;
  }

  const created: CreatedInvalidation[] = [];
  const progress = progressReporter(deps.stderr, () => deps.clock.now());
  const callerReference = callerReferences({
    ...(options.callerReference === undefined ? {} : { given: options.callerReference }),
    base: callerReferenceBase(deps.env, deps.clock.now(), randomBytes(4).toString("hex")),
    batches: outcome.plan.batches,
  });
  const client = deps.createClient();
  try {
    const result = await invalidate({
      client,
      distributionIds,
      batches: outcome.plan.batches,
      callerReference,
      wait: options.wait,
      deadline: deps.clock.now() + options.waitTimeoutSeconds * 1000,
      clock: deps.clock,
      onEvent: (event) => {
        if (event.type === "created") created.push(event.invalidation);
        // With --json the events still go to stderr: a CI log should show a long wait moving.
        progress.onEvent(event);
      },
    });
    progress.finish();
    const report: RunReport = { ...planned, invalidations: result.invalidations, completed: result.completed };
    if (options.json) printJson(report, deps);
    else deps.stdout.write(formatInvalidations(report));
    return EXIT.success;
  } catch (thrown) {
    progress.finish();
    const error = classifyError(thrown);
    // A timeout carries the invalidations with their last known status; otherwise use what was created.
    const invalidations =
      error instanceof DeadlineExceededError && error.invalidations.length > 0 ? error.invalidations : created;
    const report: RunReport = {
      ...planned,
      invalidations,
      completed: false,
      error: { kind: error.kind, message: error.message },
    };
    if (options.json) printJson(report, deps);
    else deps.stdout.write(formatInvalidations(report));
    deps.stderr.write(`cf-invalidate: ${error.message}\n`);
    if (error instanceof DeadlineExceededError) {
      const inProgress = invalidations
        .filter((inv) => inv.status !== "Completed")
        .map((inv) => `${inv.distributionId}/${inv.id}`);
      const still = inProgress.length > 0 ? `still in progress: ${inProgress.join(" ")}` : "nothing in progress";
      const unsent =
        error.unsent.length > 0 ? `; ${error.unsent.length} batch(es) not sent: run again to send them` : "";
      deps.stderr.write(`cf-invalidate: timed out after ${options.waitTimeoutSeconds} s; ${still}${unsent}\n`);
    }
    return exitCodeFor(error.kind);
  } finally {
    client.destroy();
  }
}

/**
 * The whole CLI: parses argv, plans, sends, prints, and returns the exit code. Never throws:
 * this is the one top-level catch.
 */
export async function main(argv: readonly string[], deps: CliDeps): Promise<number> {
  let usageStage = true;
  try {
    const command = parseCommandLine(argv);
    if (command.command === "help") {
      deps.stdout.write(USAGE);
      return EXIT.success;
    }
    if (command.command === "version") {
      deps.stdout.write(`${deps.version}\n`);
      return EXIT.success;
    }
    usageStage = false;
    // Statically imported: the CLI must stay one file that runs alone (no chunks beside it).
    if (command.command === "diff") return await runDiff(command, deps);
    return await run(command, deps);
  } catch (thrown) {
    const error = classifyError(thrown);
    const hint = error.kind === "configuration" ? ` (see cf-invalidate --help)` : "";
    deps.stderr.write(`cf-invalidate: ${usageStage ? "bad usage: " : ""}${error.message}${hint}\n`);
    return exitCodeFor(error.kind);
  }
}
