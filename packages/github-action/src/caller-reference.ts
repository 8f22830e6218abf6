import { createHash } from "node:crypto";

/**
 * CloudFront's API reference gives `CallerReference` no length limit (checked November 2026; unsure
 * whether the service enforces one). Staying within 128 characters is safe under any plausible
 * limit and still readable; a longer reference keeps a readable start and ends in a hash of the
 * whole, so distinct references stay distinct.
 */
export const MAX_CALLER_REFERENCE_LENGTH = 128;

/** The variables the runner sets that identify one execution of one step. */
export interface RunIdentity {
  /** GITHUB_RUN_ID: the same for every attempt of a workflow run. */
  readonly runId: string;
  /** GITHUB_RUN_ATTEMPT: 1, then 2, ... on "Re-run jobs". */
  readonly runAttempt: string;
  /** GITHUB_JOB: the job's id in the workflow. */
  readonly job: string;
  /** GITHUB_ACTION: the step's id, or `__owner_repo`, `__owner_repo_2` for two uses in one job. */
  readonly action: string;
}

export function runIdentity(env: NodeJS.ProcessEnv): RunIdentity | undefined {
  const runId = env.GITHUB_RUN_ID?.trim();
  if (!runId) return undefined;
  return {
    runId,
    runAttempt: env.GITHUB_RUN_ATTEMPT?.trim() || "1",
    job: env.GITHUB_JOB?.trim() || "job",
    action: env.GITHUB_ACTION?.trim() || "step",
  };
}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** Keeps a reference readable in the console and within the length limit; distinct inputs stay distinct. */
export function fitCallerReference(reference: string): string {
  if (reference.length <= MAX_CALLER_REFERENCE_LENGTH) return reference;
  const hash = sha256(reference).slice(0, 32);
  return `${reference.slice(0, MAX_CALLER_REFERENCE_LENGTH - hash.length - 1)}-${hash}`;
}

const safe = (part: string): string => part.replace(/[^A-Za-z0-9._-]/g, "_");

export interface CallerReferenceOptions {
  /** The `caller-reference` input, if the user gave one. */
  readonly given?: string;
  /** The runner's identity of this step; absent outside GitHub Actions. */
  readonly run?: RunIdentity;
  /** The plan's batches, to tell batches apart. */
  readonly batches: readonly (readonly string[])[];
  /** Used only outside GitHub Actions, where no run id exists: then each execution is new. */
  readonly now: number;
}

/**
 * Builds the `(distributionId, batchIndex) → CallerReference` function for the core.
 *
 * Default: `gha-<run id>-<attempt>-<job>-<step>-<distribution>-b<batch>-<paths digest>`. A step
 * that runs again in the same attempt sends the same reference (CloudFront returns the existing
 * invalidation), while "Re-run jobs" raises the attempt and makes a new one. The digest of the
 * batch's paths keeps two matrix legs of one job (same job id, same step id) with different
 * paths from colliding on InvalidationBatchAlreadyExists.
 *
 * A reference the user gives is used as-is for the first batch and suffixed `-b2`, `-b3`, ...
 * for the others; references are per distribution, so several distributions may share it.
 */
export function callerReferences(
  options: CallerReferenceOptions,
): (distributionId: string, batchIndex: number) => string {
  const { given, run, batches, now } = options;
  if (given !== undefined) {
    return (_distributionId, batchIndex) =>
      fitCallerReference(batchIndex === 0 ? given : `${given}-b${batchIndex + 1}`);
  }
  const base = run
    ? `gha-${safe(run.runId)}-${safe(run.runAttempt)}-${safe(run.job)}-${safe(run.action)}`
    : `local-${now}`;
  return (distributionId, batchIndex) => {
    const digest = sha256((batches[batchIndex] ?? []).join("\n")).slice(0, 12);
    return fitCallerReference(`${base}-${distributionId}-b${batchIndex + 1}-${digest}`);
  };
}
