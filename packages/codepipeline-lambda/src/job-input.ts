import type { S3Client } from "@aws-sdk/client-s3";
import {
  type ChangeInput,
  ConfigurationError,
  classifyError,
  type KeyMappingOptions,
  normalizeS3Prefix,
  PermissionError,
  restated,
} from "invalidation-core";
import { type ArtifactLimits, artifactLimits } from "./artifact-limits.js";
import {
  type ArtifactCredentials,
  createS3Client,
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
import {
  type CodePipelineJob,
  type JobInputArtifact,
  readArtifactCredentials,
  readEncryptionKey,
  readInputArtifacts,
} from "./codepipeline-event.js";
import type { Logger } from "./logger.js";
import type { ArtifactInput, JobConfig } from "./user-parameters.js";

/** What this job invalidates, as the core's request takes it, and what to do once all of it succeeded. */
export interface JobInput {
  readonly paths?: readonly string[];
  readonly maxPaths?: number;
  readonly changes?: ChangeInput;
  readonly mapping?: KeyMappingOptions;
  readonly site?: { readonly keys: readonly string[] };
  /** The bucket the artifact was deployed to, whose origin path gives the key prefix. */
  readonly syncedBucket?: string;
  /**
   * Runs once, after every invalidation of the job succeeded and before the final success is
   * reported (diffArtifact: writes the new manifest). A throw fails the job. Returns a note for the summary.
   */
  readonly onFinalSuccess?: () => Promise<string>;
}

/**
 * The seam between a job and the core. It must be deterministic for one job and its continuations:
 * each continuation plans again from the same inputs instead of carrying paths in the size-limited
 * token (the artifact is the same object, the manifest is written only at the very end), and the
 * core refuses to continue a state whose plan differs.
 */
export type ReadJobInput = (
  config: JobConfig,
  job: CodePipelineJob,
  logger: Logger,
  signal: AbortSignal,
) => Promise<JobInput>;

/** Environment variables naming the manifest's location; the template sets both. */
export const MANIFEST_BUCKET_ENV = "MANIFEST_BUCKET";
export const MANIFEST_PREFIX_ENV = "MANIFEST_PREFIX";

export interface JobInputDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The function's own S3 client (its role), for the manifest only. Default: created on first use. */
  readonly manifestS3?: S3Client;
  /** Builds the client that reads artifacts with the job's artifactCredentials. One per job. */
  readonly artifactS3?: (credentials: ArtifactCredentials) => S3Client;
  /** Default: from the function's memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE). */
  readonly limits?: ArtifactLimits;
}

/**
 * The reader the Lambda uses:
 * - no artifact keys: the explicit `paths`, or `/*`;
 * - `syncLog`: the log's bytes inside the input artifact, for the core to decode and parse, with `paths`;
 * - `diffArtifact`: the artifact's entries against the stored manifest; the names added, changed or
 *   removed are the changed keys (first run, no manifest: `/*`). The new manifest is written by
 *   `onFinalSuccess`, so a run that fails is retried with the same diff.
 */
export function createJobInputReader(deps: JobInputDeps): ReadJobInput {
  let manifestS3 = deps.manifestS3;
  const ownS3 = () => {
    manifestS3 ??= createS3Client(deps.env);
    return manifestS3;
  };
  const artifactS3 = deps.artifactS3 ?? ((credentials) => createS3Client(deps.env, credentials));
  const limits = deps.limits ?? artifactLimits(deps.env);
  return async (config, job, logger, signal) => {
    const common: JobInput = {
      ...(config.paths === undefined ? {} : { paths: config.paths }),
      ...(config.maxPaths === undefined ? {} : { maxPaths: config.maxPaths }),
    };
    const input = config.input;
    if (input === undefined) return common;
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
    const open = { ...limits.directory, signal };
    if (input.kind === "syncLog") {
      const bytes = await readArtifactFile(await openArtifact(client, artifact, open), input.path, limits.member);
      logger.info("read the sync log", { artifact: artifact.name, path: input.path, bytes: bytes.length });
      const source = `the sync log ${input.path} in artifact ${artifact.name}`;
      return { ...common, mapping, changes: { kind: "log", bytes, source } };
    }
    const location = locateManifest(config, input, deps.env);
    const own = ownS3();
    // Both reads are needed and independent. A manifest that exists but cannot be read fails the job:
    // only a manifest that does not exist at all (the documented first run) leads to `/*`.
    const [opened, previous] = await Promise.all([
      openArtifact(client, artifact, open),
      readManifest(own, location, { signal, maxBytes: limits.manifestBytes }),
    ]);
    const current = manifestFromDirectory(opened.directory);
    const diff = diffManifests(previous, current);
    const onFinalSuccess = () => storeManifest(own, location, current, logger, signal);
    const where = `s3://${location.bucket}/${location.key}`;
    if (diff.firstRun) {
      logger.info("no artifact manifest yet (first run): invalidating /*", {
        manifest: where,
        files: current.entries.size,
      });
      return { ...common, paths: ["/*", ...(common.paths ?? [])], onFinalSuccess };
    }
    const { added, changed, removed, unchanged } = diff;
    logger.info("compared the artifact with the manifest of the last successful run", {
      manifest: where,
      ...{ added: added.length, changed: changed.length, removed: removed.length, unchanged },
    });
    const served = normalizeS3Prefix(config.s3Prefix ?? "");
    const deployed = (name: string) => `${input.deployPrefix}${name}`;
    return {
      ...common,
      mapping,
      ...(input.deployBucket === undefined ? {} : { syncedBucket: input.deployBucket }),
      changes: {
        kind: "keys",
        keys: diff.changedKeys.map(deployed),
        source: `the diff of input artifact ${artifact.name}`,
      },
      // Every file the artifact deploys, relative to the served prefix: lets the planner pick the
      // wildcards that hit the fewest unchanged files when the budget is tight. Left out when the
      // distribution decides the prefix (deployBucket without s3Prefix): it is not known here.
      ...(input.deployBucket !== undefined && config.s3Prefix === undefined
        ? {}
        : {
            site: {
              keys: [...current.entries.keys()]
                .map(deployed)
                .flatMap((k) => (k.startsWith(served) ? [k.slice(served.length)] : [])),
            },
          }),
      // Nothing changed: the manifest would be rewritten as it is. Skip the write.
      ...(diff.changedKeys.length === 0 ? {} : { onFinalSuccess }),
    };
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
    ...(prefix === undefined ? {} : { keyPrefix: normalizeS3Prefix(prefix) }),
    ...(input.manifestKey === undefined ? {} : { manifestKey: input.manifestKey }),
    // As the user wrote them (names unresolved), tenants included: what the manifest describes.
    distributionIds: [...config.distributionIds, ...(config.tenants ?? [])],
    s3Prefix: input.deployPrefix,
  });
}

async function storeManifest(
  client: S3Client,
  location: ManifestLocation,
  manifest: Manifest,
  logger: Logger,
  signal: AbortSignal,
): Promise<string> {
  try {
    await writeManifest(client, location, manifest, signal);
  } catch (error) {
    // The invalidations are done, but without the new manifest the next run would diff against the
    // old one. Fail (keeping the failure's kind), so the action is retried with the same diff.
    const classified = classifyError(error, "writing the artifact manifest");
    throw restated(
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
