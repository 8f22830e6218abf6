// OWNER: core-plan helper. Contract below is shared; keep exported names and shapes.

/** CloudFront's per-distribution limits on paths in progress at one time. */
export interface InvalidationLimits {
  /** Non-wildcard paths in progress, summed over running invalidations. CloudFront: 3,000. */
  readonly maxFilePaths: number;
  /** Wildcard paths in progress. CloudFront: 15. */
  readonly maxWildcardPaths: number;
}

export const CLOUDFRONT_LIMITS: InvalidationLimits = { maxFilePaths: 3000, maxWildcardPaths: 15 };

export interface PlanOptions {
  /** The most paths the plan may bill (>= 1). */
  readonly maxPaths: number;
  /**
   * Every path the site serves (encoded, directory forms included), when known. Lets the planner
   * count what each wildcard would hit and choose the plan that hits the fewest unchanged objects.
   */
  readonly sitePaths?: readonly string[];
  readonly limits?: InvalidationLimits;
}

export interface InvalidationPlan {
  /** The invalidation paths, deterministic order. */
  readonly paths: readonly string[];
  /** `paths` split so that each batch alone fits the in-progress limits. */
  readonly batches: readonly (readonly string[])[];
  /** Paths billed (a wildcard counts as one). */
  readonly pathCount: number;
  readonly wildcardCount: number;
  /** How many changed paths were collapsed into wildcards to fit the budget. */
  readonly collapsedCount: number;
  /** With `sitePaths`: unchanged site paths that the plan also invalidates. */
  readonly unchangedHit?: number;
}

/**
 * Plans the invalidation paths for a set of changed paths: covers every one of them by
 * CloudFront's matching, never goes over `maxPaths`, and collapses into the wildcards that hit
 * the least else. `/*` is the last resort.
 */
export function planInvalidation(changedPaths: readonly string[], options: PlanOptions): InvalidationPlan {
  void changedPaths;
  void options;
  throw new Error("not implemented");
}

/** Whether invalidation `pattern` (exact, or prefix with a trailing `*`) covers `path`. */
export function covers(pattern: string, path: string): boolean {
  return pattern.endsWith("*") ? path.startsWith(pattern.slice(0, -1)) : pattern === path;
}
