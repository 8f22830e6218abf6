import { createHash } from "node:crypto";

/**
 * CloudFront documents no length limit for `CallerReference` (unsure whether the service enforces
 * one); 128 characters is safe under any plausible limit. Longer references keep a readable start
 * and end in a hash of the whole, so distinct references stay distinct.
 */
export const MAX_CALLER_REFERENCE_LENGTH = 128;

/**
 * Variables that identify ONE execution of one CI job, most specific first. A job's own id is used
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

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");
const safe = (part: string): string => part.replace(/[^A-Za-z0-9._-]/g, "_");

function fit(reference: string): string {
  if (reference.length <= MAX_CALLER_REFERENCE_LENGTH) return reference;
  const hash = sha256(reference).slice(0, 32);
  return `${reference.slice(0, MAX_CALLER_REFERENCE_LENGTH - hash.length - 1)}-${hash}`;
}

/** The CI execution this process runs in (`gitlab-123456`), or undefined on a laptop. */
export function ciExecutionId(env: Readonly<Record<string, string | undefined>>): string | undefined {
  for (const [name, vars] of CI_EXECUTION_IDS) {
    const first = vars[0] === undefined ? undefined : env[vars[0]]?.trim();
    if (!first) continue;
    const parts = vars.map((v) => env[v]?.trim()).filter((p): p is string => !!p);
    return `${name}-${parts.map(safe).join("-")}`;
  }
  return undefined;
}

export interface CallerReferenceOptions {
  /** --caller-reference, if given. */
  readonly given?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly batches: readonly (readonly string[])[];
  /** Epoch ms; used only outside CI, where each run is a new deploy. */
  readonly now: number;
  /** A random token for the same case (two laptop runs in one millisecond). */
  readonly nonce: string;
}

/**
 * Builds the core's `(distributionId, batchIndex) → CallerReference`.
 *
 * - Given REF: REF for the first batch, `REF-b2`, `REF-b3`, ... after it (the same on every
 *   distribution: references are scoped to a distribution).
 * - In CI: `cli-<ci>-<execution id>-<distribution>-b<n>-<digest of the batch's paths>`, stable across
 *   re-runs of the command within one job execution, new for a retried job.
 * - Elsewhere: `cli-<epoch ms>-<nonce>-...`: every run is a new invalidation.
 *
 * The paths digest keeps two runs with different paths in one job from colliding on
 * InvalidationBatchAlreadyExists.
 */
export function callerReferences(
  options: CallerReferenceOptions,
): (distributionId: string, batchIndex: number) => string {
  const { given, env, batches, now, nonce } = options;
  if (given !== undefined) {
    return (_distributionId, batchIndex) => fit(batchIndex === 0 ? given : `${given}-b${batchIndex + 1}`);
  }
  const base = `cli-${ciExecutionId(env) ?? `${now}-${safe(nonce)}`}`;
  return (distributionId, batchIndex) => {
    const digest = sha256((batches[batchIndex] ?? []).join("\n")).slice(0, 12);
    return fit(`${base}-${safe(distributionId)}-b${batchIndex + 1}-${digest}`);
  };
}
