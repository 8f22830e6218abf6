import type { PlanRequest } from "invalidation-core";
import type { CodePipelineJob } from "./codepipeline-event.js";
import type { JobConfig } from "./user-parameters.js";

/**
 * What to invalidate for this job, as the core's `buildPlan` takes it.
 *
 * The seam for reading input artifacts (issue #8, `src/artifacts/`): a sync log or a diff in
 * the job's input artifact becomes `changes` (and maybe `siteKeys`) here. It must stay
 * deterministic for one job and its continuations, since each continuation recomputes the plan
 * from the same inputs instead of carrying paths in the (size-limited) continuation token.
 */
export type ResolvePlanRequest = (config: JobConfig, job: CodePipelineJob) => Promise<PlanRequest>;

/** Today's resolver: the explicit paths (or `/*` when none), within `maxPaths`. */
export const resolvePlanRequest: ResolvePlanRequest = async (config) => ({
  ...(config.paths === undefined ? {} : { paths: config.paths }),
  ...(config.maxPaths === undefined ? {} : { maxPaths: config.maxPaths }),
});
