import * as actionsCore from "@actions/core";
import type { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import {
  buildPlan,
  type Clock,
  type CreatedInvalidation,
  callerReferences,
  classifyError,
  createCloudFrontClient,
  DeadlineExceededError,
  type FailureKind,
  type InvalidationPlan,
  invalidate,
  type SendEvent,
  systemClock,
} from "invalidation-core";
import { callerReferenceBase, runIdentity } from "./caller-reference.js";
// diff-step.js (and with it the S3 client) is imported only in diff mode and in the post step.
import type { DiffIO, S3Lister } from "./diff-step.js";
import { type ActionConfig, type InputReader, readConfig } from "./inputs.js";
import { STATE } from "./state.js";
import { type ActionStatus, renderSummary, type SummaryRow } from "./summary.js";

/** What the action needs from `@actions/core`; tests hand in a recording stand-in. */
export interface ActionIO extends InputReader, DiffIO {
  /** A value the main step saved (`""` if none). */
  getState(name: string): string;
}

export interface RunDependencies {
  readonly io?: ActionIO;
  /** Called only when something is to be sent, so a dry run builds no client and needs no credentials. */
  readonly createClient?: () => CloudFrontClient;
  readonly clock?: Clock;
  readonly env?: NodeJS.ProcessEnv;
  /** Where relative `sync-log` and `site-directory` resolve (the runner starts in GITHUB_WORKSPACE). */
  readonly cwd?: string;
  /** Called only in diff mode's main step, to list the bucket. */
  readonly createS3Client?: () => S3Lister;
}

/** `@actions/core` as an ActionIO. */
export function toolkitIO(core: typeof actionsCore = actionsCore): ActionIO {
  return {
    getInput: (name) => core.getInput(name),
    setOutput: (name, value) => core.setOutput(name, value),
    setFailed: (message) => core.setFailed(message),
    info: (message) => core.info(message),
    warning: (message) => core.warning(message),
    startGroup: (name) => core.startGroup(name),
    endGroup: () => core.endGroup(),
    writeSummary: async (markdown) => {
      await core.summary.addRaw(markdown, true).write();
    },
    saveState: (name, value) => core.saveState(name, value),
    getState: (name) => core.getState(name),
  };
}

const KIND_PREFIX: Record<FailureKind, string> = {
  configuration: "Configuration error",
  permission: "Permission error",
  transient: "Transient error",
  timeout: "Timeout",
};

const plural = (count: number, word: string): string =>
  `${count} ${word}${count === 1 ? "" : /(ch|sh|s|x|z)$/.test(word) ? "es" : "s"}`;

function logPlan(io: ActionIO, plan: InvalidationPlan, changedCount: number): void {
  const collapsed =
    plan.collapsedCount > 0 ? ` (${plan.collapsedCount} of ${changedCount} changed paths collapsed)` : "";
  io.info(
    `Plan: ${plural(plan.pathCount, "billed path")}${collapsed}, ${plural(plan.wildcardCount, "wildcard")}, ${plural(plan.batches.length, "batch")}`,
  );
  for (const path of plan.paths) io.info(`  ${path}`);
}

/**
 * The action, main or post step (the runner runs dist/index.js for both; the state the main step
 * saves tells them apart, as in actions/checkout). Never throws: every failure ends in
 * `setFailed` with the core's classification.
 *
 * - Main step, invalidation mode: read inputs, plan, create (or in a dry run only report) the
 *   invalidations, optionally wait, set outputs and the job summary.
 * - Main step, diff mode (`site-directory` + `s3-uri`): compute the content diff before the
 *   user's sync and save the change list for the post step.
 * - Post step: after a diff-mode main step, invalidate the change list; otherwise nothing.
 */
export async function run(dependencies: RunDependencies = {}): Promise<void> {
  const io = dependencies.io ?? toolkitIO();
  if (io.getState(STATE.isPost) === "true") {
    await runPost(io, dependencies);
    return;
  }
  // First of all: without it, the post step would run the main step again.
  io.saveState(STATE.isPost, "true");
  let config: ActionConfig;
  try {
    config = await readConfig(io, dependencies.cwd);
  } catch (error) {
    // The same failure report (outputs, summary, setFailed) as any other failure.
    await invalidateAndReport(io, dependencies, () => Promise.reject(error));
    return;
  }
  if (config.diff !== undefined) {
    const { runDiffStep } = await import("./diff-step.js");
    await runDiffStep(io, config, config.diff, {
      env: dependencies.env ?? process.env,
      ...(dependencies.createS3Client === undefined ? {} : { createS3Client: dependencies.createS3Client }),
    });
    return;
  }
  const changes =
    config.syncLog !== undefined
      ? { text: config.syncLog.text, label: `the sync log ${JSON.stringify(config.syncLog.file)}` }
      : config.changesFile !== undefined
        ? { text: config.changesFile.text, label: `the change list ${JSON.stringify(config.changesFile.file)}` }
        : undefined;
  const ready = config;
  await invalidateAndReport(io, dependencies, async () => ({
    config: ready,
    ...(changes === undefined ? {} : { changes }),
    extraPaths: [],
  }));
}

/** The post step: invalidates what the diff-mode main step saved, now that the sync has run. */
async function runPost(io: ActionIO, dependencies: RunDependencies): Promise<void> {
  let savedRaw: string;
  try {
    savedRaw = io.getState(STATE.diff);
  } catch {
    savedRaw = "";
  }
  if (savedRaw.trim() === "") {
    // Invalidation mode (the main step did it all) or diff-only (a later step invalidates).
    io.info("Post step: nothing to do (no content diff was saved by the main step).");
    return;
  }
  await invalidateAndReport(io, dependencies, async () => {
    const { loadChanges, parseSavedDiff } = await import("./diff-step.js");
    const saved = parseSavedDiff(savedRaw);
    const config = await readConfig(io, dependencies.cwd);
    const text = saved === undefined ? "" : await loadChanges(saved);
    io.info(
      `Post step: invalidating the ${saved?.changeCount ?? 0} changed key(s) the content diff found before the sync.`,
    );
    return {
      config,
      changes: { text, label: "the content diff" },
      extraPaths: saved?.extraPaths ?? [],
    };
  });
}

/** What the invalidation works from, read before anything is sent. */
interface Prepared {
  readonly config: ActionConfig;
  /** A change list (sync log, change list file or content diff) and how to name it. */
  readonly changes?: { readonly text: string; readonly label: string };
  /** Paths added to `config.paths` (changed keys that no change list line could hold). */
  readonly extraPaths: readonly string[];
}

/**
 * Plans with the core, creates (or in a dry run only reports) the invalidations, optionally
 * waits, then sets outputs and the job summary. `prepare` runs inside the one catch, so a bad
 * input fails the same way as a failed request.
 */
async function invalidateAndReport(
  io: ActionIO,
  dependencies: RunDependencies,
  prepare: () => Promise<Prepared>,
): Promise<void> {
  const clock = dependencies.clock ?? systemClock;
  const env = dependencies.env ?? process.env;
  const created: CreatedInvalidation[] = [];
  let config: ActionConfig | undefined;
  let changeLabel: string | undefined;
  let plan: InvalidationPlan | undefined;
  let changedCount = 0;
  let statuses = new Map<string, string>();
  const summaryRows = (): SummaryRow[] =>
    created.map((invalidation) => ({
      distributionId: invalidation.distributionId,
      invalidationId: invalidation.id,
      status: statuses.get(invalidation.id) ?? invalidation.status,
      pathCount: invalidation.paths.length,
    }));
  const finish = async (status: ActionStatus, rows: SummaryRow[], failure?: string): Promise<void> => {
    io.setOutput("invalidation-ids", created.map((invalidation) => invalidation.id).join("\n"));
    io.setOutput("paths", (plan?.paths ?? []).join("\n"));
    io.setOutput("path-count", String(plan?.pathCount ?? 0));
    io.setOutput("status", status);
    try {
      await io.writeSummary(
        renderSummary({
          status,
          rows,
          paths: plan?.paths ?? [],
          changedCount,
          collapsedCount: plan?.collapsedCount ?? 0,
          ...(config?.syncLog
            ? { syncLog: config.syncLog.file }
            : changeLabel === undefined
              ? {}
              : { changeSource: changeLabel }),
          ...(failure === undefined ? {} : { failure }),
        }),
      );
    } catch (error) {
      // Outside a runner there is no GITHUB_STEP_SUMMARY; the outputs and logs still tell everything.
      io.warning(`could not write the job summary: ${(error as Error).message}`);
    }
  };

  let openGroup: string | undefined;
  const closeGroup = (): void => {
    if (openGroup !== undefined) io.endGroup();
    openGroup = undefined;
  };
  const groupFor = (distributionId: string): void => {
    if (openGroup === distributionId) return;
    closeGroup();
    io.startGroup(`CloudFront distribution ${distributionId}`);
    openGroup = distributionId;
    if (plan) logPlan(io, plan, changedCount);
  };

  try {
    const prepared = await prepare();
    config = prepared.config;
    changeLabel = prepared.changes?.label;
    const outcome = buildPlan({
      paths: [...config.paths, ...prepared.extraPaths],
      ...(prepared.changes === undefined ? {} : { changes: prepared.changes.text }),
      ...(config.s3Prefix === undefined ? {} : { s3Prefix: config.s3Prefix }),
      indexDocument: config.indexDocument,
      maxPaths: config.maxPaths,
      ...(config.siteDirectory === undefined ? {} : { siteKeys: config.siteDirectory.keys }),
    });
    for (const file of [config.syncLog, config.changesFile]) if (file?.warning) io.warning(file.warning);
    for (const warning of outcome.warnings) io.warning(warning);
    plan = outcome.plan;
    changedCount = outcome.changedPaths.length;

    if (outcome.nothingChanged) {
      io.info(`${capitalize(changeLabel ?? "the change list")} shows no change: nothing to invalidate.`);
      await finish("skipped", []);
      return;
    }

    if (config.dryRun) {
      const rows: SummaryRow[] = [];
      for (const distributionId of config.distributionIds) {
        groupFor(distributionId);
        plan.batches.forEach((batch, index) => {
          io.info(
            `Dry run: would create batch ${index + 1}/${plan?.batches.length} with ${plural(batch.length, "path")}`,
          );
          rows.push({ distributionId, status: "dry run, not created", pathCount: batch.length });
        });
      }
      closeGroup();
      await finish("dry-run", rows);
      return;
    }

    const references = callerReferences({
      ...(config.callerReference === undefined ? {} : { given: config.callerReference }),
      base: callerReferenceBase(runIdentity(env), clock.now()),
      batches: plan.batches,
    });
    const batchCount = plan.batches.length;
    const onEvent = (event: SendEvent): void => {
      switch (event.type) {
        case "created": {
          const invalidation = event.invalidation;
          created.push(invalidation);
          groupFor(invalidation.distributionId);
          io.info(
            `Created invalidation ${invalidation.id} (batch ${invalidation.batchIndex + 1}/${batchCount}, ${plural(invalidation.paths.length, "path")}): ${invalidation.status}; caller reference ${invalidation.callerReference}`,
          );
          break;
        }
        case "waiting-for-slot":
          groupFor(event.distributionId);
          io.info(
            `CloudFront is busy with other invalidations on ${event.distributionId}: batch ${event.batchIndex + 1}/${batchCount} waits, next try in ${Math.round(event.retryInMs / 1000)} s`,
          );
          break;
        case "progress":
          closeGroup();
          io.info(
            `Waiting for completion: ${event.completed}/${event.total} completed after ${Math.round(event.elapsedMs / 1000)} s`,
          );
          break;
      }
    };
    const client = (dependencies.createClient ?? (() => createCloudFrontClient()))();
    const result = await invalidate({
      client,
      distributionIds: config.distributionIds,
      batches: plan.batches,
      callerReference: references,
      wait: config.wait,
      deadline: clock.now() + config.waitTimeoutSeconds * 1000,
      clock,
      onEvent,
    });
    closeGroup();
    // The core reports the final invalidations; with `completed` every one of them is done.
    created.splice(0, created.length, ...result.invalidations);
    if (result.completed) statuses = new Map(created.map((invalidation) => [invalidation.id, "Completed"]));
    const done = result.completed || created.every((invalidation) => invalidation.status === "Completed");
    io.info(
      done
        ? `${plural(created.length, "invalidation")} completed.`
        : `${plural(created.length, "invalidation")} created; CloudFront completes them in the next minutes (set wait: true to wait).`,
    );
    await finish(done ? "completed" : "in-progress", summaryRows());
  } catch (caught) {
    closeGroup();
    // Statuses as last polled, so the summary shows which invalidations did complete in time.
    if (caught instanceof DeadlineExceededError) {
      for (const invalidation of caught.invalidations) statuses.set(invalidation.id, invalidation.status);
    }
    const error = classifyError(caught);
    let message = `${KIND_PREFIX[error.kind]}: ${error.message}`;
    let status: ActionStatus = "failed";
    if (error.kind === "timeout" && created.length > 0 && config && plan) {
      const expected = config.distributionIds.length * plan.batches.length;
      const ids = created.map((invalidation) => invalidation.id).join(", ");
      status = "in-progress";
      message =
        created.length === expected
          ? `Timeout: the invalidations were created and are still in progress after ${config.waitTimeoutSeconds} s (${ids}). CloudFront goes on with them; raise wait-timeout-seconds to wait longer. ${error.message}`
          : `Timeout: ${created.length} of ${expected} invalidations were created (${ids}) and are still in progress; the others were not sent within ${config.waitTimeoutSeconds} s because CloudFront was busy with other invalidations. ${error.message}`;
    }
    await finish(status, summaryRows(), message);
    io.setFailed(message);
  }
}

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
