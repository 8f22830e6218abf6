// OWNER: core-parse helper. Contract below is shared; keep exported names and shapes.

/** CloudFront's default-free-tier-friendly path budget: see README "Choosing max-paths". */
export const DEFAULT_MAX_PATHS = 30;
export const DEFAULT_INDEX_DOCUMENT = "index.html";

export interface KeyMappingOptions {
  /** Key prefix that the distribution's origin path points at (`site` or `site/`); stripped. */
  readonly s3Prefix?: string;
  /** Index document; `""` or `null` turns directory forms off. Default `index.html`. */
  readonly indexDocument?: string | null;
}

export interface MappedPaths {
  /** Encoded invalidation paths, unique, in first-seen order. */
  readonly paths: readonly string[];
  readonly warnings: readonly string[];
}

/** Encodes one S3 key as the CloudFront path that serves it (`my file.html` → `/my%20file.html`). */
export function toInvalidationPath(key: string): string {
  void key;
  throw new Error("not implemented");
}

/** Maps changed keys to invalidation paths: strips the prefix, encodes, adds directory forms. */
export function keysToPaths(keys: Iterable<string>, options?: KeyMappingOptions): MappedPaths {
  void keys;
  void options;
  throw new Error("not implemented");
}

/** Validates and normalizes a path the user gave. Throws ConfigurationError naming the path. */
export function parseInvalidationPath(input: string): string {
  void input;
  throw new Error("not implemented");
}

/** Validates a distribution id (`E2QWRUHAPOMQZL`). Throws ConfigurationError naming the value. */
export function parseDistributionId(input: string): string {
  void input;
  throw new Error("not implemented");
}
