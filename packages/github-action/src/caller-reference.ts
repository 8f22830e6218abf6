/**
 * How the action names its executions for the core's `callerReferences`: the rest of the
 * reference (distribution, batch, paths digest, the 128-character cap) is the core's.
 */

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

/**
 * The `base` of the action's caller references: `gha-<run id>-<attempt>-<job>-<step>`. A step that
 * runs again in the same attempt sends the same references (CloudFront returns the existing
 * invalidations), while "Re-run jobs" raises the attempt and makes new ones. Outside GitHub
 * Actions no run id exists: `local-<epoch ms>`, a new reference per execution. The core
 * replaces unsafe characters.
 */
export function callerReferenceBase(run: RunIdentity | undefined, now: number): string {
  return run ? `gha-${run.runId}-${run.runAttempt}-${run.job}-${run.action}` : `local-${now}`;
}
