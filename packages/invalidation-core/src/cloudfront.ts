// OWNER: core-send helper. Contract below is shared; keep exported names and shapes.
import type { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import type { Clock } from "./clock.js";

export interface CloudFrontClientOptions {
  /** SDK attempts per call (standard retry strategy). Default 3. */
  readonly maxAttempts?: number;
}

/**
 * A CloudFront client as every adapter needs it: signing region us-east-1 (CloudFront is
 * global), credentials and endpoint (`AWS_ENDPOINT_URL[_CLOUDFRONT]`) from the environment.
 */
export function createCloudFrontClient(options: CloudFrontClientOptions = {}): CloudFrontClient {
  void options;
  throw new Error("not implemented");
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
}

export interface SubmitBatchesResult {
  readonly created: readonly CreatedInvalidation[];
  /** Index of the first batch not yet sent (`batches.length` when all were sent). */
  readonly nextBatch: number;
  /** CloudFront refused the next batch with TooManyInvalidationsInProgress: try again later. */
  readonly busy: boolean;
}

/**
 * One step, no waiting: sends batches in order from `fromBatch` until all are sent or CloudFront
 * answers TooManyInvalidationsInProgress (then `busy`). Other errors throw, classified.
 * The Lambda calls this once per continuation; `invalidate` loops on it.
 */
export async function submitBatches(options: SubmitBatchesOptions): Promise<SubmitBatchesResult> {
  void options;
  throw new Error("not implemented");
}

/**
 * One poll, no waiting: GetInvalidation for each ref. Errors throw, classified (an AccessDenied
 * is a PermissionError at once, never a reason to poll again).
 */
export async function getInvalidationStatuses(
  client: CloudFrontClient,
  refs: readonly InvalidationRef[],
): Promise<InvalidationStatus[]> {
  void client;
  void refs;
  throw new Error("not implemented");
}

export interface InvalidateOptions {
  readonly client: CloudFrontClient;
  readonly distributionIds: readonly string[];
  readonly batches: readonly (readonly string[])[];
  /** Stable across retries of one job or run, different for a new one. */
  readonly callerReference: (distributionId: string, batchIndex: number) => string;
  /** Wait for completion after creating. */
  readonly wait: boolean;
  /** Epoch milliseconds: past it, waiting (for a free slot or for completion) stops with DeadlineExceededError. */
  readonly deadline: number;
  readonly clock?: Clock;
  readonly onEvent?: (event: SendEvent) => void;
}

export interface InvalidateResult {
  readonly invalidations: readonly CreatedInvalidation[];
  /** True when every invalidation is known to be Completed. */
  readonly completed: boolean;
}

/**
 * Creates the plan's invalidations on every distribution, batch by batch as in-progress slots
 * free up, and optionally waits for completion. Idempotent through `callerReference`.
 */
export async function invalidate(options: InvalidateOptions): Promise<InvalidateResult> {
  void options;
  throw new Error("not implemented");
}
