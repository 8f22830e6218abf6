import { createReadStream } from "node:fs";
import type { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import {
  type ChangeInput,
  type Clock,
  classifyError,
  cloudFrontEndpoint,
  createCloudFrontClient,
  describeCost,
  describeKeyPrefix,
  describePlan,
  describeSendEvent,
  describeUnfinished,
  FAILURE_HEADLINE,
  type InvalidationReport,
  type PlanOutcome,
  planCost,
  plural,
  type RunEvent,
  type RunStatus,
  runInvalidation,
  systemClock,
} from "invalidation-core";
import { type ActionIO, toolkitIO } from "./action-io.js";
import { callerReferenceBase } from "./caller-reference.js";
// Type only: diff-step.js (and with it the S3 client) is loaded in diff mode's main step alone.
import type { S3Lister } from "./diff-step.js";
import { type ActionConfig, readConfig } from "./inputs.js";
import { loadSavedKeys, parseSavedDiff, STATE } from "./state.js";
import { type ActionStatus, renderSummary, type SummaryReport, type SummaryRow } from "./summary.js";

export interface ActionDependencies {
  readonly io?: ActionIO;
  /** Called only when something is sent: a dry run needs no credentials. */
  readonly createClient?: () => CloudFrontClient;
  readonly clock?: Clock;
  readonly env?: NodeJS.ProcessEnv;
  /** Where relative files resolve (the runner starts in GITHUB_WORKSPACE). */
  readonly cwd?: string;
  readonly createS3Client?: () => S3Lister;
}

/** Where the changes came from, for people: `the sync log` and its file. */
type ChangeSource = NonNullable<SummaryReport["source"]>;

/**
 * The action's main or post step (the runner runs dist/index.js for both; the state the main step
 * saves tells them apart, as in actions/checkout). Never throws: every failure ends in `setFailed`
 * with the core's classification, after the outputs and the summary.
 * - main step: the inputs become one request to the core; its report becomes outputs and summary;
 * - main step in diff mode (`site-directory` + `s3-uri`): the content diff; keys saved for the post step;
 * - post step: after a diff-mode main step, invalidate the saved keys; otherwise nothing.
 */
export async function run(dependencies: ActionDependencies = {}): Promise<void> {
  const io = dependencies.io ?? toolkitIO();
  try {
    if (io.getState(STATE.isPost) === "true") return await runPost(io, dependencies);
    // First of all: without it, the post step would run the main step again.
    io.saveState(STATE.isPost, "true");
    const config = await readConfig(io, dependencies.cwd);
    if (config.diff !== undefined) {
      const { runDiffStep } = await import("./diff-step.js");
      const { createS3Client, env = process.env } = dependencies;
      return await runDiffStep(io, config.diff, { env, ...(createS3Client ? { createS3Client } : {}) });
    }
    const [input, file] = config.changesFile ? ["changes-file", config.changesFile] : ["sync-log", config.syncLog];
    const what = input === "sync-log" ? "the sync log" : "the change list";
    const source = `input "${input}" (${file?.file})`;
    const changes: ChangeInput | undefined = file && { kind: "log", bytes: createReadStream(file.path), source };
    await invalidate(io, dependencies, config, changes, file ? { what, file: file.file } : { what });
  } catch (error) {
    const failed = { status: "failed", distributionIds: [], warnings: [], invalidations: [], unsent: [] } as const;
    await report(io, { ...failed, error: classifyError(error) }, { what: "the change list" }, 0);
  }
}

/** The post step: invalidates the keys the diff-mode main step saved, now that the sync has run. */
async function runPost(io: ActionIO, dependencies: ActionDependencies): Promise<void> {
  const saved = parseSavedDiff(io.getState(STATE.diff));
  // Invalidation mode (the main step did it all) or diff-only (a later step invalidates).
  if (saved === undefined) return io.info("Post step: nothing to do (no content diff was saved by the main step).");
  const keys = await loadSavedKeys(saved);
  const config = await readConfig(io, dependencies.cwd);
  io.info(`Post step: invalidating the ${plural(keys.length, "changed key")} the content diff found before the sync.`);
  const what = "the content diff";
  await invalidate(io, dependencies, config, { kind: "keys", keys, source: what }, { what });
}

/** How messages name what the user wrote. */
const NAMES = {
  distribution: 'input "distribution-id"',
  tenant: 'input "tenant"',
  keyPrefix: 'input "s3-prefix"',
  cacheTags: 'input "cache-tags"',
  site: 'input "site-directory"',
};

/** One request to the core, its events logged as they come, then the report. */
async function invalidate(
  io: ActionIO,
  dependencies: ActionDependencies,
  config: ActionConfig,
  changes: ChangeInput | undefined,
  source: ChangeSource,
): Promise<void> {
  const { env = process.env, clock = systemClock } = dependencies;
  const log = new RunLog(io);
  const result = await runInvalidation(
    {
      distributionIds: config.distributionIds,
      tenants: config.tenants,
      paths: config.paths,
      cacheTags: config.cacheTags,
      ...(changes ? { changes } : {}),
      mapping: { indexDocument: config.indexDocument, ...(config.s3Prefix ? { s3Prefix: config.s3Prefix } : {}) },
      ...(config.siteDirectory ? { site: { directory: config.siteDirectory } } : {}),
      maxPaths: config.maxPaths,
      urlsPerPath: config.urlsPerPath,
      wait: config.wait,
      waitTimeoutMs: config.waitTimeoutSeconds * 1000,
      dryRun: config.dryRun,
      caller: {
        base: callerReferenceBase(env, clock.now()),
        ...(config.callerReference ? { given: config.callerReference } : {}),
      },
      // The origin serving the synced bucket gives the key prefix when s3-prefix is empty (issue 17).
      readDistribution: true,
      ...(config.diff ? { syncedBucket: config.diff.bucket } : {}),
      names: NAMES,
    },
    {
      cloudFront: dependencies.createClient ?? (() => createCloudFrontClient()),
      clock,
      onEvent: (event) => log.show(event),
      endpoint: cloudFrontEndpoint(env),
    },
  );
  log.close();
  if (result.status === "dry-run") log.dryRun(result);
  await report(io, result, source, config.waitTimeoutSeconds);
}

/** The outputs, closing log lines, the job summary, and `setFailed` when the run failed. */
async function report(io: ActionIO, result: InvalidationReport, source: ChangeSource, waitSeconds: number) {
  const status = actionStatus(result.status);
  const plan = result.outcome?.plan;
  // What the plan bills: not for a run that failed (nothing may have been sent) or planned nothing.
  const costed = plan !== undefined && plan.pathCount > 0 && status !== "failed" ? planCost(plan) : undefined;
  io.setOutput("invalidation-ids", result.invalidations.map((invalidation) => invalidation.id).join("\n"));
  io.setOutput("paths", (plan?.paths ?? []).join("\n"));
  io.setOutput("path-count", String(plan?.pathCount ?? 0));
  io.setOutput("cost", costed ? JSON.stringify(costed) : "");
  io.setOutput("status", status);
  const keyPrefix = result.keyPrefix?.from === "distribution" ? result.keyPrefix.value : undefined;
  const targets = result.distributionIds.length;
  const each = targets > 1 ? `. Each of the ${targets} distributions bills this plan` : "";
  const cost = costed && `${describeCost(costed)}${each}`;
  if (cost) io.info(cost);
  const count = plural(result.invalidations.length, "invalidation");
  const shown = `${source.what.replace(/^t/, "T")}${source.file ? ` ${JSON.stringify(source.file)}` : ""}`;
  if (status === "skipped") io.info(`${shown} shows no change: nothing to invalidate.`);
  if (status === "completed") io.info(`${count} completed.`);
  if (status === "in-progress" && !result.error) {
    io.info(`${count} created; CloudFront completes them in the next minutes (set wait: true to wait).`);
  }
  const failure = failureText(result, waitSeconds);
  const summary: SummaryReport = {
    status,
    rows: summaryRows(result),
    ...(result.outcome ? { outcome: result.outcome } : {}),
    source,
    ...(failure ? { failure } : {}),
    ...(cost ? { cost } : {}),
    ...(keyPrefix === undefined ? {} : { keyPrefix }),
  };
  await io.writeSummary(renderSummary(summary));
  if (failure !== undefined) io.setFailed(failure);
}

/** The `status` output: the core's status, in the action's words for two of them (action.yml lists them). */
function actionStatus(status: RunStatus): ActionStatus {
  if (status === "continuing") return "in-progress";
  return status === "nothing-changed" ? "skipped" : status;
}

/** The core's message under its headline; after a timeout, also what goes on in CloudFront or was not sent. */
function failureText({ error, ...result }: InvalidationReport, waitSeconds: number): string | undefined {
  if (error === undefined) return undefined;
  const unfinished = error.kind === "timeout" ? `. After ${waitSeconds} s: ${describeUnfinished(result)}` : "";
  return `${FAILURE_HEADLINE[error.kind]}: ${error.message}${unfinished}`;
}

/** The summary's table: the batches a dry run would create, else the invalidations created and the batches not sent. */
function summaryRows(result: InvalidationReport): SummaryRow[] {
  const batches = result.outcome?.plan.batches ?? [];
  if (result.status === "dry-run") {
    return result.distributionIds.flatMap((distributionId) =>
      batches.map((b) => ({ distributionId, status: "dry run, not created", pathCount: b.length })),
    );
  }
  return [
    ...result.invalidations.map((i) => ({ ...i, invalidationId: i.id, pathCount: i.paths.length })),
    ...result.unsent.map((b) => ({ distributionId: b.distributionId, status: "not sent", pathCount: b.paths.length })),
  ];
}

/** The run's events as log lines: a group per distribution, with the plan; progress outside groups. */
class RunLog {
  private group: string | undefined;
  private outcome: PlanOutcome | undefined;

  constructor(private readonly io: ActionIO) {}

  show(event: RunEvent): void {
    if (event.type === "warning") this.io.warning(event.message);
    if (event.type === "planned") this.outcome = event.outcome;
    // The plan's paths depend on the prefix: say where it came from before them.
    if (event.type === "planned" && event.keyPrefix?.from === "distribution") {
      this.io.info(describeKeyPrefix(event.keyPrefix.value, "s3-prefix is empty"));
    }
    if (event.type === "warning" || event.type === "planned") return;
    // Creations and slot waits belong to their distribution's group; the wait for all of them to none.
    if (event.type === "progress") this.close();
    else this.enter(event.type === "created" ? event.invalidation.distributionId : event.distributionId);
    this.io.info(describeSendEvent(event, this.outcome?.plan.batches.length ?? 0));
  }

  dryRun(result: InvalidationReport): void {
    const batches = result.outcome?.plan.batches ?? [];
    for (const distributionId of result.distributionIds) {
      this.enter(distributionId);
      batches.forEach((batch, i) => {
        this.io.info(`Dry run: would create batch ${i + 1}/${batches.length} with ${plural(batch.length, "path")}`);
      });
    }
    this.close();
  }

  close(): void {
    if (this.group !== undefined) this.io.endGroup();
    this.group = undefined;
  }

  private enter(distributionId: string): void {
    if (this.group === distributionId) return;
    this.close();
    this.io.startGroup(`CloudFront distribution ${distributionId}`);
    this.group = distributionId;
    if (this.outcome === undefined) return;
    this.io.info(describePlan(this.outcome));
    for (const path of this.outcome.plan.paths) this.io.info(`  ${path}`);
  }
}
