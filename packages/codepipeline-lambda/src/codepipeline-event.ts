import * as v from "valibot";
import type { ArtifactCredentials, ArtifactLocation } from "./artifacts/index.js";

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

// The artifact parts of `data`: validated only when an artifact is actually needed.
const InputArtifactSchema = v.looseObject({
  name: v.pipe(v.string(), v.minLength(1)),
  revision: v.optional(v.nullable(v.string())),
  location: v.looseObject({
    type: v.optional(v.string()),
    s3Location: v.looseObject({
      bucketName: v.pipe(v.string(), v.minLength(1)),
      objectKey: v.pipe(v.string(), v.minLength(1)),
    }),
  }),
});
const CredentialsSchema = v.looseObject({
  accessKeyId: v.pipe(v.string(), v.minLength(1)),
  secretAccessKey: v.pipe(v.string(), v.minLength(1)),
  sessionToken: v.pipe(v.string(), v.minLength(1)),
});
const EncryptionKeySchema = v.looseObject({ id: v.string(), type: v.string() });

/** One input artifact of the job, as the event describes it. */
export interface JobInputArtifact extends ArtifactLocation {
  readonly revision: string | undefined;
}

/** The job's input artifacts, in the event's order. Throws an Error naming the problem when malformed. */
export function readInputArtifacts(job: CodePipelineJob): JobInputArtifact[] {
  const raw = job.data.inputArtifacts;
  if (raw === undefined || raw === null) return [];
  const result = v.safeParse(v.array(InputArtifactSchema), raw);
  if (!result.success) {
    throw new Error(
      `the event's inputArtifacts are not shaped as CodePipeline sends them (${result.issues
        .map((i) => `${v.getDotPath(i) ?? "inputArtifacts"}: ${i.message}`)
        .join("; ")})`,
    );
  }
  return result.output.map((a) => ({
    name: a.name,
    revision: a.revision ?? undefined,
    location: {
      ...(a.location.type === undefined ? {} : { type: a.location.type }),
      s3Location: { bucketName: a.location.s3Location.bucketName, objectKey: a.location.s3Location.objectKey },
    },
  }));
}

/**
 * The job's `artifactCredentials`: temporary credentials that may read (only) this job's artifacts.
 * Undefined when absent or incomplete. Never log them.
 */
export function readArtifactCredentials(job: CodePipelineJob): ArtifactCredentials | undefined {
  const result = v.safeParse(CredentialsSchema, job.data.artifactCredentials);
  if (!result.success) return undefined;
  const { accessKeyId, secretAccessKey, sessionToken } = result.output;
  return { accessKeyId, secretAccessKey, sessionToken };
}

/** The artifact store's encryption key (`{id, type: "KMS"}`), when the store uses SSE-KMS. */
export function readEncryptionKey(job: CodePipelineJob): { id: string; type: string } | undefined {
  const result = v.safeParse(EncryptionKeySchema, job.data.encryptionKey);
  return result.success ? { id: result.output.id, type: result.output.type } : undefined;
}
