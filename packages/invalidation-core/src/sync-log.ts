// OWNER: core-parse helper. Contract below is shared; keep exported names and shapes.

/** What the AWS CLI did to an object. */
export type ChangeAction = "upload" | "copy" | "move" | "delete";

/** One S3 object that changed (written or removed). */
export interface ChangedObject {
  /** Bucket from the `s3://` URI; absent for plain key lists. */
  readonly bucket?: string;
  /** The raw object key, exactly as stored in S3 (not URL-encoded). */
  readonly key: string;
  readonly action: ChangeAction;
}

export interface ParsedChanges {
  readonly objects: readonly ChangedObject[];
  /** Lines that told of no change (`upload failed:`, `delete failed:`), for the user's attention. */
  readonly warnings: readonly string[];
}

/**
 * Parses the output of `aws s3 sync|cp --recursive|rm --recursive|mv` (AWS CLI v1 or v2), or a
 * plain list of keys (one per line, an optional leading `/`), into the objects that changed.
 */
export function parseChanges(text: string): ParsedChanges {
  void text;
  throw new Error("not implemented");
}
