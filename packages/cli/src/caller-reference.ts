import { ciExecutionId } from "invalidation-core";

/**
 * The `base` of the CLI's caller references (the rest of the reference is the core's):
 * - in CI, `cli-<ci>-<execution id>` (the core's `ciExecutionId`): stable across re-runs of the
 *   command within one job execution, so a wrapper that re-runs the CLI after a network failure
 *   does not pay for the same paths twice; new for a retried job;
 * - elsewhere, `cli-<epoch ms>-<nonce>`: every run is a new invalidation (the nonce tells apart two
 *   laptop runs in one millisecond).
 */
export function callerReferenceBase(
  env: Readonly<Record<string, string | undefined>>,
  now: number,
  nonce: string,
): string {
  return `cli-${ciExecutionId(env) ?? `${now}-${nonce}`}`;
}
