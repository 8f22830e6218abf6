import { TransientError } from "invalidation-core";

/**
 * Why an artifact or a manifest could not be used. Stable codes for tests and logs; the message is
 * what a person reads.
 */
export type ArtifactProblem =
  | "missing" // the artifact object does not exist
  | "not-a-zip" // no end-of-central-directory record
  | "corrupt" // records that contradict each other or point outside the file
  | "truncated" // fewer bytes than the records promise
  | "unsupported" // multi-disk, encrypted, or a compression method other than stored/deflate
  | "too-large" // over a size cap
  | "crc-mismatch" // the data read does not match the CRC-32 of the central directory
  | "manifest-unreadable"; // the stored manifest is not one this code wrote

/**
 * A broken artifact or manifest. It is NOT a `ConfigurationError`: the action's configuration is fine,
 * the pipeline produced (or stored) a bad object, and a user fixes it by re-running the build or
 * deleting the manifest. It extends `TransientError` so that the core's classification keeps it and
 * the Lambda reports it as `JobFailed` (configuration → ConfigurationError, permission →
 * PermissionError, anything else → JobFailed). The `problem` says which case it is.
 */
export class ArtifactError extends TransientError {
  readonly problem: ArtifactProblem;

  constructor(problem: ArtifactProblem, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.problem = problem;
  }
}
