import type { S3Client } from "@aws-sdk/client-s3";
import { ConfigurationError } from "invalidation-core";
import { ArtifactError } from "./errors.js";
import { type RangeReader, type S3ObjectLocation, S3RangeReader } from "./range-reader.js";
import {
  findZipEntry,
  type ReadDirectoryOptions,
  type ReadEntryOptions,
  readZipDirectory,
  readZipEntry,
  type ZipDirectory,
} from "./zip.js";

/** Where an input artifact is, as the job's event names it. */
export interface ArtifactLocation {
  readonly name: string;
  /** `S3` (the only store CodePipeline uses today); absent in older events. */
  readonly location: { readonly type?: string; readonly s3Location: S3ObjectLocation };
}

/** An artifact whose central directory has been read; members can be read from it one by one. */
export interface OpenedArtifact {
  readonly name: string;
  /** For messages: `input artifact "SiteOutput"`. */
  readonly label: string;
  readonly reader: RangeReader;
  readonly directory: ZipDirectory;
}

/**
 * Opens an input artifact: HeadObject, then ranged GETs of its tail and its central directory.
 * `client` must carry the job's `artifactCredentials` (see `createS3Client`).
 *
 * @throws ArtifactError (`missing`, `not-a-zip`, `corrupt`, ...), PermissionError, TransientError.
 */
export async function openArtifact(
  client: S3Client,
  artifact: ArtifactLocation,
  options: Omit<ReadDirectoryOptions, "label"> & { readonly signal?: AbortSignal } = {},
): Promise<OpenedArtifact> {
  const label = `input artifact ${JSON.stringify(artifact.name)}`;
  if (artifact.location.type !== undefined && artifact.location.type !== "S3") {
    throw new ArtifactError("unsupported", `the ${label} is stored in ${artifact.location.type}, not S3`);
  }
  const { signal, ...limits } = options;
  const reader = new S3RangeReader(client, artifact.location.s3Location, label, signal);
  const directory = await readZipDirectory(reader, { ...limits, label });
  return { name: artifact.name, label, reader, directory };
}

/**
 * Reads one file (e.g. the sync log) from an opened artifact. A path that is not in the artifact is a
 * ConfigurationError naming the path, since the UserParameters named it.
 */
export async function readArtifactFile(
  artifact: OpenedArtifact,
  path: string,
  options: Omit<ReadEntryOptions, "label"> = {},
): Promise<Buffer> {
  const entry = findZipEntry(artifact.directory, path);
  if (!entry) {
    const files = artifact.directory.entries.filter((e) => !e.isDirectory);
    const sample = files
      .slice(0, 5)
      .map((e) => JSON.stringify(e.name))
      .join(", ");
    throw new ConfigurationError(
      `${JSON.stringify(path)} is not in the ${artifact.label} (${files.length} files${sample ? `, e.g. ${sample}` : ""}): ` +
        "check the path in UserParameters and that the build's artifact includes the file",
    );
  }
  return readZipEntry(artifact.reader, entry, { ...options, label: artifact.label });
}
