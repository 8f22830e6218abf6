// OWNER: core-plan helper. Contract below is shared; keep exported names and shapes.
import { ConfigurationError } from "./errors.js";
import {
  chooseExact,
  chooseExactLimited,
  EXACT_CELL_LIMIT,
  EXACT_LIMITED_WORK_LIMIT,
  EXACT_WORK_LIMIT,
  exactLimitedSearchSize,
  exactSearchSize,
} from "./plan-exact.js";
import { chooseRelaxed, limitWildcards, type WildcardLimit } from "./plan-relaxed.js";
import { buildPrefixTrie, childrenIndex, type PrefixTrie } from "./plan-trie.js";

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
  /**
   * The most wildcards a plan that collapses changes may hold (>= 1). Default
   * `limits.maxWildcardPaths` (15): the plan then goes out in one CreateInvalidation call, where
   * each batch beyond the first waits minutes for the earlier ones to complete. Set it to
   * `maxPaths` to let the planner spend the whole budget on wildcards (more cache kept, more waiting).
   * Changes that fit the budget are planned as given, however many wildcards they hold.
   */
  readonly maxWildcards?: number;
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
 * Without a site listing the planner estimates what a wildcard hits: it assumes a directory level
 * splits the site at least this many ways, so `/blog/*` is taken to hit at most an eighth of `/*`.
 */
export const ESTIMATED_BRANCHING = 8;

/**
 * Plans the invalidation paths for a set of changed paths: covers every one of them by
 * CloudFront's matching, never goes over `maxPaths`, and collapses into the wildcards that hit
 * the least else. `/*` is the last resort.
 *
 * - Input paths are encoded invalidation paths; a trailing `*` is a wildcard. Duplicates and paths
 *   that a given wildcard covers are dropped.
 * - When what is left fits `maxPaths`, it is the plan, unchanged.
 * - Otherwise the candidate wildcards are the longest common prefixes of groups of changed paths
 *   (character prefixes, so `/blog`, `/blog/` and `/blog/index.html` become `/blog*`). The planner
 *   minimizes the unchanged site paths hit (with `sitePaths`), or else an estimate of the share of
 *   the site hit, in which deeper is cheaper and a parent costs more than all its children (see
 *   {@link ESTIMATED_BRANCHING}). The search is exact (a tree knapsack over the prefix trie; among
 *   equally cheap plans, the one with fewest paths); for inputs where that would take too long
 *   (n x maxPaths beyond ~2e7) it is a Lagrangian relaxation plus a greedy fill (see {@link PlanSearch}).
 * - A plan that collapses holds at most `maxWildcards` wildcards (default: CloudFront's 15 in progress),
 *   so it goes out in one call; the search minimizes cost under both limits.
 * - Output paths are sorted; `batches` cut them in order so that each batch alone fits `limits`.
 *
 * @throws ConfigurationError when `maxPaths` or `limits` are not whole numbers >= 1, or a path does
 *   not start with `/`.
 * @example
 * planInvalidation(["/blog/a/", "/blog/a", "/blog/a/index.html", "/"], { maxPaths: 2 }).paths
 * // → ["/", "/blog/a*"]
 */
export function planInvalidation(changedPaths: readonly string[], options: PlanOptions): InvalidationPlan {
  return planInvalidationUsing("auto", changedPaths, options);
}

/**
 * How the planner searches: `exact` (tree knapsack, optimal; O(n x maxPaths) time), `relaxed`
 * (Lagrangian relaxation plus a greedy fill; O(n) per step, about 40 steps), or `auto`: exact unless
 * that would take more than EXACT_WORK_LIMIT steps or EXACT_CELL_LIMIT table cells.
 */
export type PlanSearch = "auto" | "exact" | "relaxed";

/** {@link planInvalidation} with a chosen search, for tests and benchmarks. */
export function planInvalidationUsing(
  search: PlanSearch,
  changedPaths: readonly string[],
  options: PlanOptions,
): InvalidationPlan {
  const maxPaths = wholeNumber(options.maxPaths, "maxPaths");
  const limits = options.limits ?? CLOUDFRONT_LIMITS;
  wholeNumber(limits.maxFilePaths, "limits.maxFilePaths");
  wholeNumber(limits.maxWildcardPaths, "limits.maxWildcardPaths");
  const maxWildcards =
    options.maxWildcards === undefined ? limits.maxWildcardPaths : wholeNumber(options.maxWildcards, "maxWildcards");

  const changed = normalizeChanged(changedPaths);

  let paths: string[];
  let collapsedCount = 0;
  let unchangedHit = 0;
  if (changed.keys.length <= maxPaths) {
    // Exact paths and the changed wildcards hit nothing unchanged: no need to read the site's paths.
    paths = changed.keys.map((key, i) => (changed.wildcard[i] === 1 ? `${key}*` : key));
  } else {
    const unchanged = options.sitePaths === undefined ? undefined : unchangedSitePaths(options.sitePaths, changed);
    const chosen = collapse(changed, maxPaths, maxWildcards, unchanged, search);
    paths = chosen.paths;
    collapsedCount = chosen.collapsedCount;
    unchangedHit = chosen.unchangedHit;
  }
  paths.sort();

  let wildcardCount = 0;
  for (const path of paths) if (path.endsWith("*")) wildcardCount++;
  return {
    paths,
    batches: splitIntoBatches(paths, limits),
    pathCount: paths.length,
    wildcardCount,
    collapsedCount,
    ...(options.sitePaths === undefined ? {} : { unchangedHit }),
  };
}

/** Whether invalidation `pattern` (exact, or prefix with a trailing `*`) covers `path`. */
export function covers(pattern: string, path: string): boolean {
  return pattern.endsWith("*") ? path.startsWith(pattern.slice(0, -1)) : pattern === path;
}

/**
 * Cuts `paths`, in order, into as few consecutive batches as possible that each hold at most
 * `maxFilePaths` exact paths and `maxWildcardPaths` wildcards.
 */
export function splitIntoBatches(paths: readonly string[], limits: InvalidationLimits): string[][] {
  const batches: string[][] = [];
  let batch: string[] = [];
  let files = 0;
  let wildcards = 0;
  for (const path of paths) {
    const wildcard = path.endsWith("*");
    if (wildcard ? wildcards >= limits.maxWildcardPaths : files >= limits.maxFilePaths) {
      batches.push(batch);
      batch = [];
      files = 0;
      wildcards = 0;
    }
    batch.push(path);
    if (wildcard) wildcards++;
    else files++;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

function wholeNumber(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigurationError(`${name} must be a whole number of at least 1, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Changed paths, deduplicated, with what a given wildcard covers dropped. Wildcards without `*`. */
interface ChangedKeys {
  /** Sorted, distinct; a wildcard is stored as its prefix. */
  readonly keys: string[];
  /** 1 where the key is a changed wildcard's prefix. */
  readonly wildcard: Uint8Array;
  /** The changed wildcards' prefixes, sorted; none is a prefix of another. */
  readonly wildcardPrefixes: string[];
  /** The changed exact paths that no changed wildcard covers, sorted, distinct. */
  readonly exact: string[];
}

// Sorting and comparing neighbours rather than hashing: the keys must be sorted for the trie anyway.
function normalizeChanged(changedPaths: readonly string[]): ChangedKeys {
  const exactInput: string[] = [];
  const wildcardInput: string[] = [];
  for (const path of changedPaths) {
    if (typeof path !== "string" || !path.startsWith("/")) {
      throw new ConfigurationError(
        `invalidation path ${JSON.stringify(path)} does not start with "/" (give paths as the site serves them)`,
      );
    }
    if (path.endsWith("*")) wildcardInput.push(path.slice(0, -1));
    else exactInput.push(path);
  }
  wildcardInput.sort();
  exactInput.sort();
  // In sorted order the keys that start with a prefix follow it directly, so comparing with the last
  // wildcard kept drops every covered (or repeated) one.
  const wildcardPrefixes: string[] = [];
  for (const prefix of wildcardInput) {
    const last = wildcardPrefixes[wildcardPrefixes.length - 1];
    if (last === undefined || !prefix.startsWith(last)) wildcardPrefixes.push(prefix);
  }
  // Deduplicated in place: a second array of a million paths is garbage the collector must chase.
  const exact = exactInput;
  let kept = 0;
  for (let i = 0; i < exactInput.length; i++) {
    const path = exactInput[i]!;
    if ((kept > 0 && path === exact[kept - 1]) || coveredByPrefix(wildcardPrefixes, path)) continue;
    exact[kept++] = path;
  }
  exact.length = kept;
  // Without changed wildcards (every sync log) the exact paths are the keys: no copy.
  if (wildcardPrefixes.length === 0)
    return { keys: exact, wildcard: new Uint8Array(exact.length), wildcardPrefixes, exact };
  // Merge both sorted lists into the trie's keys. A key never equals a kept wildcard prefix (it is covered).
  const keys: string[] = [];
  const wildcard = new Uint8Array(exact.length + wildcardPrefixes.length);
  let w = 0;
  for (const path of exact) {
    while (w < wildcardPrefixes.length && wildcardPrefixes[w]! < path) {
      wildcard[keys.length] = 1;
      keys.push(wildcardPrefixes[w++]!);
    }
    keys.push(path);
  }
  for (; w < wildcardPrefixes.length; w++) {
    wildcard[keys.length] = 1;
    keys.push(wildcardPrefixes[w]!);
  }
  return { keys, wildcard, wildcardPrefixes, exact };
}

/** Whether one of `prefixes` (sorted, none a prefix of another) starts `path`. */
function coveredByPrefix(prefixes: readonly string[], path: string): boolean {
  if (prefixes.length === 0) return false;
  // The greatest prefix <= path is the only one that can start it: any between it and path would start with it.
  const at = upperBound(prefixes, path) - 1;
  return at >= 0 && path.startsWith(prefixes[at]!);
}

/** The site paths that no changed path covers, sorted and distinct. */
function unchangedSitePaths(sitePaths: readonly string[], changed: ChangedKeys): string[] {
  const sorted = [...sitePaths].sort();
  const { exact, wildcardPrefixes } = changed;
  const unchanged: string[] = [];
  let e = 0;
  for (const path of sorted) {
    if (path === unchanged[unchanged.length - 1]) continue;
    while (e < exact.length && exact[e]! < path) e++;
    if (exact[e] === path || coveredByPrefix(wildcardPrefixes, path)) continue;
    unchanged.push(path);
  }
  return unchanged;
}

/** First index whose value is > `value`. */
function upperBound(sorted: readonly string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many of `sorted` start with `prefix`: they form one run, starting at the first >= prefix. */
function countWithPrefix(sorted: readonly string[], prefix: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < prefix) lo = mid + 1;
    else hi = mid;
  }
  const start = lo;
  hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.startsWith(prefix)) lo = mid + 1;
    else hi = mid;
  }
  return lo - start;
}

/**
 * A wildcard must not end inside a percent escape (`/caf%C3%A` would be read as a broken escape):
 * the length of `key`'s first `length` characters cut back to before such a `%`. That only widens it.
 */
function wildcardPrefixLength(key: string, length: number): number {
  if (length >= 1 && key.charCodeAt(length - 1) === 37) return length - 1;
  if (length >= 2 && key.charCodeAt(length - 2) === 37) return length - 2;
  return length;
}

/**
 * How deep a prefix reaches, in directory levels: one per slash, plus up to 0.9 for the characters
 * after the last slash (each narrows a little more, never a whole level). `/blog` is 1.84, `/blog/` 2.
 */
function directoryLevel(slashes: number, lastSlash: number, length: number): number {
  return slashes + 0.9 * (1 - 0.5 ** Math.min(length - lastSlash - 1, 40));
}

/**
 * Without a site listing, what each internal node's wildcard is estimated to hit, as a share of
 * what the root's wildcard hits. Going down the trie a child gets at most 1/(siblings + 2) of its
 * parent's share (the parent's wildcard also hits siblings nobody changed) and at most
 * ESTIMATED_BRANCHING^-(levels it goes down). So a parent always costs more than all of its children
 * together, and deeper wildcards cost less.
 */
function estimatedShares(trie: PrefixTrie): Float64Array {
  const { nodeCount, parent, leaf, postOrder, depth, rep, keys } = trie;
  const children = new Int32Array(nodeCount);
  for (let node = 0; node < nodeCount; node++) if (parent[node]! >= 0) children[parent[node]!]! += 1;
  const level = new Float64Array(nodeCount);
  const share = new Float64Array(nodeCount);
  // Slashes in each node's prefix and where the last one is, counted from its parent's: every
  // character of the prefix is read once over the whole trie, not once per node below it.
  const slashes = new Int32Array(nodeCount);
  const lastSlash = new Int32Array(nodeCount);
  for (let k = nodeCount - 1; k >= 0; k--) {
    const node = postOrder[k]!;
    if (leaf[node]! >= 0) continue;
    const up = parent[node]!;
    const key = keys[rep[node]!]!;
    let count = up < 0 ? 0 : slashes[up]!;
    let last = up < 0 ? -1 : lastSlash[up]!;
    for (let i = up < 0 ? 0 : depth[up]!; i < depth[node]!; i++) {
      if (key.charCodeAt(i) === 47) {
        count++;
        last = i;
      }
    }
    slashes[node] = count;
    lastSlash[node] = last;
    level[node] = directoryLevel(count, last, depth[node]!);
    share[node] =
      up < 0
        ? 1
        : share[up]! *
          Math.min(1 / (children[up]! + 1), ESTIMATED_BRANCHING ** -Math.min(level[node]! - level[up]!, 300));
  }
  return share;
}

function countWildcards(trie: PrefixTrie, chosen: Uint8Array, wildcardKey: Uint8Array): number {
  let count = 0;
  for (let node = 0; node < trie.nodeCount; node++) {
    if (chosen[node] !== 1) continue;
    const index = trie.leaf[node]!;
    if (index < 0 || wildcardKey[index] === 1) count++;
  }
  return count;
}

interface Collapsed {
  readonly paths: string[];
  readonly collapsedCount: number;
  readonly unchangedHit: number;
}

/**
 * Chooses at most `maxPaths` patterns covering every changed key: an antichain of trie nodes, each
 * either a leaf (the key itself) or an internal node (the wildcard at its common prefix). Minimizes
 * the total cost of the chosen wildcards: unchanged site paths hit, or the estimated share.
 */
function collapse(
  changed: ChangedKeys,
  maxPaths: number,
  maxWildcards: number,
  unchanged: readonly string[] | undefined,
  search: PlanSearch,
): Collapsed {
  const trie = buildPrefixTrie(changed.keys);
  const { nodeCount, parent, leaf, postOrder, depth, rep, keys } = trie;
  const root = postOrder[nodeCount - 1]!;

  // Cost of the wildcard at each internal node; Infinity where no wildcard may go (a prefix cut back
  // out of a percent escape to its parent's prefix or shorter would overlap its siblings).
  const cost = unchanged === undefined ? estimatedShares(trie) : new Float64Array(nodeCount);
  const patternLength = new Int32Array(nodeCount);
  for (let node = 0; node < nodeCount; node++) {
    if (leaf[node]! >= 0) continue;
    const key = keys[rep[node]!]!;
    const length = wildcardPrefixLength(key, depth[node]!);
    const up = parent[node]!;
    if (up >= 0 && length <= depth[up]!) {
      cost[node] = Number.POSITIVE_INFINITY;
      continue;
    }
    patternLength[node] = length;
    if (unchanged !== undefined) cost[node] = countWithPrefix(unchanged, key.slice(0, length));
  }

  const children = childrenIndex(trie);
  const size = exactSearchSize(trie, children, maxPaths);
  const exact =
    search === "exact" || (search === "auto" && size.work <= EXACT_WORK_LIMIT && size.cells <= EXACT_CELL_LIMIT);
  // The wildcard limit can only bind when the budget holds more paths than it allows wildcards.
  const limit: WildcardLimit | undefined =
    maxWildcards < maxPaths ? { maxWildcards, wildcardKey: changed.wildcard } : undefined;
  let chosen: Uint8Array;
  if (!exact) chosen = chooseRelaxed(trie, children, cost, maxPaths, limit);
  else {
    chosen = chooseExact(trie, children, cost, maxPaths);
    // The best plan without the limit is the best with it whenever it fits; only otherwise search again.
    if (limit !== undefined && countWildcards(trie, chosen, limit.wildcardKey) > maxWildcards) {
      const limited = exactLimitedSearchSize(trie, children, maxPaths, maxWildcards);
      chosen =
        search === "exact" || (limited.work <= EXACT_LIMITED_WORK_LIMIT && limited.cells <= EXACT_CELL_LIMIT)
          ? chooseExactLimited(trie, children, cost, limit.wildcardKey, maxPaths, maxWildcards)
          : limitWildcards(trie, children, cost, chosen, maxPaths, limit);
    }
  }

  const paths: string[] = [];
  let collapsedCount = 0;
  let unchangedHit = 0;
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (chosen[node] === 1) {
      const index = leaf[node]!;
      if (index >= 0) paths.push(changed.wildcard[index] === 1 ? `${keys[index]}*` : keys[index]!);
      else {
        paths.push(`${keys[rep[node]!]!.slice(0, patternLength[node]!)}*`);
        collapsedCount += trie.leafCount[node]!;
        if (unchanged !== undefined) unchangedHit += cost[node]!;
      }
    } else for (let c = children.start[node]!; c < children.start[node + 1]!; c++) stack.push(children.list[c]!);
  }
  return { paths, collapsedCount, unchangedHit };
}
