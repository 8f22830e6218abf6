import type { CloudFrontClient, DistributionConfig } from "@aws-sdk/client-cloudfront";
import { buildPlan, type PlanOutcome } from "./build-plan.js";
import { requireCacheTagConfig } from "./cache-tags.js";
import { callerReferences } from "./caller-reference.js";
import { type ChangeLogBytes, readChangeLog } from "./change-source.js";
import { type Clock, systemClock } from "./clock.js";
import { apisOf, distributionInvalidationApi, type SendEvent, tenantInvalidationApi } from "./cloudfront.js";
import {
  checkPrefixAgainstDistribution,
  originPrefixForBucket,
  readDistributionConfig,
  resolveDistributionIds,
} from "./distribution.js";
import { type ResolvedTenant, resolveTenant } from "./distribution-tenant.js";
import {
  ConfigurationError,
  type CreatedInvalidation,
  classifyError,
  DeadlineExceededError,
  type InvalidationError,
  named,
  type UnsentBatch,
} from "./errors.js";
import { isDistributionId, type KeyMappingOptions } from "./paths.js";
import { CLOUDFRONT_LIMITS, type InvalidationLimits } from "./plan.js";
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
  /** CloudFront's in-progress limits, for batching (default CLOUDFRONT_LIMITS; tests make them small). */
  readonly limits?: InvalidationLimits;
  /** The path price: a collapsing plan spends a path only where it keeps this many more URLs cached. */
  readonly urlsPerPath?: number;
  /** Wait until every invalidation completes. */
  readonly wait: boolean;
  /** How long waiting (for a free slot, for completion) may take, from the start of the run. */
  readonly waitTimeoutMs: number;
  /** Plan and report only: no client is made, nothing is sent. */
  readonly dryRun?: boolean;
  readonly caller: CallerIdentity;
  /**
   * Read the distribution's configuration (GetDistributionConfig) to find the key prefix of the
   * bucket that was synced (its origin's OriginPath) when none is given, and to warn when a given
   * one contradicts it. Not in a dry run, which makes no call.
   */
  readonly readDistribution?: boolean;
  /** The bucket that was synced (`s3-uri`, the deploy location); else the sync log's `s3://` bucket. */
  readonly syncedBucket?: string;
  /**
   * Distribution tenants to invalidate (ids, names or domains; resolved with `resolveTenant`), next to
   * or instead of `distributionIds`: each is planned, batched and waited for through the tenant APIs.
   */
  readonly tenants?: readonly string[];
  /** Cache tags to invalidate (`#tag` items, validated by `parseCacheTags`); need a CacheTagConfig. */
  readonly cacheTags?: readonly string[];
  /** How the user named each input, for messages: `--distribution-id`, `input "s3-prefix"`, ... */
  readonly names?: {
    readonly distribution?: string;
    readonly tenant?: string;
    readonly keyPrefix?: string;
    readonly cacheTags?: string;
    /** The synced folder (`site: { directory }`): `--site-dir`. */
    readonly site?: string;
  };
  /** Progress saved by an earlier invocation (the Lambda's continuation): carry on from it. */
  readonly resume?: SendState;
  /**
   * Run one round of the engine and report its state instead of sleeping (the Lambda, which cannot
   * sleep: CodePipeline calls it again). Default: run to the end in this process.
   */
  readonly oneRound?: boolean;
}

/** The key prefix stripped from keys: given by the user, or read from the distribution's origin path. */
export interface KeyPrefix {
  readonly value: string;
  readonly from: "given" | "distribution";
}

/** What the run tells its adapter as it goes; the adapter renders them. */
export type RunEvent =
  | SendEvent
  | { readonly type: "warning"; readonly message: string }
  | {
      readonly type: "planned";
      readonly outcome: PlanOutcome;
      /** The key prefix the plan used, and where it came from (given, or the distribution's origin path). */
      readonly keyPrefix?: KeyPrefix;
    };

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
  /** The key prefix the paths were mapped with, and where it came from. */
  readonly keyPrefix?: KeyPrefix;
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
  let base = { distributionIds: request.distributionIds, invalidations: [], unsent: [] };
  let client: CloudFrontClient | undefined;
  const cloudFront = () => {
    client ??= deps.cloudFront();
    return client;
  };
  let outcome: PlanOutcome;
  let warnings: string[];
  let keyPrefix: KeyPrefix | undefined;
  let targets: Targets;
  try {
    const read = await readChanges(request);
    targets = await readTargets(request, read.buckets, cloudFront);
    base = { ...base, distributionIds: targets.distributionIds };
    keyPrefix = targets.keyPrefix;
    ({ outcome, warnings } = plan(request, read, targets));
  } catch (error) {
    return { ...base, status: "failed", warnings: [], error: classifyError(error) };
  }
  for (const message of warnings) emit({ type: "warning", message });
  emit({ type: "planned", outcome, ...(keyPrefix === undefined ? {} : { keyPrefix }) });
  const planned = { ...base, outcome, warnings, ...(keyPrefix === undefined ? {} : { keyPrefix }) };
  if (outcome.outsidePrefix) return { ...planned, status: "outside-prefix" };
  if (outcome.nothingChanged || outcome.plan.batches.length === 0) return { ...planned, status: "nothing-changed" };
  if (request.dryRun) return { ...planned, status: "dry-run" };

  const { batches } = outcome.plan;
  const caller = request.caller;
  const tenants = targets.tenants;
  const context: SendContext = {
    client:
      tenants.size === 0
        ? cloudFront()
        : (id: string) => {
            const tenant = tenants.get(id);
            return tenant === undefined
              ? distributionInvalidationApi(cloudFront(), id)
              : tenantInvalidationApi(cloudFront(), tenant);
          },
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
    const now = clock.now();
    state =
      request.resume === undefined
        ? startSending({
            distributionIds: base.distributionIds,
            batches,
            wait: request.wait,
            now,
            deadline: now + request.waitTimeoutMs,
            ...(deps.timing === undefined ? {} : { timing: deps.timing }),
          })
        : checkResumedState(request.resume, base.distributionIds, batches, {
            now,
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
    // A deadline error carries the statuses as last polled; otherwise the state tells what was created,
    // with what the failing round created before it failed (the context saw it; the state never did).
    const fromState =
      state === undefined ? { invalidations: [], unsent: [] } : withFailedRound(sent(state, context), context);
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

/** Adds the invalidations a round created before it threw, and takes their batches off the unsent. */
function withFailedRound(
  before: { invalidations: CreatedInvalidation[]; unsent: UnsentBatch[] },
  context: SendContext,
): { invalidations: CreatedInvalidation[]; unsent: UnsentBatch[] } {
  const key = (i: { distributionId: string; batchIndex: number }) => `${i.distributionId}/${i.batchIndex}`;
  const known = new Set(before.invalidations.map(key));
  const late = [...(context.created?.values() ?? [])].filter((i) => !known.has(key(i)));
  if (late.length === 0) return before;
  const sentNow = new Set(late.map(key));
  return {
    invalidations: [...before.invalidations, ...late],
    unsent: before.unsent.filter((b) => !sentNow.has(key(b))),
  };
}

/**
 * A resumed state names invalidations this invocation did not create: before they are reported as
 * done, each is read back from CloudFront, and its caller reference must be the one this run gives
 * that batch. So an id that CloudFront never gave, or gave to another run, is never reported.
 */
async function readBackResumed(state: SendState, context: SendContext): Promise<void> {
  const apis = apisOf(context.client);
  for (const d of state.distributions) {
    const api = apis(d.distributionId);
    for (const inv of d.invalidations) {
      if (context.created?.has(`${d.distributionId}/${inv.id}`)) continue;
      const refuse = (why: string, cause?: unknown): never => {
        throw new ConfigurationError(
          `the saved progress names invalidation ${inv.id} on ${api.label}, ${why}, so it is not reported. Run the deploy again to start afresh`,
          cause === undefined ? {} : { cause },
        );
      };
      let found: { callerReference: string };
      try {
        found = await api.get(inv.id);
      } catch (error) {
        const classified = classifyError(error, api.describe("GetInvalidation", inv.id));
        if (classified.kind !== "configuration") throw classified;
        return refuse(`which CloudFront does not know (${classified.message})`, classified);
      }
      const expected = context.callerReference(d.distributionId, inv.batchIndex);
      if (found.callerReference !== expected) {
        refuse(
          `but CloudFront made it for caller reference ${JSON.stringify(found.callerReference)}, not this run's ${JSON.stringify(expected)}`,
        );
      }
    }
  }
}

interface ChangesRead {
  readonly changedKeys: readonly string[] | undefined;
  readonly buckets: readonly string[];
  readonly siteKeys: readonly string[] | undefined;
  readonly warnings: readonly string[];
}

/** Reads the changes and the site listing. Throws ConfigurationError on bad input. */
async function readChanges(request: InvalidationRequest): Promise<ChangesRead> {
  const changes = request.changes;
  const read =
    changes?.kind === "log"
      ? await readChangeLog(changes.bytes, changes.source)
      : { keys: changes?.keys, buckets: [], warnings: [] };
  const site = request.site;
  const listSite = (directory: string) => named(request.names?.site, () => listSiteKeys(directory));
  const siteKeys = site === undefined ? undefined : "keys" in site ? site.keys : await listSite(site.directory);
  return { changedKeys: read.keys, buckets: read.buckets, siteKeys, warnings: read.warnings };
}

interface Targets {
  /** What the engine sends to: distribution ids, then tenant ids. */
  readonly distributionIds: readonly string[];
  /** The tenants among them, by id. */
  readonly tenants: ReadonlyMap<string, ResolvedTenant>;
  readonly keyPrefix?: KeyPrefix;
  readonly warnings: readonly string[];
}

/**
 * What the distributions themselves tell (issue 17): names resolve to ids (ListDistributions, only
 * when a name is given); with `readDistribution`, the origin that serves the synced bucket gives the
 * key prefix when none is given, or a warning when the given one contradicts it; cache tags need the
 * distribution's CacheTagConfig. A configuration that cannot be read is only worth a warning,
 * unless cache tags depend on it.
 */
async function readTargets(
  request: InvalidationRequest,
  logBuckets: readonly string[],
  cloudFront: () => CloudFrontClient,
): Promise<Targets> {
  const names = request.names ?? {};
  const distributionName = names.distribution ?? "the distribution";
  const prefixName = names.keyPrefix ?? "the key prefix";
  const given = request.mapping?.s3Prefix;
  const givenPrefix = given === undefined ? undefined : { value: given, from: "given" as const };
  const distributions = request.distributionIds.every(isDistributionId)
    ? request.distributionIds
    : await resolveDistributionIds(cloudFront(), request.distributionIds, distributionName);
  const tenants = new Map<string, ResolvedTenant>();
  for (const tenant of request.tenants ?? []) {
    const resolved = await resolveTenant(cloudFront(), tenant, names.tenant ?? "the tenant");
    tenants.set(resolved.id, resolved);
  }
  const distributionIds = [...distributions, ...tenants.keys()];
  const tags = request.cacheTags ?? [];
  const bucket = request.syncedBucket ?? (logBuckets.length === 1 ? logBuckets[0] : undefined);
  const readPrefix = request.readDistribution === true && !request.dryRun && bucket !== undefined;
  if (!readPrefix && tags.length === 0) {
    return { distributionIds, tenants, warnings: [], ...(givenPrefix === undefined ? {} : { keyPrefix: givenPrefix }) };
  }
  const warnings: string[] = [];
  const derived = new Set<string>();
  for (const target of distributionIds) {
    // A tenant's origins, behaviors and cache-tag configuration are its distribution's.
    const distributionId = tenants.get(target)?.distributionId ?? target;
    let config: DistributionConfig;
    try {
      config = await readDistributionConfig(cloudFront(), distributionId);
    } catch (error) {
      if (tags.length > 0) throw error;
      warnings.push(
        `${classifyError(error).message}; ` +
          (given === undefined
            ? `keys are mapped without a prefix: grant cloudfront:GetDistributionConfig, or give ${prefixName}`
            : `${prefixName} is used as given, unchecked`),
      );
      continue;
    }
    requireCacheTagConfig(config, distributionId, tags, names.cacheTags ?? "the cache tags");
    if (!readPrefix || bucket === undefined) continue;
    const origin = originPrefixForBucket(config, bucket, distributionId);
    if (!origin.served) {
      warnings.push(origin.message);
    } else if (given !== undefined) {
      const contradiction = checkPrefixAgainstDistribution(given, origin, prefixName);
      if (contradiction !== undefined) warnings.push(contradiction);
    } else if (origin.keyPrefix === undefined) {
      warnings.push(
        `distribution ${distributionId} serves bucket ${JSON.stringify(bucket)} through origins with different origin paths: ` +
          `keys are mapped without a prefix; give ${prefixName} to choose one`,
      );
    } else {
      derived.add(origin.keyPrefix);
    }
  }
  if (givenPrefix !== undefined) return { distributionIds, tenants, warnings, keyPrefix: givenPrefix };
  if (derived.size > 1) {
    warnings.push(
      `the distributions serve bucket ${JSON.stringify(bucket)} from different key prefixes (${[...derived].map((p) => JSON.stringify(p)).join(", ")}): ` +
        `keys are mapped without a prefix; invalidate them one at a time, or give ${prefixName}`,
    );
    return { distributionIds, tenants, warnings };
  }
  const [only] = derived;
  return {
    distributionIds,
    tenants,
    warnings,
    ...(only === undefined ? {} : { keyPrefix: { value: only, from: "distribution" } }),
  };
}

/** Plans the changes with the key prefix decided; cache tags go first, billed like paths. */
function plan(
  request: InvalidationRequest,
  read: ChangesRead,
  targets: Targets,
): { outcome: PlanOutcome; warnings: string[] } {
  const warnings: string[] = [...read.warnings, ...targets.warnings];
  const tags = request.cacheTags ?? [];
  const s3Prefix = targets.keyPrefix?.value;
  const planned = buildPlan({
    ...(request.paths === undefined ? {} : { paths: request.paths }),
    // Tags alone ask for nothing else: no change list must not mean `/*` then.
    ...(read.changedKeys !== undefined || (tags.length > 0 && request.paths === undefined)
      ? { changedKeys: read.changedKeys ?? [] }
      : {}),
    ...(s3Prefix === undefined ? {} : { s3Prefix }),
    ...(request.mapping?.indexDocument === undefined ? {} : { indexDocument: request.mapping.indexDocument }),
    ...(request.maxPaths === undefined ? {} : { maxPaths: request.maxPaths }),
    ...(request.urlsPerPath === undefined ? {} : { urlsPerPath: request.urlsPerPath }),
    ...(request.limits === undefined ? {} : { limits: request.limits }),
    ...(read.siteKeys === undefined ? {} : { siteKeys: read.siteKeys }),
  });
  warnings.push(...planned.warnings);
  if (planned.outsidePrefix) {
    warnings.push(
      `every changed key lies outside the key prefix ${JSON.stringify(s3Prefix ?? "")}, so nothing was invalidated: ` +
        "if the distribution serves these keys, correct the prefix (it is the origin path, without the bucket)",
    );
  }
  const outcome = tags.length === 0 ? planned : withCacheTags(planned, tags, request.limits ?? CLOUDFRONT_LIMITS);
  return { outcome, warnings };
}

/**
 * Adds cache-tag items to a plan. Whether CloudFront counts a tag against the 15 wildcards or the
 * 3,000 paths in progress is not documented: they are counted as wildcards, the stricter limit, so
 * a batch is never refused for it. Tags go in the first batch when it has room, else in batches of
 * their own before the rest.
 */
function withCacheTags(outcome: PlanOutcome, tags: readonly string[], limits: InvalidationLimits): PlanOutcome {
  const { plan } = outcome;
  const perBatch = limits.maxWildcardPaths;
  const first = plan.batches[0] ?? [];
  const firstWildcards = first.filter((path) => path.endsWith("*")).length;
  const batches =
    tags.length + firstWildcards <= perBatch && first.length + tags.length <= limits.maxFilePaths
      ? [[...tags, ...first], ...plan.batches.slice(1)]
      : [
          ...Array.from({ length: Math.ceil(tags.length / perBatch) }, (_, i) =>
            tags.slice(i * perBatch, (i + 1) * perBatch),
          ),
          ...plan.batches,
        ];
  return {
    ...outcome,
    nothingChanged: false,
    outsidePrefix: false,
    plan: { ...plan, paths: [...tags, ...plan.paths], batches, pathCount: plan.pathCount + tags.length },
  };
}
