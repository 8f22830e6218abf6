import type { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import {
  type Clock,
  classifyError,
  DeadlineExceededError,
  describeCost,
  describeUnfinished,
  type InvalidationError,
  type InvalidationReport,
  type InvalidationRequest,
  MAX_TRANSIENT_ROUNDS,
  planCost,
  plural,
  type RunEvent,
  restated,
  runInvalidation,
  type SendState,
  type WaitTiming,
} from "invalidation-core";
import { ArtifactError } from "./artifacts/index.js";
import type { CodePipelineJob } from "./codepipeline-event.js";
import { type Continuation, openContinuation, roomForIds, sealContinuation } from "./continuation-token.js";
import type { JobInput, ReadJobInput } from "./job-input.js";
import { type JobResult, SUMMARY_LIMIT, truncate } from "./job-result.js";
import type { Logger } from "./logger.js";
import { type JobConfig, MAX_WAIT_TIMEOUT_MINUTES, parseUserParameters } from "./user-parameters.js";

export interface JobDeps {
  /** One client for every invocation of a warm function: the core never closes it. */
  readonly cloudFront: CloudFrontClient;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readJobInput: ReadJobInput;
  readonly timing?: WaitTiming;
}

/**
 * One invocation's share of the job: reads UserParameters, the continuation token and the input,
 * runs ONE round of the core's engine (it never sleeps: CodePipeline calls again with the token),
 * and turns the report into the job's result. Throws classified errors; the handler reports them.
 *
 * Caller references are the core's (`codepipeline-<first job id>-<distribution>-b<n>-<digest>`), from
 * the job that started the work, so every continuation and repeated delivery asks for the same ones.
 */
export async function runJob(deps: JobDeps, job: CodePipelineJob, abortAt: number): Promise<JobResult> {
  const { clock, logger, env } = deps;
  // Everything is checked before any AWS call: the configuration, then the token's signature.
  const config = parseUserParameters(job.userParameters, env);
  const resumed = job.continuationToken === undefined ? undefined : openContinuation(job.continuationToken, env);
  const originalJobId = resumed?.originalJobId ?? job.id;
  const signal = AbortSignal.timeout(Math.max(1, abortAt - clock.now()));
  let input: JobInput;
  try {
    input = await deps.readJobInput(config, job, logger, signal);
  } catch (error) {
    if (signal.aborted) {
      throw new DeadlineExceededError(
        "Reading the job's input artifacts did not finish within the function's time: raise the template's Timeout, or check the artifact store's endpoint",
        { cause: error },
      );
    }
    return retryRead(deps, resumed, error);
  }
  const { onFinalSuccess, ...fromInput } = input;
  const request: InvalidationRequest = {
    distributionIds: config.distributionIds,
    ...fromInput,
    ...(config.tenants === undefined ? {} : { tenants: config.tenants }),
    ...(config.cacheTags === undefined ? {} : { cacheTags: config.cacheTags }),
    ...(config.urlsPerPath === undefined ? {} : { urlsPerPath: config.urlsPerPath }),
    // The origin path of the synced bucket gives the key prefix when s3Prefix is not set (issue 17).
    readDistribution: true,
    names: NAMES,
    wait: config.wait,
    waitTimeoutMs: config.waitTimeoutMinutes * 60_000,
    caller: { base: `codepipeline-${originalJobId}` },
    oneRound: true,
    ...(resumed === undefined ? {} : { resume: resumed.state }),
  };
  logger.info(resumed === undefined ? "starting" : "continuing", {
    originalJobId,
    distributionIds: config.distributionIds,
    ...(config.tenants === undefined ? {} : { tenants: config.tenants }),
  });
  const report = await runInvalidation(request, {
    cloudFront: () => deps.cloudFront,
    clock,
    onEvent: (event) => logEvent(logger, event),
    roomForIds: (state) => roomForIds({ originalJobId, state }),
    abortAt,
    maxDurationMs: MAX_WAIT_TIMEOUT_MINUTES * 60_000,
    ...(deps.timing === undefined ? {} : { timing: deps.timing }),
  });
  if (report.error !== undefined) throw failureOf(report.error, report, config);
  if (report.status === "continuing" && report.state !== undefined) {
    const state = report.state;
    return {
      type: "success",
      continuationToken: sealContinuation({ originalJobId, state }, env),
      summary: progressSummary(state, report),
      percentComplete: percentComplete(state, report.outcome?.plan.batches.length ?? 0),
      invalidationIds: idsOf(state),
    };
  }
  // Only now, with every invalidation done, may the job's bookkeeping (the artifact manifest) move on.
  const note = onFinalSuccess === undefined ? "" : ` ${await onFinalSuccess()}.`;
  const ids = report.invalidations.map((i) => i.id);
  return {
    type: "success",
    summary: finalSummary(report, note),
    invalidationIds: ids,
    outputVariables: {
      InvalidationIds: ids,
      // Resolved: the ids of distributions named by domain, then the tenants' ids.
      DistributionIds: report.distributionIds,
      PathCount: String(changedNothing(report) ? 0 : (report.outcome?.plan.pathCount ?? 0)),
    },
  };
}

/** How the user names each input, for the core's messages. */
const NAMES = {
  distribution: "UserParameters.distributionId(s)",
  tenant: "UserParameters.tenant(s)",
  keyPrefix: "UserParameters.s3Prefix",
  cacheTags: "UserParameters.cacheTags",
} as const;

/** The failure of a report; a wait that timed out says which setting ran out and what it leaves. */
function failureOf(error: InvalidationError, report: InvalidationReport, config: JobConfig): Error {
  if (error.kind !== "timeout") return error;
  return restated(
    error,
    `Timed out after waitTimeoutMinutes=${config.waitTimeoutMinutes}: ${describeUnfinished(report)}. ` +
      `Raise waitTimeoutMinutes (at most ${MAX_WAIT_TIMEOUT_MINUTES}) or set wait to false. (${error.message})`,
  );
}

/**
 * On a continuation the invalidations are already under way: an S3 blip while reading the artifact or
 * the manifest again (throttling or a 5xx past the SDK's retries) should not fail the deploy. Reply
 * with the same state, counting the failure against the engine's transient budget, within the
 * deadline. A broken artifact (ArtifactError) or any other kind of failure is not retried.
 */
function retryRead(deps: JobDeps, resumed: Continuation | undefined, error: unknown): JobResult {
  const classified = classifyError(error);
  const failures = (resumed?.state.transientFailures ?? 0) + 1;
  if (
    resumed === undefined ||
    error instanceof ArtifactError ||
    classified.kind !== "transient" ||
    failures >= MAX_TRANSIENT_ROUNDS ||
    deps.clock.now() >= resumed.state.deadline
  ) {
    throw error;
  }
  deps.logger.warn("reading the job's input failed transiently; trying again in the next continuation", {
    error: classified,
  });
  const state = { ...resumed.state, transientFailures: failures };
  return {
    type: "success",
    continuationToken: sealContinuation({ ...resumed, state }, deps.env),
    summary: `Reading the job's input failed and will be retried (${failures}/${MAX_TRANSIENT_ROUNDS - 1}): ${classified.message}`,
    invalidationIds: idsOf(state),
  };
}

const changedNothing = (report: InvalidationReport) =>
  report.status === "nothing-changed" || report.status === "outside-prefix";

function idsOf(state: SendState): string[] {
  return state.distributions.flatMap((d) => d.invalidations.map((i) => i.id));
}

/** From the state alone: batches created (without wait) or invalidations seen completed (with wait). 100 is the final success's. */
export function percentComplete(state: SendState, batchCount: number): number {
  const total = batchCount * state.distributions.length;
  const finished = state.wait
    ? state.omittedCompleted +
      state.distributions.reduce((n, d) => n + d.invalidations.filter((i) => i.completed).length, 0)
    : state.distributions.reduce((n, d) => n + d.nextBatch, 0);
  return Math.max(0, Math.min(99, Math.floor((100 * finished) / Math.max(1, total))));
}

function progressSummary(state: SendState, report: InvalidationReport): string {
  if (state.transientFailures > 0) {
    return `A CloudFront call failed and will be retried (${state.transientFailures}/${MAX_TRANSIENT_ROUNDS - 1}): ${state.lastError ?? "no detail"}`;
  }
  const batches = report.outcome?.plan.batches.length ?? 0;
  const sent = state.distributions.reduce((n, d) => n + d.nextBatch, 0);
  const pending = state.wait
    ? state.distributions.flatMap((d) =>
        d.invalidations.filter((i) => !i.completed).map((i) => `${d.distributionId}/${i.id}`),
      )
    : [];
  return (
    `${sent} of ${plural(batches * state.distributions.length, "invalidation batch")} sent` +
    (pending.length > 0 ? `, ${pending.length} in progress: ${pending.join(", ")}` : "") +
    (report.unsent.length === 0 ? "" : "; waiting for CloudFront to free in-progress slots")
  );
}

/**
 * What was invalidated, where, and what it cost (issue 15). The cost and the manifest note are kept
 * whole; the list of ids is what gives way to CodePipeline's 2,048 characters.
 */
function finalSummary(report: InvalidationReport, note: string): string {
  const plan = report.outcome?.plan;
  if (plan === undefined || changedNothing(report)) return `Nothing changed: no invalidation was needed.${note}`;
  const idsOn = (target: string) => report.invalidations.filter((i) => i.distributionId === target).map((i) => i.id);
  const omitted = plan.batches.length * report.distributionIds.length - report.invalidations.length;
  const where =
    report.distributionIds.map((target) => `${target} (${idsOn(target).join(", ") || "ids omitted"})`).join("; ") +
    (omitted > 0 ? ` (${plural(omitted, "earlier id")} omitted)` : "");
  const head =
    `Invalidated ${plural(plan.pathCount, "path")}` +
    (plan.collapsedCount > 0 ? `, ${plural(plan.collapsedCount, "changed path")} folded into wildcards` : "") +
    " on ";
  const tail = `${report.status === "completed" ? ": completed." : ": created (not waited for)."} ${describeCost(planCost(plan))}.${note}`;
  return `${head}${truncate(where, Math.max(40, SUMMARY_LIMIT - head.length - tail.length))}${tail}`;
}

function logEvent(logger: Logger, event: RunEvent): void {
  if (event.type === "warning") logger.warn(event.message);
  else if (event.type === "created") {
    const { distributionId, id, status, batchIndex, paths } = event.invalidation;
    logger.info("invalidation created", {
      distributionId,
      invalidationId: id,
      status,
      batchIndex,
      pathCount: paths.length,
    });
  } else if (event.type === "planned") {
    const { plan } = event.outcome;
    logger.info("planned", { pathCount: plan.pathCount, batches: plan.batches.length, collapsed: plan.collapsedCount });
  } else logger.debug(event.type, { ...event });
}
