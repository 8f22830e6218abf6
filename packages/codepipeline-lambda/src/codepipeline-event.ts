import * as v from "valibot";

/**
 * The parts of a CodePipeline Invoke event that this function reads. `artifactCredentials`
 * and the rest stay in the raw event (never logged); artifact reading (issue #8) takes them from there.
 */
export interface CodePipelineJob {
  readonly id: string;
  readonly accountId: string | undefined;
  /** The action's `UserParameters`, or undefined when the action sets none. */
  readonly userParameters: string | undefined;
  readonly continuationToken: string | undefined;
  /** The raw `data` object, for artifact readers. Holds credentials: never log it. */
  readonly data: Readonly<Record<string, unknown>>;
}

const JobSchema = v.looseObject({
  id: v.pipe(v.string(), v.minLength(1)),
  accountId: v.optional(v.string()),
  data: v.optional(
    v.looseObject({
      actionConfiguration: v.optional(
        v.looseObject({
          configuration: v.optional(v.looseObject({ UserParameters: v.optional(v.string()) })),
        }),
      ),
      continuationToken: v.optional(v.string()),
    }),
  ),
});

/** Reads the job out of a Lambda event; undefined when it is not a CodePipeline job event. */
export function readCodePipelineJob(event: unknown): CodePipelineJob | undefined {
  if (typeof event !== "object" || event === null) return undefined;
  const result = v.safeParse(JobSchema, (event as Record<string, unknown>)["CodePipeline.job"]);
  if (!result.success) return undefined;
  const job = result.output;
  const userParameters = job.data?.actionConfiguration?.configuration?.UserParameters;
  const continuationToken = job.data?.continuationToken;
  return {
    id: job.id,
    accountId: job.accountId,
    userParameters: userParameters === undefined || userParameters.trim() === "" ? undefined : userParameters,
    continuationToken: continuationToken === undefined || continuationToken === "" ? undefined : continuationToken,
    data: (job.data ?? {}) as Record<string, unknown>,
  };
}
