import type { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import { buildPlan, type PlanOutcome } from "./build-plan.js";
import { callerReferences } from "./caller-reference.js";
import { type ChangeLogBytes, readChangeLog } from "./change-source.js";
import { type Clock, systemClock } from "./clock.js";
import { type CreatedInvalidation, getInvalidationStatuses, type SendEvent } from "./cloudfront.js";
import {
  ConfigurationError,
  classifyError,
  DeadlineExceededError,
  type InvalidationError,
  type UnsentBatch,
} from "./errors.js";
import type { KeyMappingOptions } from "./paths.js";
import {
  advanceSending,
  checkResumedState,
  invalidationsOf,
  type SendContext,
  type SendState,
  startSending,
  unsentOf,
  type WaitTiming,
} from "./send-engine.js";
import { listSiteKeys } from "./site-listing.js";

/** Where the changes come from. Bytes are decoded here, the same way for every source. */
export type ChangeInput =
  /** A sync log, key list or change list: a buffer, or a stream (a file, stdin) read as it comes. */
  | { readonly kind: "log"; readonly bytes: ChangeLogBytes; readonly source: string }
  /** Changed keys as data: a content diff, an artifact diff. */
  | { readonly kind: "keys"; readonly keys: readonly string[]; readonly source: string };

/** What caller references derive from (see {@link callerReferences}). */
export interface CallerIdentity {
  /** A reference the user chose; used as-is for the first batch. */
  readonly given?: string;
  /** What identifies this execution (`gha-<run>-<attempt>-<job>-<step>`, `codepipeline-<job id>`). */
  readonly base: string;
}

/** The whole job, as an adapter read it from its host. Values are already validated. */
export interface InvalidationRequest {
  readonly distributionIds: readonly string[];
  /** Explicit invalidation paths (validated with `parseInvalidationPaths`). */
  readonly paths?: readonly string[];
  readonly changes?: ChangeInput;
  readonly mapping?: KeyMappingOptions;
  /** The site's files, so the planner can count what a wildcard hits: the synced folder, or its keys. */
  readonly site?: { readonly directory: string } | { readonly keys: readonly string[] };
  readonly maxPaths?: number;
  /** Wait until every invalidation completes. */
  readonly wait: boolean;
  /** How long waiting (for a free slot, for completion) may take, from the start of the run. */
  readonly waitTimeoutMs: number;
  /** Plan and report only: no client is made, nothing is sent. */
  readonly dryRun?: boolean;
  readonly caller: CallerIdentity;
  /** Progress saved by an earlier invocation (the Lambda's continuation): carry on from it. */
  readonly resume?: SendState;
  /**
   * Run one round of the engine and report its state instead of sleeping (the Lambda, which cannot
   * sleep: CodePipeline calls it again). Default: run to the end in this process.
   */
  readonly oneRound?: boolean;
}

/** What the run tells its adapter as it goes; the adapter renders them. */
export type RunEvent =
  | SendEvent
  | { readonly type: "warning"; readonly message: string }
  | { readonly type: "planned"; readonly outcome: PlanOutcome };

export interface RunDependencies {
  /**
   * Called only when something is sent, so a dry run needs no credentials. The caller owns the
   * client: a Lambda keeps it for warm invocations, a one-shot process destroys it when done.
   */
  readonly cloudFront: () => CloudFrontClient;
  readonly clock?: Clock;
  readonly onEvent?: (event: RunEvent) => void;
  readonly timing?: WaitTiming;
  /** How many more invalidation ids a saved state may hold (the Lambda's token is size-limited). */
  readonly roomForIds?: (state: SendState) => number;
  /** Every AWS call is aborted at this epoch ms (the Lambda: its own end, less the time to report). */
  readonly abortAt?: number;
  /** The longest a resumed run may last from its start (the Lambda: CodePipeline's 24 hours). */
  readonly maxDurationMs?: number;
  /** Names the endpoint in messages about calls that got no answer. */
  readonly endpoint?: string;
}

/**
 * - `completed`: every invalidation was seen Completed; `in-progress`: created, CloudFront is still
 *   working (not waited for, or the wait timed out: then `error` says so);
 * - `continuing`: one round ran and `state` must be passed back in `resume` later;
 * - `dry-run`; `nothing-changed`: the changes held none; `outside-prefix`: keys changed, but none
 *   under the key prefix, so this distribution serves none of them (a warning says which);
 * - `failed`: `error` says why, classified.
 */
export type RunStatus =
  | "completed"
  | "in-progress"
  | "continuing"
  | "dry-run"
  | "nothing-changed"
  | "outside-prefix"
  | "failed";

export interface InvalidationReport {
  readonly status: RunStatus;
  readonly distributionIds: readonly string[];
  /** Absent when the run failed before planning. */
  readonly outcome?: PlanOutcome;
  readonly warnings: readonly string[];
  readonly invalidations: readonly CreatedInvalidation[];
  readonly unsent: readonly UnsentBatch[];
  /** `continuing`: the progress to resume from. */
  readonly state?: SendState;
  readonly error?: InvalidationError;
}

/**
 * The whole job: reads the changes, plans, and (unless a dry run) sends and waits, within the
 * deadline. Never throws: any failure is in the report, classified, with whatever was created
 * before it.
 *
 * @example
 * const report = await runInvalidation(
 *   { distributionIds: ["E2QWRUHAPOMQZL"], changes: { kind: "log", bytes: createReadStream("sync.log"), source: "--sync-log sync.log" },
 *     wait: false, waitTimeoutMs: 600_000, caller: { base: "cli-gitlab-123" } },
 *   { cloudFront: () => createCloudFrontClient() },
 * );
 */
export async function runInvalidation(
  request: InvalidationRequest,
  deps: RunDependencies,
): Promise<InvalidationReport> {
  const clock = deps.clock ?? systemClock;
  const emit = deps.onEvent ?? (() => {});
  const base = { distributionIds: request.distributionIds, invalidations: [], unsent: [] };
  let outcome: PlanOutcome;
  let warnings: string[];
  try {
    ({ outcome, warnings } = await planRequest(request));
  } catch (error) {
    return { ...base, status: "failed", warnings: [], error: classifyError(error) };
  }
  for (const message of warnings) emit({ type: "warning", message });
  emit({ type: "planned", outcome });
  const planned = { ...base, outcome, warnings };
  if (outcome.outsidePrefix) return { ...planned, status: "outside-prefix" };
  if (outcome.nothingChanged || outcome.plan.batches.length === 0) return { ...planned, status: "nothing-changed" };
  if (request.dryRun) return { ...planned, status: "dry-run" };

  const { batches } = outcome.plan;
  const caller = request.caller;
  const context: SendContext = {
    client: deps.cloudFront(),
    batches,
    callerReference: callerReferences({ ...caller, batches }),
    clock,
    created: new Map(),
    onEvent: emit,
    ...(deps.timing === undefined ? {} : { timing: deps.timing }),
    ...(deps.roomForIds === undefined ? {} : { roomForIds: deps.roomForIds }),
    ...(deps.abortAt === undefined ? {} : { abortAt: deps.abortAt }),
    ...(deps.endpoint === undefined ? {} : { endpoint: deps.endpoint }),
  };
  let state: SendState | undefined;
  try {
    state =
      request.resume === undefined
        ? startSending({
            distributionIds: request.distributionIds,
            batches,
            wait: request.wait,
            now: clock.now(),
            deadline: clock.now() + request.waitTimeoutMs,
            ...(deps.timing === undefined ? {} : { timing: deps.timing }),
          })
        : checkResumedState(request.resume, request.distributionIds, batches, {
            now: clock.now(),
            maxDurationMs: deps.maxDurationMs ?? Number.POSITIVE_INFINITY,
          });
    for (;;) {
      const round = await advanceSending(state, context);
      state = round.state;
      if (round.delayMs === undefined) break;
      if (request.oneRound) {
        return { ...planned, status: "continuing", state, ...sent(state, context) };
      }
      await clock.sleep(round.delayMs);
    }
    if (request.resume !== undefined) await readBackResumed(state, context);
    const result = sent(state, context);
    const completed = result.invalidations.every((i) => i.status === "Completed");
    return { ...planned, ...result, status: completed ? "completed" : "in-progress" };
  } catch (thrown) {
    const error = classifyError(thrown);
    // A deadline error carries the statuses as last polled; otherwise the state tells what was created.
    const fromState = state === undefined ? { invalidations: [], unsent: [] } : sent(state, context);
    const created =
      error instanceof DeadlineExceededError && error.invalidations.length > 0
        ? error.invalidations
        : fromState.invalidations;
    const unsent = error instanceof DeadlineExceededError && error.unsent.length > 0 ? error.unsent : fromState.unsent;
    // A wait that timed out after everything was created leaves work going on in CloudFront.
    const status = error.kind === "timeout" && created.length > 0 ? "in-progress" : "failed";
    return { ...planned, status, invalidations: created, unsent, error };
  }
}

function sent(state: SendState, context: SendContext) {
  return { invalidations: invalidationsOf(state, context), unsent: unsentOf(state, context.batches) };
}

/**
 * A resumed state names invalidations this invocation did not create: before they are reported as
 * done, each is read back from CloudFront, so an id that CloudFront never gave is never reported.
 */
async function readBackResumed(state: SendState, context: SendContext): Promise<void> {
  const refs = state.distributions.flatMap((d) =>
    d.invalidations
      .filter((inv) => !context.created?.has(`${d.distributionId}/${inv.id}`))
      .map((inv) => ({ distributionId: d.distributionId, id: inv.id })),
  );
  if (refs.length === 0) return;
  try {
    await getInvalidationStatuses(context.client, refs);
  } catch (error) {
    const classified = classifyError(error);
    if (classified.kind !== "configuration") throw classified;
    throw new ConfigurationError(
      `the saved progress names an invalidation that CloudFront does not know, so it is not reported: ${classified.message}`,
      { cause: classified },
    );
  }
}

/** Reads the changes and the site listing, and plans. Throws ConfigurationError on bad input. */
async function planRequest(request: InvalidationRequest): Promise<{ outcome: PlanOutcome; warnings: string[] }> {
  const warnings: string[] = [];
  let changedKeys: readonly string[] | undefined;
  if (request.changes?.kind === "log") {
    const read = await readChangeLog(request.changes.bytes, request.changes.source);
    warnings.push(...read.warnings);
    changedKeys = read.keys;
  } else if (request.changes?.kind === "keys") {
    changedKeys = request.changes.keys;
  }
  const site = request.site;
  const siteKeys = site === undefined ? undefined : "keys" in site ? site.keys : await listSiteKeys(site.directory);
  const outcome = buildPlan({
    ...(request.paths === undefined ? {} : { paths: request.paths }),
    ...(changedKeys === undefined ? {} : { changedKeys }),
    ...(request.mapping?.s3Prefix === undefined ? {} : { s3Prefix: request.mapping.s3Prefix }),
    ...(request.mapping?.indexDocument === undefined ? {} : { indexDocument: request.mapping.indexDocument }),
    ...(request.maxPaths === undefined ? {} : { maxPaths: request.maxPaths }),
    ...(siteKeys === undefined ? {} : { siteKeys }),
  });
  warnings.push(...outcome.warnings);
  if (outcome.outsidePrefix) {
    const prefix = request.mapping?.s3Prefix ?? "";
    warnings.push(
      `every changed key lies outside the key prefix ${JSON.stringify(prefix)}, so nothing was invalidated: ` +
        "if the distribution serves these keys, correct the prefix (it is the origin path, without the bucket)",
    );
  }
  return { outcome, warnings };
}
