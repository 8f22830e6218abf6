import {
  CloudFrontClient,
  CreateInvalidationCommand,
  CreateInvalidationForDistributionTenantCommand,
  GetInvalidationCommand,
  GetInvalidationForDistributionTenantCommand,
  type Invalidation,
  type InvalidationSummary,
  ListInvalidationsCommand,
  ListInvalidationsForDistributionTenantCommand,
} from "@aws-sdk/client-cloudfront";
import { CALL_TIMEOUTS } from "./call-timeouts.js";
import { checkCount } from "./check-count.js";
import type { ResolvedTenant } from "./distribution-tenant.js";
import { ConfigurationError, type CreatedInvalidation, classifyError, errorName } from "./errors.js";

export interface CloudFrontClientOptions {
  /** SDK attempts per call (standard retry strategy). Default 3. */
  readonly maxAttempts?: number;
  /**
   * Signing region. Default `us-east-1`, whatever `AWS_REGION` says: CloudFront is global and
   * signs in us-east-1. Only the China partition needs another (`cn-northwest-1`).
   */
  readonly region?: string;
}

/** The SDK's default number of attempts per call. */
export const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * A CloudFront client as every adapter needs it: signing region us-east-1 (CloudFront is
 * global), credentials and endpoint (`AWS_ENDPOINT_URL[_CLOUDFRONT]`) from the environment.
 *
 * @example
 * const client = createCloudFrontClient({ maxAttempts: 5 });
 */
export function createCloudFrontClient(options: CloudFrontClientOptions = {}): CloudFrontClient {
  const maxAttempts = checkCount(options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, "maxAttempts");
  // An explicit region wins over AWS_REGION; the endpoint and credentials are left to the SDK's
  // own resolution from the environment (AWS_ENDPOINT_URL_CLOUDFRONT, AWS_ENDPOINT_URL, profiles, ...).
  return new CloudFrontClient({
    region: options.region ?? "us-east-1",
    retryMode: "standard",
    maxAttempts,
    requestHandler: CALL_TIMEOUTS,
  });
}

/** Identifies one invalidation. */
export interface InvalidationRef {
  readonly distributionId: string;
  readonly id: string;
}

export interface InvalidationStatus extends InvalidationRef {
  /** `InProgress` or `Completed` (normalized from whatever case the endpoint used). */
  readonly status: string;
}

export type SendEvent =
  | { readonly type: "created"; readonly invalidation: CreatedInvalidation }
  | {
      readonly type: "waiting-for-slot";
      readonly distributionId: string;
      readonly batchIndex: number;
      readonly retryInMs: number;
    }
  | { readonly type: "progress"; readonly completed: number; readonly total: number; readonly elapsedMs: number };

export interface SubmitBatchesOptions {
  /** A client (the target is a distribution), or the API of each target. */
  readonly client: CloudFrontClient | InvalidationApis;
  readonly distributionId: string;
  readonly batches: readonly (readonly string[])[];
  /** Index of the first batch to send (batches before it were sent earlier). */
  readonly fromBatch: number;
  readonly callerReference: (batchIndex: number) => string;
  /** Called as soon as each invalidation exists, before the next batch is sent (or an error thrown). */
  readonly onCreated?: (invalidation: CreatedInvalidation) => void;
  /** Aborts the call under way (the run's deadline). */
  readonly abortSignal?: AbortSignal;
}

export interface SubmitBatchesResult {
  readonly created: readonly CreatedInvalidation[];
  /** Index of the first batch not yet sent (`batches.length` when all were sent). */
  readonly nextBatch: number;
  /** CloudFront refused the next batch with TooManyInvalidationsInProgress: try again later. */
  readonly busy: boolean;
}

const COMPLETED = "Completed";
const IN_PROGRESS = "InProgress";

/**
 * CloudFront says `InProgress` and `Completed`; moto says `COMPLETED`. Anything that is not
 * recognisably completed counts as still in progress, so an odd answer makes us wait, never skip.
 */
export function normalizeStatus(status: string | undefined): string {
  const folded = (status ?? "").toLowerCase().replace(/[^a-z]/g, "");
  return folded === "completed" ? COMPLETED : IN_PROGRESS;
}

/**
 * One step, no waiting: sends batches in order from `fromBatch` until all are sent or CloudFront
 * answers TooManyInvalidationsInProgress (then `busy`). Other errors throw, classified.
 * The Lambda calls this once per continuation; `invalidate` loops on it.
 *
 * Resending a batch with the same caller reference is safe: CloudFront returns the invalidation
 * it created the first time.
 */
export async function submitBatches(options: SubmitBatchesOptions): Promise<SubmitBatchesResult> {
  const { distributionId, batches } = options;
  const api = apisOf(options.client)(distributionId);
  if (!Number.isInteger(options.fromBatch) || options.fromBatch < 0 || options.fromBatch > batches.length) {
    throw new ConfigurationError(
      `fromBatch must be a whole number between 0 and ${batches.length}, got ${JSON.stringify(options.fromBatch)}`,
    );
  }
  const created: CreatedInvalidation[] = [];
  for (let batchIndex = options.fromBatch; batchIndex < batches.length; batchIndex++) {
    const paths = batches[batchIndex] ?? [];
    const callerReference = options.callerReference(batchIndex);
    let invalidation: InvalidationState;
    try {
      invalidation = await api.create(paths, callerReference, options.abortSignal);
    } catch (error) {
      const name = errorName(error);
      if (name === "TooManyInvalidationsInProgress") return { created, nextBatch: batchIndex, busy: true };
      if (name === "InvalidationBatchAlreadyExists") {
        throw new ConfigurationError(
          `${api.describe("CreateInvalidation")} failed: caller reference ${JSON.stringify(callerReference)} ` +
            `was already used for batch ${batchIndex} with other paths. A caller reference must identify one ` +
            "deploy: use a new one (for example a new run or job id) when the paths change",
          { cause: error },
        );
      }
      throw classifyError(error, api.describe("CreateInvalidation"));
    }
    const entry: CreatedInvalidation = { distributionId, ...invalidation, batchIndex };
    created.push(entry);
    options.onCreated?.(entry);
  }
  return { created, nextBatch: batches.length, busy: false };
}

/**
 * One poll, no waiting: GetInvalidation for each ref. Errors throw, classified (an AccessDenied
 * is a PermissionError at once, never a reason to poll again).
 */
export async function getInvalidationStatuses(
  client: CloudFrontClient | InvalidationApis,
  refs: readonly InvalidationRef[],
  abortSignal?: AbortSignal,
): Promise<InvalidationStatus[]> {
  const apis = apisOf(client);
  const statuses: InvalidationStatus[] = [];
  // One after the other: a handful of refs per run, and GetInvalidation is rate limited per account.
  for (const ref of refs) {
    const api = apis(ref.distributionId);
    try {
      const { status } = await api.get(ref.id, abortSignal);
      statuses.push({ distributionId: ref.distributionId, id: ref.id, status });
    } catch (error) {
      throw classifyError(error, api.describe("GetInvalidation", ref.id));
    }
  }
  return statuses;
}

/**
 * The invalidations in progress on a distribution (the first page of ListInvalidations, newest
 * first, which is where running ones are). Used to tell when a slot frees up after
 * TooManyInvalidationsInProgress. Errors throw, classified.
 */
export async function listRunningInvalidations(
  client: CloudFrontClient | InvalidationApis,
  distributionId: string,
  abortSignal?: AbortSignal,
): Promise<InvalidationRef[]> {
  const api = apisOf(client)(distributionId);
  try {
    return (await api.list(abortSignal))
      .filter((item) => item.status !== COMPLETED)
      .map((item) => ({ distributionId, id: item.id }));
  } catch (error) {
    throw classifyError(error, api.describe("ListInvalidations"));
  }
}

// ---------------------------------------------------------------------------------------------
// One shape for sending and polling, whatever the target: a distribution or a distribution tenant
// ---------------------------------------------------------------------------------------------

/** An invalidation as the engine needs it, from either API. */
export interface InvalidationState {
  readonly id: string;
  /** `InProgress` or `Completed` (normalized, see `normalizeStatus`). */
  readonly status: string;
  readonly paths: readonly string[];
  readonly callerReference: string;
}

export interface InvalidationListing {
  readonly id: string;
  readonly status: string;
}

type Call = "CreateInvalidation" | "GetInvalidation" | "ListInvalidations";

/**
 * Creates, reads and lists invalidations on one target, a distribution or a distribution tenant,
 * so that one send/wait engine serves both.
 *
 * Errors are the SDK's, unclassified, so the engine can match `TooManyInvalidationsInProgress`
 * and `InvalidationBatchAlreadyExists` by name and classify the rest with
 * `classifyError(error, api.describe(call))`. The one exception: a tenant call's `EntityNotFound`
 * (which `classifyError` does not know) is thrown as a ConfigurationError.
 */
export interface InvalidationApi {
  readonly kind: "distribution" | "tenant";
  /** The distribution id, or the tenant id: what the engine's progress is kept under. */
  readonly targetId: string;
  /** The distribution whose limits and configuration apply (the tenant's multi-tenant distribution). */
  readonly distributionId: string;
  /** For messages and logs: `E2QWRUHAPOMQZL`, `tenant dt_abc (shop) of distribution E1…`. */
  readonly label: string;
  /** `describe("GetInvalidation", "I1")` → `GetInvalidation I1 on E2QWRUHAPOMQZL`, with the tenant API's own call names. */
  describe(call: Call, invalidationId?: string): string;
  create(paths: readonly string[], callerReference: string, signal?: AbortSignal): Promise<InvalidationState>;
  get(invalidationId: string, signal?: AbortSignal): Promise<InvalidationState>;
  /** The first page (newest first, at most 100), where running invalidations are. */
  list(signal?: AbortSignal): Promise<InvalidationListing[]>;
}

/** The API of each target the engine sends to, by target id. */
export type InvalidationApis = (targetId: string) => InvalidationApi;

function toState(
  invalidation: Invalidation | undefined,
  paths: readonly string[],
  callerReference: string,
  context: string,
): InvalidationState {
  if (invalidation?.Id === undefined) throw classifyError(new Error("the response holds no invalidation id"), context);
  return {
    id: invalidation.Id,
    status: normalizeStatus(invalidation.Status),
    paths: invalidation.InvalidationBatch?.Paths?.Items ?? [...paths],
    callerReference: invalidation.InvalidationBatch?.CallerReference ?? callerReference,
  };
}

function toListing(items: readonly InvalidationSummary[] | undefined): InvalidationListing[] {
  return (items ?? []).flatMap((item) =>
    item.Id === undefined ? [] : [{ id: item.Id, status: normalizeStatus(item.Status) }],
  );
}

const batchOf = (paths: readonly string[], callerReference: string) => ({
  CallerReference: callerReference,
  Paths: { Quantity: paths.length, Items: [...paths] },
});

const withSignal = (abortSignal: AbortSignal | undefined) => (abortSignal === undefined ? {} : { abortSignal });

/** `InvalidationApi` over CreateInvalidation, GetInvalidation and ListInvalidations. */
export function distributionInvalidationApi(client: CloudFrontClient, distributionId: string): InvalidationApi {
  const describe = (call: Call, id?: string) => `${call}${id === undefined ? "" : ` ${id}`} on ${distributionId}`;
  return {
    kind: "distribution",
    targetId: distributionId,
    distributionId,
    label: distributionId,
    describe,
    async create(paths, callerReference, signal) {
      const output = await client.send(
        new CreateInvalidationCommand({
          DistributionId: distributionId,
          InvalidationBatch: batchOf(paths, callerReference),
        }),
        withSignal(signal),
      );
      return toState(output.Invalidation, paths, callerReference, describe("CreateInvalidation"));
    },
    async get(invalidationId, signal) {
      const output = await client.send(
        new GetInvalidationCommand({ DistributionId: distributionId, Id: invalidationId }),
        withSignal(signal),
      );
      return toState(output.Invalidation, [], "", describe("GetInvalidation", invalidationId));
    },
    async list(signal) {
      const output = await client.send(
        new ListInvalidationsCommand({ DistributionId: distributionId, MaxItems: 100 }),
        withSignal(signal),
      );
      return toListing(output.InvalidationList?.Items);
    },
  };
}

/** Every target a distribution, through `client`: the engine's default. */
const distributionApis =
  (client: CloudFrontClient): InvalidationApis =>
  (distributionId) =>
    distributionInvalidationApi(client, distributionId);

const TENANT_CALLS = {
  CreateInvalidation: "CreateInvalidationForDistributionTenant",
  GetInvalidation: "GetInvalidationForDistributionTenant",
  ListInvalidations: "ListInvalidationsForDistributionTenant",
} as const;

/**
 * `InvalidationApi` over CreateInvalidationForDistributionTenant, GetInvalidationForDistributionTenant
 * and ListInvalidationsForDistributionTenant (all in @aws-sdk/client-cloudfront 3.1138.0).
 */
export function tenantInvalidationApi(client: CloudFrontClient, tenant: ResolvedTenant): InvalidationApi {
  const label = `tenant ${tenant.id}${tenant.name !== tenant.id ? ` (${tenant.name})` : ""} of distribution ${tenant.distributionId}`;
  const describe = (call: Call, id?: string) => `${TENANT_CALLS[call]}${id === undefined ? "" : ` ${id}`} on ${label}`;
  const notFound = (error: unknown, call: Call): unknown =>
    errorName(error) === "EntityNotFound"
      ? new ConfigurationError(
          `${describe(call)} failed: ${error instanceof Error ? error.message : String(error)} ` +
            "(the tenant or invalidation does not exist: check the tenant id)",
          { cause: error },
        )
      : error;
  return {
    kind: "tenant",
    targetId: tenant.id,
    distributionId: tenant.distributionId,
    label,
    describe,
    async create(paths, callerReference, signal) {
      try {
        const output = await client.send(
          new CreateInvalidationForDistributionTenantCommand({
            Id: tenant.id,
            InvalidationBatch: batchOf(paths, callerReference),
          }),
          withSignal(signal),
        );
        return toState(output.Invalidation, paths, callerReference, describe("CreateInvalidation"));
      } catch (error) {
        throw notFound(error, "CreateInvalidation");
      }
    },
    async get(invalidationId, signal) {
      try {
        const output = await client.send(
          new GetInvalidationForDistributionTenantCommand({ DistributionTenantId: tenant.id, Id: invalidationId }),
          withSignal(signal),
        );
        return toState(output.Invalidation, [], "", describe("GetInvalidation", invalidationId));
      } catch (error) {
        throw notFound(error, "GetInvalidation");
      }
    },
    async list(signal) {
      try {
        const output = await client.send(
          new ListInvalidationsForDistributionTenantCommand({ Id: tenant.id, MaxItems: 100 }),
          withSignal(signal),
        );
        return toListing(output.InvalidationList?.Items);
      } catch (error) {
        throw notFound(error, "ListInvalidations");
      }
    },
  };
}

/** The API of each target, from a client (every target a distribution) or as given. */
export const apisOf = (target: CloudFrontClient | InvalidationApis): InvalidationApis =>
  typeof target === "function" ? target : distributionApis(target);
