/** How the action names its executions for the core's `callerReferences` (which adds the rest). */

/** The runner's variables that identify one execution of one step. */
export interface RunIdentity {
  /** GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT (raised by "Re-run jobs"), GITHUB_JOB, GITHUB_ACTION (the step). */
  readonly runId: string;
  readonly runAttempt: string;
  readonly job: string;
  readonly action: string;
}

export function runIdentity(env: NodeJS.ProcessEnv): RunIdentity | undefined {
  const runId = env.GITHUB_RUN_ID?.trim();
  if (!runId) return undefined;
  const [runAttempt, job, action] = [env.GITHUB_RUN_ATTEMPT, env.GITHUB_JOB, env.GITHUB_ACTION].map((v) => v?.trim());
  return { runId, runAttempt: runAttempt || "1", job: job || "job", action: action || "step" };
}

/**
 * `gha-<run id>-<attempt>-<job>-<step>`: a step run again in the same attempt sends the same
 * references (CloudFront returns the existing invalidations), "Re-run jobs" makes new ones.
 * Outside GitHub Actions: `local-<epoch ms>`, new per execution.
 */
export function callerReferenceBase(run: RunIdentity | undefined, now: number): string {
  return run ? `gha-${run.runId}-${run.runAttempt}-${run.job}-${run.action}` : `local-${now}`;
}
