import { createHash } from "node:crypto";
import type { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import {
  buildPlan,
  type Clock,
  ConfigurationError,
  classifyError,
  DeadlineExceededError,
  fitCallerReference,
  getInvalidationStatuses,
  type InvalidationPlan,
  type InvalidationRef,
  submitBatches,
} from "invalidation-core";
import { ArtifactError } from "./artifacts/index.js";
import type { CodePipelineJob } from "./codepipeline-event.js";
import {
  type ContinuationState,
  type DistributionProgress,
  decodeContinuationToken,
  encodeContinuationToken,
  roomForNewIds,
} from "./continuation-token.js";
import type { Logger } from "./logger.js";
import type { ResolvedPlanRequest, ResolvePlanRequest } from "./plan-request.js";
import { type JobConfig, parseUserParameters } from "./user-parameters.js";

/** What one invocation decided; `job-result.ts` turns it into the CodePipeline call. */
export type JobOutcome =
  | {
      readonly type: "success";
      readonly summary: string;
      readonly invalidationIds: readonly string[];
      readonly outputVariables: Readonly<Record<string, string>>;
    }
  | {
      readonly type: "continue";
      readonly continuationToken: string;
      readonly summary: string;
      /** Undefined when this invocation could not tell (it only retries a failed read). */
      readonly percentComplete: number | undefined;
      readonly invalidationIds: readonly string[];
    };

export interface RunJobDeps {
  readonly cloudFront: CloudFrontClient;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly resolvePlanRequest: ResolvePlanRequest;
}

/** Transient failures in a row that a continuation rides out before failing the job. */
export const MAX_TRANSIENT_FAILURES = 3;

/**
 * The CallerReference of one batch: derived from the job that started the work, so a repeated
 * delivery of any invocation of that job asks CloudFront for the same invalidation again (and
 * gets the existing one) instead of creating a second.
 *
 * Not the core's `callerReferences` form (`-b<n>-<paths digest>`): running deployments carry this
 * form across continuations and retries, so it must not change. The plan is fixed per job (the
 * continuation's fingerprint checks it), so no digest is needed. `fitCallerReference` leaves it as
 * it is (a job id is a UUID: about 75 characters in all) and only caps a malformed, huge job id.
 */
export function callerReference(originalJobId: string, distributionId: string, batchIndex: number): string {
  return fitCallerReference(`codepipeline-${originalJobId}-${distributionId}-${batchIndex}`);
}

function fingerprint(config: JobConfig, plan: InvalidationPlan): string {
  return createHash("sha256")
    .update(JSON.stringify([config.distributionIds, plan.batches, config.wait]))
    .digest("base64url")
    .slice(0, 12);
}

/**
 * One step of the job: validates everything, then (first invocation) sends what fits, or
 * (continuation) polls what is in progress and sends what now fits; then finishes or asks to
 * be called again. Never sleeps. Throws classified errors; the handler reports them.
 */
export async function runJob(deps: RunJobDeps, job: CodePipelineJob): Promise<JobOutcome> {
  const { logger } = deps;
  // All validation happens here, before any CloudFront call.
  const config = parseUserParameters(job.userParameters, deps.env);
  let resolved: ResolvedPlanRequest;
  try {
    resolved = await deps.resolvePlanRequest(config, job, logger);
  } catch (error) {
    const retry = retryReadOnContinuation(deps, job, error);
    if (retry === undefined) throw error;
    return retry;
  }
  const outcome = await step(deps, job, config, buildPlan(resolved.request));
  if (outcome.type !== "success" || resolved.onFinalSuccess === undefined) return outcome;
  // Only now, with every invalidation done, may the job's bookkeeping (the artifact manifest) move on.
  const note = await resolved.onFinalSuccess();
  return { ...outcome, summary: `${outcome.summary} ${note}.` };
}

/**
 * On a continuation, the invalidations are already under way: an S3 blip while re-reading the
 * artifact or the manifest (throttling or a 5xx past the SDK's retries) should not fail the deploy.
 * Reply with the same token, counting the failure, so the next continuation reads again; as for
 * CloudFront, a few times in a row and within the deadline. A broken artifact (ArtifactError) or any
 * other kind of failure is not retried: reading it again gives the same answer.
 */
function retryReadOnContinuation(deps: RunJobDeps, job: CodePipelineJob, error: unknown): JobOutcome | undefined {
  if (job.continuationToken === undefined || error instanceof ArtifactError) return undefined;
  const classified = classifyError(error);
  if (classified.kind !== "transient") return undefined;
  let state: ContinuationState;
  try {
    state = decodeContinuationToken(job.continuationToken);
  } catch {
    return undefined;
  }
  if (state.transientFailures + 1 >= MAX_TRANSIENT_FAILURES || deps.clock.now() >= state.deadline) return undefined;
  deps.logger.warn("reading the job's input failed transiently; trying again in the next continuation", {
    error: classified,
  });
  const retry = { ...state, transientFailures: state.transientFailures + 1 };
  return {
    type: "continue",
    continuationToken: encodeContinuationToken(retry),
    summary: `Reading the job's input failed and will be retried (${retry.transientFailures}/${MAX_TRANSIENT_FAILURES - 1}): ${classified.message}`,
    percentComplete: undefined,
    invalidationIds: allIds(retry),
  };
}

async function step(
  deps: RunJobDeps,
  job: CodePipelineJob,
  config: JobConfig,
  planned: ReturnType<typeof buildPlan>,
): Promise<JobOutcome> {
  const { clock, logger } = deps;
  for (const warning of planned.warnings) logger.warn(warning);
  const { plan } = planned;
  if (planned.nothingChanged || plan.batches.length === 0) {
    return {
      type: "success",
      summary: "Nothing changed: no invalidation was needed.",
      invalidationIds: [],
      outputVariables: { InvalidationIds: "", DistributionIds: config.distributionIds.join(","), PathCount: "0" },
    };
  }

  const print = fingerprint(config, plan);
  const start = startingState(job, config, print, clock.now());
  logger.info(job.continuationToken === undefined ? "starting" : "continuing", {
    originalJobId: start.originalJobId,
    distributionIds: config.distributionIds,
    pathCount: plan.pathCount,
    batches: plan.batches.length,
    wait: config.wait,
  });

  let state: ContinuationState;
  try {
    state = await advance(deps, config, plan, start, job.continuationToken !== undefined);
  } catch (error) {
    const classified = classifyError(error, "CloudFront");
    // A blip (throttling past the SDK's retries, a 5xx) should not fail a deploy: try again
    // in the next continuation, a few times and within the deadline. The same caller references
    // make the retry safe.
    if (
      classified.kind !== "transient" ||
      start.transientFailures + 1 >= MAX_TRANSIENT_FAILURES ||
      clock.now() >= start.deadline
    ) {
      throw classified;
    }
    logger.warn("transient failure, trying again in the next continuation", { error: classified });
    const retry = { ...start, transientFailures: start.transientFailures + 1 };
    return {
      type: "continue",
      continuationToken: encodeContinuationToken(retry),
      summary: `A CloudFront call failed and will be retried (${retry.transientFailures}/${MAX_TRANSIENT_FAILURES - 1}): ${classified.message}`,
      percentComplete: percentComplete(config, plan, retry),
      invalidationIds: allIds(retry),
    };
  }

  const ids = allIds(state);
  const allSent = state.distributions.every((d) => d.nextBatch >= plan.batches.length);
  const pending = state.distributions.flatMap((d, i) => d.inProgress.map((id) => `${config.distributionIds[i]}/${id}`));
  if (allSent && pending.length === 0) {
    return {
      type: "success",
      summary: successSummary(config, plan, state),
      invalidationIds: ids,
      outputVariables: {
        InvalidationIds: ids.join(","),
        DistributionIds: config.distributionIds.join(","),
        PathCount: String(plan.pathCount),
      },
    };
  }
  if (clock.now() >= state.deadline) {
    const unsent = state.distributions
      .map((d, i) => ({ id: config.distributionIds[i], left: plan.batches.length - d.nextBatch }))
      .filter((d) => d.left > 0)
      .map((d) => `${d.left} batch(es) on ${d.id}`);
    throw new DeadlineExceededError(
      `Timed out after waitTimeoutMinutes=${config.waitTimeoutMinutes}: ` +
        (pending.length > 0 ? `invalidations still in progress: ${pending.join(", ")}` : "") +
        (pending.length > 0 && unsent.length > 0 ? "; " : "") +
        (unsent.length > 0 ? `not yet sent (CloudFront was busy): ${unsent.join(", ")}` : "") +
        ". What was created goes on in CloudFront. Raise waitTimeoutMinutes (at most 1440) or set wait to false.",
    );
  }
  const sent = state.distributions.reduce((n, d) => n + d.nextBatch, 0);
  const total = plan.batches.length * config.distributionIds.length;
  const next = { ...state, transientFailures: 0 };
  return {
    type: "continue",
    continuationToken: encodeContinuationToken(next),
    summary:
      `${sent} of ${total} invalidation batch(es) sent` +
      (pending.length > 0 ? `, ${pending.length} in progress: ${pending.join(", ")}` : "") +
      (allSent ? "" : "; waiting for CloudFront to free in-progress slots"),
    percentComplete: percentComplete(config, plan, next),
    invalidationIds: ids,
  };
}

function startingState(job: CodePipelineJob, config: JobConfig, print: string, now: number): ContinuationState {
  if (job.continuationToken === undefined) {
    return {
      originalJobId: job.id,
      startedAt: now,
      deadline: now + config.waitTimeoutMinutes * 60_000,
      fingerprint: print,
      distributions: config.distributionIds.map(() => ({ nextBatch: 0, inProgress: [], done: [] })),
      omittedDone: 0,
      transientFailures: 0,
    };
  }
  const state = decodeContinuationToken(job.continuationToken);
  if (state.fingerprint !== print || state.distributions.length !== config.distributionIds.length) {
    throw new ConfigurationError(
      "The action's configuration (or its input) changed while its invalidations were being sent: " +
        "the plan no longer matches the one this job started with. Run the pipeline again.",
    );
  }
  return state;
}

async function advance(
  deps: RunJobDeps,
  config: JobConfig,
  plan: InvalidationPlan,
  start: ContinuationState,
  continuing: boolean,
): Promise<ContinuationState> {
  let state = start;
  // Poll first: what completed since the last invocation no longer counts as in progress.
  if (continuing && config.wait) {
    const refs: InvalidationRef[] = state.distributions.flatMap((d, i) =>
      d.inProgress.map((id) => ({ distributionId: config.distributionIds[i] ?? "", id })),
    );
    if (refs.length > 0) {
      const statuses = await getInvalidationStatuses(deps.cloudFront, refs);
      const completed = new Set(
        statuses.filter((s) => s.status === "Completed").map((s) => `${s.distributionId}/${s.id}`),
      );
      state = {
        ...state,
        distributions: state.distributions.map((d, i) => {
          const finished = d.inProgress.filter((id) => completed.has(`${config.distributionIds[i]}/${id}`));
          return {
            ...d,
            inProgress: d.inProgress.filter((id) => !finished.includes(id)),
            done: [...d.done, ...finished],
          };
        }),
      };
    }
  }
  for (const [index, distributionId] of config.distributionIds.entries()) {
    const progress = state.distributions[index];
    if (progress === undefined || progress.nextBatch >= plan.batches.length) continue;
    // Never send more than the token can remember.
    const room = roomForNewIds(state);
    if (room === 0) {
      deps.logger.warn("no room in the continuation token for more invalidation ids; sending later", {
        distributionId,
      });
      continue;
    }
    const result = await submitBatches({
      client: deps.cloudFront,
      distributionId,
      batches: plan.batches.slice(0, progress.nextBatch + room),
      fromBatch: progress.nextBatch,
      callerReference: (batchIndex) => callerReference(state.originalJobId, distributionId, batchIndex),
    });
    for (const created of result.created) {
      deps.logger.info("invalidation created", {
        distributionId,
        invalidationId: created.id,
        status: created.status,
        batchIndex: created.batchIndex,
        pathCount: created.paths.length,
      });
    }
    if (result.busy)
      deps.logger.info("CloudFront is busy with earlier invalidations; the rest goes later", { distributionId });
    // Without waiting, what was created counts as done: its completion is not tracked.
    const track = (status: string) => config.wait && status !== "Completed";
    const updated: DistributionProgress = {
      nextBatch: result.nextBatch,
      inProgress: [...progress.inProgress, ...result.created.filter((c) => track(c.status)).map((c) => c.id)],
      done: [...progress.done, ...result.created.filter((c) => !track(c.status)).map((c) => c.id)],
    };
    state = { ...state, distributions: state.distributions.map((d, i) => (i === index ? updated : d)) };
  }
  return state;
}

function allIds(state: ContinuationState): string[] {
  return state.distributions.flatMap((d) => [...d.done, ...d.inProgress]);
}

function percentComplete(config: JobConfig, plan: InvalidationPlan, state: ContinuationState): number {
  const total = plan.batches.length * config.distributionIds.length;
  const finished = config.wait
    ? state.omittedDone + state.distributions.reduce((n, d) => n + d.done.length, 0)
    : state.distributions.reduce((n, d) => n + d.nextBatch, 0);
  // 100 belongs to the final success; a continuation says at most 99.
  return Math.max(0, Math.min(99, Math.floor((100 * finished) / Math.max(1, total))));
}

function successSummary(config: JobConfig, plan: InvalidationPlan, state: ContinuationState): string {
  const perDistribution = config.distributionIds
    .map((id, i) => `${id} (${(state.distributions[i]?.done ?? []).join(", ") || "ids omitted"})`)
    .join("; ");
  const omitted = state.omittedDone > 0 ? ` (${state.omittedDone} earlier id(s) omitted)` : "";
  const collapsed = plan.collapsedCount > 0 ? `, ${plan.collapsedCount} changed path(s) folded into wildcards` : "";
  return (
    `Invalidated ${plan.pathCount} path(s)${collapsed} on ${perDistribution}${omitted}` +
    (config.wait ? ": completed." : ": created (not waited for).")
  );
}
