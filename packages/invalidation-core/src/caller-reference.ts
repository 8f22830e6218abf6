import { createHash } from "node:crypto";

/**
 * The longest `CallerReference` this package sends. CloudFront's API reference gives the field no
 * length limit (checked November 2026; unsure whether the service enforces one). 128 characters
 * is safe under any plausible limit and still readable in the console; a longer reference is cut
 * by {@link fitCallerReference}, which keeps distinct references distinct.
 */
export const MAX_CALLER_REFERENCE_LENGTH = 128;

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/**
 * Keeps a reference within {@link MAX_CALLER_REFERENCE_LENGTH}: a reference that fits is returned
 * unchanged; a longer one keeps a readable start and ends in a hash of the whole, so two distinct
 * references never become the same one (which would make CloudFront answer the second with the
 * first's invalidation, or fail it with `InvalidationBatchAlreadyExists`).
 *
 * @example fitCallerReference("deploy-42") // "deploy-42"
 */
export function fitCallerReference(reference: string): string {
  if (reference.length <= MAX_CALLER_REFERENCE_LENGTH) return reference;
  const hash = sha256(reference).slice(0, 32);
  return `${reference.slice(0, MAX_CALLER_REFERENCE_LENGTH - hash.length - 1)}-${hash}`;
}

/**
 * Replaces every character outside `A-Z a-z 0-9 . _ -` with `_`, so values from the environment
 * (job names, build tags) read safely in a reference. Character by character: sanitizing parts
 * and joining them with `-` gives the same as sanitizing the joined whole.
 */
export function safeReferencePart(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]/g, "_");
}

/**
 * Variables that identify ONE execution of one CI job, most specific first; the first variable of
 * each must be set, the others are added when they are. A job's own id is used rather than its
 * pipeline's: "retry job" in GitLab, Jenkins or CodeBuild re-uploads the site and must get a fresh
 * invalidation, not CloudFront's answer for the earlier run (which may be long completed, before the
 * new upload). In GitHub Actions the step (GITHUB_ACTION) is part of it, so two steps of one job
 * that deploy get their own references, while a step run again in the same attempt gets the same.
 */
const CI_EXECUTION_IDS: readonly (readonly [name: string, vars: readonly string[]])[] = [
  // GitHub first: only a GitHub runner sets these, and one may itself run inside another CI (a
  // CodeBuild-hosted runner), whose build id would not tell the run, attempt, job and step apart.
  ["gha", ["GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT", "GITHUB_JOB", "GITHUB_ACTION"]],
  ["codebuild", ["CODEBUILD_BUILD_ID"]],
  ["gitlab", ["CI_JOB_ID"]],
  ["buildkite", ["BUILDKITE_JOB_ID"]],
  ["circleci", ["CIRCLE_WORKFLOW_JOB_ID"]],
  ["bitbucket", ["BITBUCKET_PIPELINE_UUID", "BITBUCKET_STEP_UUID"]],
  ["azure", ["BUILD_BUILDID", "SYSTEM_JOBATTEMPT", "SYSTEM_JOBID"]],
  // Jenkins last: BUILD_TAG (`jenkins-<job>-<number>`) is unique per build.
  ["jenkins", ["BUILD_TAG"]],
];

/**
 * The CI execution this process runs in (`gitlab-123456`, `gha-<run>-<attempt>-<job>-<step>`), or
 * undefined outside CI: the stable part of an adapter's caller-reference `base`.
 */
export function ciExecutionId(env: Readonly<Record<string, string | undefined>>): string | undefined {
  for (const [name, vars] of CI_EXECUTION_IDS) {
    const parts = vars.map((v) => env[v]?.trim() ?? "");
    if (parts[0] === "") continue;
    return [name, ...parts.filter((part) => part !== "").map(safeReferencePart)].join("-");
  }
  return undefined;
}

export interface CallerReferencesOptions {
  /** A reference the user chose (a flag or input); used as-is, see {@link callerReferences}. */
  readonly given?: string;
  /**
   * What identifies this execution, derived by the adapter (`gha-<run>-<attempt>-<job>-<step>`,
   * `cli-gitlab-123`, ...). Characters outside `A-Z a-z 0-9 . _ -` become `_`.
   */
  readonly base: string;
  /** The plan's batches, in order: the digest of each batch's paths goes into its reference. */
  readonly batches: readonly (readonly string[])[];
}

/**
 * Builds the `(distributionId, batchIndex) → CallerReference` function that `invalidate` takes.
 *
 * - Given REF: `REF` for the first batch, `REF-b2`, `REF-b3`, ... for the others.
 * - Otherwise: `<base>-<distribution>-b<n>-<digest>`, where `<digest>` is 12 hex characters of the
 *   SHA-256 of the batch's paths (one a line).
 *
 * Why per distribution: CloudFront scopes a reference to one distribution, so the same reference
 * on two distributions makes two independent invalidations; the distribution id is in the default
 * form anyway so that a reference read in a log says where it went. A given REF is the same on
 * every distribution.
 *
 * Why a digest: the same reference with other paths fails with `InvalidationBatchAlreadyExists`.
 * Two executions that share a base (two matrix legs of one job, two runs of a command in one CI
 * job) but plan different paths must not collide; the same execution asking again for the same
 * paths gets the same reference, and so CloudFront's existing invalidation instead of a second bill.
 *
 * Why 128: every reference goes through {@link fitCallerReference}.
 *
 * @example
 * const ref = callerReferences({ base: "cli-gitlab-987654", batches: [["/index.html"], ["/blog/*"]] });
 * ref("E2QWRUHAPOMQZL", 0); // "cli-gitlab-987654-E2QWRUHAPOMQZL-b1-<12 hex>"
 */
export function callerReferences(
  options: CallerReferencesOptions,
): (distributionId: string, batchIndex: number) => string {
  const { given, batches } = options;
  if (given !== undefined) {
    return (_distributionId, batchIndex) =>
      fitCallerReference(batchIndex === 0 ? given : `${given}-b${batchIndex + 1}`);
  }
  const base = safeReferencePart(options.base);
  return (distributionId, batchIndex) => {
    const digest = sha256((batches[batchIndex] ?? []).join("\n")).slice(0, 12);
    return fitCallerReference(`${base}-${safeReferencePart(distributionId)}-b${batchIndex + 1}-${digest}`);
  };
}
