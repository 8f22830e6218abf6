// OWNER: core-send helper. Contract below is shared; keep exported names and shapes.
import type { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import type { Clock } from "./clock.js";

/** Creates CloudFront clients the way every adapter needs them: region us-east-1, SDK retries. */
export interface CloudFrontClientOptions {
  readonly maxAttempts?: number;
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
