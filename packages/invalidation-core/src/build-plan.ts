import { DEFAULT_MAX_PATHS, keysToPaths, parseInvalidationPath } from "./paths.js";
import { type InvalidationLimits, type InvalidationPlan, planInvalidation } from "./plan.js";
import { parseChanges } from "./sync-log.js";
import { parseMaxPaths } from "./validators.js";

/** Everything an adapter knows about what to invalidate, already read from its world. */
export interface PlanRequest {
  /** Paths the user gave explicitly (validated and normalized here). */
  readonly paths?: readonly string[];
  /** Text of an `aws s3 sync` log or a plain list of changed keys. */
  readonly changes?: string;
  /** Changed keys as data (a read change log, a content or artifact diff); with `changes`, both count. */
  readonly changedKeys?: readonly string[];
  /** Key prefix the distribution serves from; stripped from changed keys. */
  readonly s3Prefix?: string;
  /** Index document; `""` or `null` turns directory forms off. Default `index.html`. */
  readonly indexDocument?: string | null;
  /** Path budget. Default DEFAULT_MAX_PATHS. */
  readonly maxPaths?: number;
  /** Keys of every object the site serves, relative to the prefix (a listing of the synced folder). */
  readonly siteKeys?: readonly string[];
  readonly limits?: InvalidationLimits;
  /**
   * Most wildcards in a plan that collapses changes; default `limits.maxWildcardPaths` (15, one
   * CreateInvalidation call). See the README's Planning section for the trade-off.
   */
  readonly maxWildcards?: number;
  /** The path price (see PlanOptions.urlsPerPath); default DEFAULT_URLS_PER_PATH. */
  readonly urlsPerPath?: number;
}

export interface PlanOutcome {
  readonly plan: InvalidationPlan;
  /** The paths that changed, before planning collapsed any of them. */
  readonly changedPaths: readonly string[];
  readonly warnings: readonly string[];
  /** A change list was given and it held no change: there is nothing to invalidate. */
  readonly nothingChanged: boolean;
  /** Keys changed, but every one lies outside the key prefix: this distribution serves none of them. */
  readonly outsidePrefix: boolean;
}

/**
 * Turns an adapter's request into a plan: parses the change list, maps keys to paths, adds the
 * explicit paths, and plans within the budget. With neither paths nor changes it plans `/*`.
 * Pure: no I/O; throws ConfigurationError on bad input.
 *
 * @example
 * buildPlan({ changes: "upload: public/a b.html to s3://site/a b.html\n", maxPaths: 30 }).plan.paths
 * // → ["/a%20b.html"]
 */
export function buildPlan(request: PlanRequest): PlanOutcome {
  const maxPaths = parseMaxPaths(request.maxPaths ?? DEFAULT_MAX_PATHS);
  // The site listing is relative to the synced folder, so it takes the index rule but not the prefix.
  const siteMapping = request.indexDocument === undefined ? {} : { indexDocument: request.indexDocument };
  const mapping = { ...siteMapping, ...(request.s3Prefix === undefined ? {} : { s3Prefix: request.s3Prefix }) };
  const explicit = (request.paths ?? []).map(parseInvalidationPath);
  const warnings: string[] = [];
  const changed: string[] = [...explicit];
  const hasChanges = request.changes !== undefined || request.changedKeys !== undefined;
  let keyCount = 0;
  let keyPaths = 0;
  if (hasChanges) {
    const keys: string[] = [...(request.changedKeys ?? [])];
    if (request.changes !== undefined) {
      const parsed = parseChanges(request.changes);
      warnings.push(...parsed.warnings);
      for (const object of parsed.objects) keys.push(object.key);
    }
    const mapped = keysToPaths(keys, mapping);
    warnings.push(...mapped.warnings);
    keyCount = keys.length;
    keyPaths = mapped.paths.length;
    // Not push(...paths): spreading a million-path sync log into arguments overflows the stack.
    for (const path of mapped.paths) changed.push(path);
  } else if (explicit.length === 0) {
    changed.push("/*");
  }
  // keysToPaths gives unique paths: only explicit paths can repeat, so skip a Set of a million when there are none.
  const unique = explicit.length === 0 ? changed : [...new Set(changed)];
  const sitePaths = request.siteKeys === undefined ? undefined : keysToPaths(request.siteKeys, siteMapping).paths;
  const plan = planInvalidation(unique, {
    maxPaths,
    distinctPaths: true,
    ...(sitePaths === undefined ? {} : { sitePaths }),
    ...(request.limits === undefined ? {} : { limits: request.limits }),
    ...(request.maxWildcards === undefined ? {} : { maxWildcards: request.maxWildcards }),
    ...(request.urlsPerPath === undefined ? {} : { urlsPerPath: request.urlsPerPath }),
  });
  return {
    plan,
    changedPaths: unique,
    warnings,
    nothingChanged: unique.length === 0 && keyCount === 0,
    outsidePrefix: unique.length === 0 && keyCount > 0 && keyPaths === 0,
  };
}
