import { ciExecutionId } from "invalidation-core";

/**
 * The `base` of the action's caller references (the core adds the rest): the core's
 * `gha-<run id>-<attempt>-<job>-<step>`, so a step run again in the same attempt sends the same
 * references (CloudFront returns the existing invalidations) while "Re-run jobs" makes new ones.
 * Outside GitHub Actions: `local-<epoch ms>`, new per execution.
 */
export function callerReferenceBase(env: Readonly<Record<string, string | undefined>>, now: number): string {
  return ciExecutionId(env) ?? `local-${now}`;
}
