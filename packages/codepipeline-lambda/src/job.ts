import type { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import {
  type Clock,
  classifyError,
  DeadlineExceededError,
  type InvalidationReport,
  type InvalidationRequest,
  MAX_TRANSIENT_ROUNDS,
  type RunEvent,
  runInvalidation,
  type SendState,
  type WaitTiming,
} from "invalidation-core";
import { ArtifactError } from "./artifacts/index.js";
import type { CodePipelineJob } from "./codepipeline-event.js";
import { type Continuation, openContinuation, roomForIds, sealContinuation } from "./continuation-token.js";
import type { JobInput, ReadJobInput } from "./job-input.js";
import type { JobResult } from "./job-result.js";
import type { Logger } from "./logger.js";
import { type JobConfig, MAX_WAIT_TIMEOUT_MINUTES, parseUserParameters } from "./user-parameters.js";

export interface JobDeps {
  /** Made per invocation: the core closes the client at the end of its run. */
  readonly cloudFront: () => CloudFrontClient;
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
  const request: InvalidationRequest = {
    distributionIds: config.distributionIds,
    ...(input.paths === undefined ? {} : { paths: input.paths }),
    ...(input.maxPaths === undefined ? {} : { maxPaths: input.maxPaths }),
    ...(input.changes === undefined ? {} : { changes: input.changes }),
    ...(input.mapping === undefined ? {} : { mapping: input.mapping }),
    ...(input.site === undefined ? {} : { site: input.site }),
    wait: config.wait,
    waitTimeoutMs: config.waitTimeoutMinutes * 60_000,
    caller: { base: `codepipeline-${originalJobId}` },
    oneRound: true,
    ...(resumed === undefined ? {} : { resume: resumed.state }),
  };
  logger.info(resumed === undefined ? "starting" : "continuing", {
    originalJobId,
    distributionIds: config.distributionIds,
  });
  const report = await runInvalidation(request, {
    cloudFront: deps.cloudFront,
    clock,
    onEvent: (event) => logEvent(logger, event),
    roomForIds: (state) => roomForIds({ originalJobId, state }),
    abortAt,
    maxDurationMs: MAX_WAIT_TIMEOUT_MINUTES * 60_000,
    ...(deps.timing === undefined ? {} : { timing: deps.timing }),
  });
  if (report.error !== undefined) throw timedOut(report, config);
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
  const note = input.onFinalSuccess === undefined ? "" : ` ${await input.onFinalSuccess()}.`;
  const ids = report.invalidations.map((i) => i.id);
  return {
    type: "success",
    summary: `${finalSummary(report, config)}${note}`,
    invalidationIds: ids,
    outputVariables: {
      InvalidationIds: ids.join(","),
      DistributionIds: config.distributionIds.join(","),
      PathCount: String(changedNothing(report) ? 0 : (report.outcome?.plan.pathCount ?? 0)),
    },
  };
}

/** The failure of a report; a wait that timed out says which setting ran out. */
function timedOut(report: InvalidationReport, config: JobConfig): Error {
  const error = report.error as NonNullable<InvalidationReport["error"]>;
  if (!(error instanceof DeadlineExceededError) || !/deadline passed/.test(error.message)) return error;
  return new DeadlineExceededError(
    `Timed out after waitTimeoutMinutes=${config.waitTimeoutMinutes}: ${error.message}. ` +
      `Raise waitTimeoutMinutes (at most ${MAX_WAIT_TIMEOUT_MINUTES}) or set wait to false`,
    { cause: error, invalidations: error.invalidations, unsent: error.unsent },
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
  const pending = state.distributions.flatMap((d) =>
    d.invalidations.filter((i) => !i.completed && state.wait).map((i) => `${d.distributionId}/${i.id}`),
  );
  return (
    `${sent} of ${batches * state.distributions.length} invalidation batch(es) sent` +
    (pending.length > 0 ? `, ${pending.length} in progress: ${pending.join(", ")}` : "") +
    (report.unsent.length === 0 ? "" : "; waiting for CloudFront to free in-progress slots")
  );
}

function finalSummary(report: InvalidationReport, config: JobConfig): string {
  const plan = report.outcome?.plan;
  if (plan === undefined || changedNothing(report)) return "Nothing changed: no invalidation was needed.";
  const ids = (id: string) => report.invalidations.filter((i) => i.distributionId === id).map((i) => i.id);
  const perDistribution = config.distributionIds
    .map((id) => `${id} (${ids(id).join(", ") || "ids omitted"})`)
    .join("; ");
  const omitted = plan.batches.length * config.distributionIds.length - report.invalidations.length;
  return (
    `Invalidated ${plan.pathCount} path(s)` +
    (plan.collapsedCount > 0 ? `, ${plan.collapsedCount} changed path(s) folded into wildcards` : "") +
    ` on ${perDistribution}${omitted > 0 ? ` (${omitted} earlier id(s) omitted)` : ""}` +
    (report.status === "completed" ? ": completed." : ": created (not waited for).")
  );
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
