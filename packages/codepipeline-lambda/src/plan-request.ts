import { S3Client } from "@aws-sdk/client-s3";
import {
  ConfigurationError,
  classifyError,
  decodeChangeText,
  type InvalidationError,
  PermissionError,
  type PlanRequest,
  TransientError,
} from "invalidation-core";
import {
  type ArtifactCredentials,
  createArtifactS3Client,
  diffManifests,
  type Manifest,
  type ManifestLocation,
  manifestFromDirectory,
  manifestLocation,
  openArtifact,
  readArtifactFile,
  readManifest,
  writeManifest,
} from "./artifacts/index.js";
import { changeListForKeys } from "./change-list.js";
import {
  type CodePipelineJob,
  type JobInputArtifact,
  readArtifactCredentials,
  readEncryptionKey,
  readInputArtifacts,
} from "./codepipeline-event.js";
import type { Logger } from "./logger.js";
import { type ArtifactInput, type JobConfig, normalizePrefix } from "./user-parameters.js";

/** What to invalidate for this job, and what to do once all of it has succeeded. */
export interface ResolvedPlanRequest {
  /** The core's `buildPlan` input. */
  readonly request: PlanRequest;
  /**
   * Runs once, after every invalidation of the job succeeded and before the final success is
   * reported (diffArtifact: writes the new manifest). A throw fails the job. Returns a note for the summary.
   */
  readonly onFinalSuccess?: () => Promise<string>;
}

/**
 * The seam between a job and the core: what to invalidate, from the configuration and the job's input
 * artifacts. It must be deterministic for one job and its continuations, since each continuation
 * recomputes the plan from the same inputs instead of carrying paths in the (size-limited) token:
 * the artifact is the same object (same revision) and the manifest is written only at the very end.
 */
export type ResolvePlanRequest = (
  config: JobConfig,
  job: CodePipelineJob,
  logger: Logger,
) => Promise<ResolvedPlanRequest>;

/** Environment variables naming the manifest's location; the template sets both. */
export const MANIFEST_BUCKET_ENV = "MANIFEST_BUCKET";
export const MANIFEST_PREFIX_ENV = "MANIFEST_PREFIX";

export interface PlanRequestDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The function's own S3 client (its role), for the manifest only. Default: created on first use. */
  readonly manifestS3?: S3Client;
  /** Builds the client that reads artifacts with the job's artifactCredentials. One per job. */
  readonly artifactS3?: (credentials: ArtifactCredentials) => S3Client;
}

/** The S3 client for the manifest: the function's role, path-style when an endpoint is set (local emulators). */
export function createManifestS3Client(env: Readonly<Record<string, string | undefined>> = process.env): S3Client {
  return new S3Client({ forcePathStyle: (env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL) !== undefined });
}

/**
 * The resolver the Lambda uses:
 * - no artifact keys: the explicit `paths`, or `/*` (the behaviour before issue #8);
 * - `syncLog`: the log inside the input artifact becomes the core's change list, united with `paths`;
 * - `diffArtifact`: the artifact's entries against the stored manifest; what was added, changed or
 *   removed becomes the change list (first run, no manifest: `/*`). The new manifest is written by
 *   `onFinalSuccess`, so a run that fails is retried with the same diff.
 */
export function createPlanRequestResolver(deps: PlanRequestDeps): ResolvePlanRequest {
  let manifestS3 = deps.manifestS3;
  const ownS3 = () => {
    manifestS3 ??= createManifestS3Client(deps.env);
    return manifestS3;
  };
  const artifactS3 = deps.artifactS3 ?? ((credentials) => createArtifactS3Client(credentials, {}, deps.env));
  return async (config, job, logger) => {
    const common: PlanRequest = {
      ...(config.paths === undefined ? {} : { paths: config.paths }),
      ...(config.maxPaths === undefined ? {} : { maxPaths: config.maxPaths }),
    };
    const input = config.input;
    if (input === undefined) return { request: common };
    const artifact = pickArtifact(readInputArtifacts(job), input);
    const credentials = readArtifactCredentials(job);
    if (credentials === undefined) {
      throw new PermissionError(
        "The job carries no artifactCredentials, so its input artifacts cannot be read (this function never reads them with its own role)",
      );
    }
    const encryption = readEncryptionKey(job);
    // SSE-KMS needs nothing on our side: S3 decrypts on GetObject for credentials that may use the key,
    // which CodePipeline grants the artifactCredentials. Logged (the key id is no secret) to help with KMS errors.
    logger.info("reading the input artifact", {
      artifact: artifact.name,
      revision: artifact.revision,
      location: `s3://${artifact.location.s3Location.bucketName}/${artifact.location.s3Location.objectKey}`,
      ...(encryption === undefined ? {} : { encryptionKeyType: encryption.type, encryptionKeyId: encryption.id }),
    });
    const client = artifactS3(credentials);
    const mapping = {
      ...(config.s3Prefix === undefined ? {} : { s3Prefix: config.s3Prefix }),
      ...(config.indexDocument === undefined ? {} : { indexDocument: config.indexDocument }),
    };
    if (input.kind === "syncLog") {
      const opened = await openArtifact(client, artifact);
      const bytes = await readArtifactFile(opened, input.path);
      // Decoded as written (UTF-8, UTF-16 with a BOM, or Latin-1 with a warning), as in the other adapters.
      const { text, warning } = decodeChangeText(bytes, `the sync log ${input.path} in artifact ${artifact.name}`);
      if (warning) logger.warn(warning);
      logger.info("read the sync log", { artifact: artifact.name, path: input.path, bytes: bytes.length });
      return { request: { ...common, ...mapping, changes: text } };
    }
    return resolveDiff({ config, input, artifact, client, ownS3: ownS3(), env: deps.env, logger, common, mapping });
  };
}

/** The input artifact a setting names; ConfigurationError (naming the artifacts there are) otherwise. */
function pickArtifact(artifacts: readonly JobInputArtifact[], input: ArtifactInput): JobInputArtifact {
  const key = input.kind;
  const names = artifacts.map((a) => JSON.stringify(a.name)).join(", ");
  if (artifacts.length === 0) {
    throw new ConfigurationError(
      `UserParameters.${key} needs an input artifact, but the Invoke action has none: add InputArtifacts (the build's or the deployed artifact) to the action`,
    );
  }
  if (input.artifact === undefined) {
    const only = artifacts[0];
    if (artifacts.length > 1 || only === undefined) {
      throw new ConfigurationError(
        `UserParameters.syncLog names no artifact, but the action has ${artifacts.length} input artifacts (${names}): ` +
          `give {"syncLog":{"artifact":"<name>","path":${JSON.stringify(input.kind === "syncLog" ? input.path : "sync.log")}}}`,
      );
    }
    return only;
  }
  const found = artifacts.find((a) => a.name === input.artifact);
  if (found === undefined) {
    throw new ConfigurationError(
      `UserParameters.${key} names the input artifact ${JSON.stringify(input.artifact)}, but the action's input artifacts are ${names}: ` +
        "use one of those names, or add the artifact to the action's InputArtifacts",
    );
  }
  return found;
}

interface DiffContext {
  readonly config: JobConfig;
  readonly input: Extract<ArtifactInput, { kind: "diffArtifact" }>;
  readonly artifact: JobInputArtifact;
  readonly client: S3Client;
  readonly ownS3: S3Client;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  readonly common: PlanRequest;
  readonly mapping: Pick<PlanRequest, "s3Prefix" | "indexDocument">;
}

async function resolveDiff(context: DiffContext): Promise<ResolvedPlanRequest> {
  const { config, input, artifact, client, ownS3, env, logger, common, mapping } = context;
  const location = locateManifest(config, input, env);
  // Both reads are needed and independent. A manifest that exists but cannot be read fails the job:
  // only a manifest that does not exist at all (the documented first run) leads to `/*`.
  const [opened, previous] = await Promise.all([openArtifact(client, artifact), readManifest(ownS3, location)]);
  const current = manifestFromDirectory(opened.directory);
  const diff = diffManifests(previous, current);
  const onFinalSuccess = () => storeManifest(ownS3, location, current, logger);
  const where = `s3://${location.bucket}/${location.key}`;
  if (diff.firstRun) {
    logger.info("no artifact manifest yet (first run): invalidating /*", {
      manifest: where,
      files: current.entries.size,
    });
    return { request: { ...common, paths: ["/*", ...(common.paths ?? [])] }, onFinalSuccess };
  }
  logger.info("compared the artifact with the manifest of the last successful run", {
    manifest: where,
    added: diff.added.length,
    changed: diff.changed.length,
    removed: diff.removed.length,
    unchanged: diff.unchanged,
  });
  const served = normalizePrefix(config.s3Prefix);
  const deployed = (name: string) => `${input.deployPrefix}${name}`;
  const list = changeListForKeys(diff.changedKeys.map(deployed), (key) =>
    key.startsWith(served) ? key.slice(served.length) : undefined,
  );
  if (list.fallbackKeys.length > 0) {
    logger.warn("some changed names cannot be listed as they are; wildcards cover them", {
      keys: list.fallbackKeys.slice(0, 10).map((k) => JSON.stringify(k)),
      wildcards: list.fallbackPaths,
    });
  }
  const explicit = [...list.fallbackPaths, ...(common.paths ?? [])];
  return {
    request: {
      ...common,
      ...mapping,
      ...(explicit.length === 0 ? {} : { paths: explicit }),
      changes: list.changes,
      // Every file the artifact deploys, relative to the served prefix: lets the planner pick the
      // wildcards that hit the fewest unchanged files when the budget is tight.
      siteKeys: [...current.entries.keys()]
        .map(deployed)
        .flatMap((k) => (k.startsWith(served) ? [k.slice(served.length)] : [])),
    },
    // Nothing changed: the manifest would be rewritten as it is. Skip the write.
    ...(diff.changedKeys.length === 0 ? {} : { onFinalSuccess }),
  };
}

function locateManifest(
  config: JobConfig,
  input: Extract<ArtifactInput, { kind: "diffArtifact" }>,
  env: Readonly<Record<string, string | undefined>>,
): ManifestLocation {
  const bucket = env[MANIFEST_BUCKET_ENV]?.trim();
  if (!bucket) {
    throw new ConfigurationError(
      `UserParameters.diffArtifact needs a place for the artifact manifest, but the function's ${MANIFEST_BUCKET_ENV} is not set: ` +
        "deploy the function with the package's template.yaml (it creates the bucket, or takes ManifestBucketName)",
    );
  }
  const prefix = env[MANIFEST_PREFIX_ENV];
  return manifestLocation({
    bucket,
    ...(prefix === undefined ? {} : { keyPrefix: normalizePrefix(prefix) }),
    ...(input.manifestKey === undefined ? {} : { manifestKey: input.manifestKey }),
    distributionIds: config.distributionIds,
    s3Prefix: input.deployPrefix,
  });
}

async function storeManifest(
  client: S3Client,
  location: ManifestLocation,
  manifest: Manifest,
  logger: Logger,
): Promise<string> {
  try {
    await writeManifest(client, location, manifest);
  } catch (error) {
    // The invalidations are done, but without the new manifest the next run would diff against the
    // old one. Fail (keeping the failure's kind), so the action is retried with the same diff.
    const classified = classifyError(error, "writing the artifact manifest");
    throw sameKind(
      classified,
      `The invalidations succeeded, but the artifact manifest could not be stored, so this run does not count as done: ${classified.message}. Retry the action.`,
    );
  }
  logger.info("artifact manifest stored", {
    manifest: `s3://${location.bucket}/${location.key}`,
    files: manifest.entries.size,
  });
  return `Artifact manifest stored (${manifest.entries.size} files)`;
}

function sameKind(error: InvalidationError, message: string): InvalidationError {
  switch (error.kind) {
    case "configuration":
      return new ConfigurationError(message, { cause: error });
    case "permission":
      return new PermissionError(message, { cause: error });
    default:
      return new TransientError(message, { cause: error });
  }
}
