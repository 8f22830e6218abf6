import {
  CloudFrontClient,
  CreateInvalidationCommand,
  GetInvalidationCommand,
  type Invalidation,
  ListInvalidationsCommand,
} from "@aws-sdk/client-cloudfront";
import { ConfigurationError, classifyError, errorName } from "./errors.js";

export interface CloudFrontClientOptions {
  /** SDK attempts per call (standard retry strategy). Default 3. */
  readonly maxAttempts?: number;
  /**
   * Signing region. Default `us-east-1`, whatever `AWS_REGION` says: CloudFront is global and
   * signs in us-east-1. Only the China partition needs another (`cn-northwest-1`).
   */
  readonly region?: string;
}

/**
 * Every call's connection and request timeouts. Without them an endpoint that accepts a connection
 * and never answers holds the run forever; with them each attempt gives up and the SDK retries
 * (standard retries), and the engine's deadline aborts whatever is left (see send-engine.ts).
 * CreateInvalidation answers in well under a second; 20 s leaves room for a slow network.
 */
export const CALL_TIMEOUTS = { connectionTimeout: 5_000, requestTimeout: 20_000 } as const;

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
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new ConfigurationError(
      `maxAttempts must be a whole number of at least 1, got ${JSON.stringify(options.maxAttempts)}`,
    );
  }
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

export interface CreatedInvalidation {
  readonly distributionId: string;
  readonly id: string;
  /** `InProgress` or `Completed` (normalized from whatever case the endpoint used). */
  readonly status: string;
  readonly paths: readonly string[];
  readonly callerReference: string;
  /** Which batch of the plan this is. */
  readonly batchIndex: number;
}

const withSignal = (abortSignal: AbortSignal | undefined) => (abortSignal === undefined ? {} : { abortSignal });

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
  readonly client: CloudFrontClient;
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
  const { client, distributionId, batches } = options;
  if (!Number.isInteger(options.fromBatch) || options.fromBatch < 0 || options.fromBatch > batches.length) {
    throw new ConfigurationError(
      `fromBatch must be a whole number between 0 and ${batches.length}, got ${JSON.stringify(options.fromBatch)}`,
    );
  }
  const created: CreatedInvalidation[] = [];
  for (let batchIndex = options.fromBatch; batchIndex < batches.length; batchIndex++) {
    const paths = batches[batchIndex] ?? [];
    const callerReference = options.callerReference(batchIndex);
    let invalidation: Invalidation | undefined;
    try {
      const output = await client.send(
        new CreateInvalidationCommand({
          DistributionId: distributionId,
          InvalidationBatch: { CallerReference: callerReference, Paths: { Quantity: paths.length, Items: [...paths] } },
        }),
        withSignal(options.abortSignal),
      );
      invalidation = output.Invalidation;
    } catch (error) {
      const name = errorName(error);
      if (name === "TooManyInvalidationsInProgress") return { created, nextBatch: batchIndex, busy: true };
      if (name === "InvalidationBatchAlreadyExists") {
        throw new ConfigurationError(
          `CreateInvalidation on ${distributionId} failed: caller reference ${JSON.stringify(callerReference)} ` +
            `was already used for batch ${batchIndex} with other paths. A caller reference must identify one ` +
            "deploy: use a new one (for example a new run or job id) when the paths change",
          { cause: error },
        );
      }
      throw classifyError(error, `CreateInvalidation on ${distributionId}`);
    }
    if (invalidation?.Id === undefined) {
      throw classifyError(
        new Error("the response holds no invalidation id"),
        `CreateInvalidation on ${distributionId} (batch ${batchIndex})`,
      );
    }
    const entry: CreatedInvalidation = {
      distributionId,
      id: invalidation.Id,
      status: normalizeStatus(invalidation.Status),
      paths: invalidation.InvalidationBatch?.Paths?.Items ?? [...paths],
      callerReference: invalidation.InvalidationBatch?.CallerReference ?? callerReference,
      batchIndex,
    };
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
  client: CloudFrontClient,
  refs: readonly InvalidationRef[],
  abortSignal?: AbortSignal,
): Promise<InvalidationStatus[]> {
  const statuses: InvalidationStatus[] = [];
  // One after the other: a handful of refs per run, and GetInvalidation is rate limited per account.
  for (const ref of refs) {
    try {
      const output = await client.send(
        new GetInvalidationCommand({ DistributionId: ref.distributionId, Id: ref.id }),
        withSignal(abortSignal),
      );
      statuses.push({
        distributionId: ref.distributionId,
        id: ref.id,
        status: normalizeStatus(output.Invalidation?.Status),
      });
    } catch (error) {
      throw classifyError(error, `GetInvalidation ${ref.id} on ${ref.distributionId}`);
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
  client: CloudFrontClient,
  distributionId: string,
  abortSignal?: AbortSignal,
): Promise<InvalidationRef[]> {
  try {
    const output = await client.send(
      new ListInvalidationsCommand({ DistributionId: distributionId, MaxItems: 100 }),
      withSignal(abortSignal),
    );
    return (output.InvalidationList?.Items ?? [])
      .filter((item) => item.Id !== undefined && normalizeStatus(item.Status) !== COMPLETED)
      .map((item) => ({ distributionId, id: item.Id as string }));
  } catch (error) {
    throw classifyError(error, `ListInvalidations on ${distributionId}`);
  }
}
