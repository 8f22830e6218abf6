import { safeReferencePart } from "invalidation-core";

/**
 * How the CLI names its executions for the core's `callerReferences` (the rest of the reference is
 * the core's). Variables that identify ONE execution of one CI job, most specific first. A job's own id is used
 * rather than its pipeline's: "retry job" in GitLab, Jenkins or CodeBuild re-uploads the site and
 * must get a fresh invalidation, not CloudFront's answer for the earlier run (which may be long
 * completed, before the new upload). Within one execution the reference is stable, so a wrapper
 * that re-runs the CLI after a network failure does not pay for the same paths twice.
 */
const CI_EXECUTION_IDS: readonly (readonly [name: string, vars: readonly string[]])[] = [
  ["codebuild", ["CODEBUILD_BUILD_ID"]],
  ["gitlab", ["CI_JOB_ID"]],
  ["gha", ["GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT", "GITHUB_JOB"]],
  ["buildkite", ["BUILDKITE_JOB_ID"]],
  ["circleci", ["CIRCLE_WORKFLOW_JOB_ID"]],
  ["bitbucket", ["BITBUCKET_PIPELINE_UUID", "BITBUCKET_STEP_UUID"]],
  ["azure", ["BUILD_BUILDID", "SYSTEM_JOBATTEMPT", "SYSTEM_JOBID"]],
  // Jenkins last: BUILD_TAG (`jenkins-<job>-<number>`) is unique per build.
  ["jenkins", ["BUILD_TAG"]],
];

/** The CI execution this process runs in (`gitlab-123456`), or undefined on a laptop. */
export function ciExecutionId(env: Readonly<Record<string, string | undefined>>): string | undefined {
  for (const [name, vars] of CI_EXECUTION_IDS) {
    const first = vars[0] === undefined ? undefined : env[vars[0]]?.trim();
    if (!first) continue;
    const parts = vars.map((v) => env[v]?.trim()).filter((p): p is string => !!p);
    return `${name}-${parts.map(safeReferencePart).join("-")}`;
  }
  return undefined;
}

/**
 * The `base` of the CLI's caller references:
 * - in CI, `cli-<ci>-<execution id>`: stable across re-runs of the command within one job
 *   execution, new for a retried job;
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
