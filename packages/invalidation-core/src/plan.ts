import { checkCount } from "./check-count.js";
import { ConfigurationError } from "./errors.js";
import { chooseCover } from "./plan-exact.js";
import { type ChangedKeys, type PackedPaths, packCodeUnits, partitionChanged } from "./plan-partition.js";
import { buildPrefixTrie, childrenIndex, type PrefixTrie } from "./plan-trie.js";

/** CloudFront's per-distribution limits on paths in progress at one time. */
export interface InvalidationLimits {
  /** Non-wildcard paths in progress, summed over running invalidations. CloudFront: 3,000. */
  readonly maxFilePaths: number;
  /** Wildcard paths in progress. CloudFront: 15. */
  readonly maxWildcardPaths: number;
}

export const CLOUDFRONT_LIMITS: InvalidationLimits = { maxFilePaths: 3000, maxWildcardPaths: 15 };

/**
 * The default {@link PlanOptions.urlsPerPath}: a plan that collapses spends a billed path only where
 * it keeps at least one more unchanged URL cached.
 */
export const DEFAULT_URLS_PER_PATH = 1;

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
  /**
   * The price of a billed path, in unchanged URLs kept cached (>= 0; default
   * {@link DEFAULT_URLS_PER_PATH}, 1). With `sitePaths`, a plan that collapses spends a path only
   * where it keeps at least this many more unchanged URLs cached: it minimises
   * `unchangedHit + urlsPerPath x pathCount`, and among equally good plans takes the one that keeps
   * more cached. 0 spends the budget for any gain, however small. Without `sitePaths` there is no
   * count of URLs to weigh a path against, and the planner uses the budget where its estimate gains.
   * Changes that fit the budget are planned as given (they invalidate nothing unchanged).
   */
  readonly urlsPerPath?: number;
  /**
   * The caller vouches that `changedPaths` hold no path twice (keysToPaths' paths never do, nor do
   * buildPlan's). Saves hashing every path to drop repeats: the plan itself never depends on them,
   * but `collapsedCount` would count a repeat once per time it is given.
   */
  readonly distinctPaths?: boolean;
}

export interface InvalidationPlan {
  /** The invalidation paths, deterministic order. */
  readonly paths: readonly string[];
  /** `paths` split into as few batches as fit the in-progress limits, wildcards first (see splitIntoBatches). */
  readonly batches: readonly (readonly string[])[];
  /** Paths billed (a wildcard counts as one). */
  readonly pathCount: number;
  readonly wildcardCount: number;
  /** How many changed paths were collapsed into wildcards to fit the budget. */
  readonly collapsedCount: number;
  /** With `sitePaths`: unchanged site paths that the plan also invalidates. */
  readonly unchangedHit?: number;
  /**
   * The distinct changed paths the plan covers (a changed wildcard counts as one, and drops the
   * paths it covers): what one path per changed file would bill. Set by planInvalidation.
   */
  readonly changedPathCount?: number;
  /** With `sitePaths`: the distinct site paths no change covers, all of which `/*` would invalidate. */
  readonly unchangedSitePathCount?: number;
}

/**
 * Without a site listing the planner estimates what a wildcard hits: it assumes a directory level
 * splits the site at least this many ways, so `/blog/*` is taken to hit at most an eighth of `/*`.
 */
export const ESTIMATED_BRANCHING = 8;

/**
 * Plans the invalidation paths for a set of changed paths: covers every one of them by
 * CloudFront's matching, never goes over `maxPaths`, and collapses into the wildcards that hit
 * the least else. `/*` only when nothing narrower fits.
 *
 * - Input paths are encoded invalidation paths; a trailing `*` is a wildcard. Duplicates and paths
 *   that a given wildcard covers are dropped.
 * - When what is left fits `maxPaths`, it is the plan, unchanged.
 * - Otherwise the candidate wildcards are the longest common prefixes of groups of changed paths
 *   (character prefixes, so `/blog`, `/blog/` and `/blog/index.html` become `/blog*`). Among plans of
 *   at most `maxPaths` paths and at most `maxWildcards` wildcards (default: CloudFront's 15 in
 *   progress, so the plan goes out in one call), the planner takes the optimum: with `sitePaths`, the
 *   fewest unchanged site paths hit plus `urlsPerPath` per path billed; without, the least estimated
 *   share of the site hit, in which deeper is cheaper and a parent costs more than all its children
 *   (see {@link ESTIMATED_BRANCHING}). Ties go to the plan that keeps more cached, then to fewer paths.
 *   So a bigger budget never gives a plan that hits more.
 * - The search is exact at every budget: a dynamic programme over paths and wildcards on the prefix
 *   trie of the changes, built only as deep as a plan within both limits can reach (see
 *   partitionChanged): 10^5 changed paths reduce to a few hundred or thousand trie keys.
 * - Output paths are sorted; `batches` split them into as few batches as fit `limits`, wildcards in
 *   the first ones (see {@link splitIntoBatches}), each batch sorted.
 *
 * @throws ConfigurationError when `maxPaths`, `maxWildcards` or `limits` are not whole numbers >= 1,
 *   `urlsPerPath` is not a number >= 0, or a path does not start with `/`.
 * @example
 * planInvalidation(["/blog/a/", "/blog/a", "/blog/a/index.html", "/"], { maxPaths: 2 }).paths
 * // → ["/", "/blog/a*"]
 */
export function planInvalidation(changedPaths: readonly string[], options: PlanOptions): InvalidationPlan {
  return planInvalidationUsing(changedPaths, options, { seal: true });
}

/**
 * {@link planInvalidation}, for tests and benchmarks: `seal: false` builds the whole prefix trie
 * instead of stopping where no plan within the limits can reach (see partitionChanged), so that
 * tests can check that both plan alike.
 */
export function planInvalidationUsing(
  changedPaths: readonly string[],
  options: PlanOptions,
  search: { readonly seal: boolean },
): InvalidationPlan {
  const maxPaths = checkCount(options.maxPaths, "maxPaths");
  const limits = options.limits ?? CLOUDFRONT_LIMITS;
  checkCount(limits.maxFilePaths, "limits.maxFilePaths");
  checkCount(limits.maxWildcardPaths, "limits.maxWildcardPaths");
  const maxWildcards =
    options.maxWildcards === undefined ? limits.maxWildcardPaths : checkCount(options.maxWildcards, "maxWildcards");
  const urlsPerPath = options.urlsPerPath ?? DEFAULT_URLS_PER_PATH;
  if (typeof urlsPerPath !== "number" || !(urlsPerPath >= 0) || !Number.isFinite(urlsPerPath)) {
    throw new ConfigurationError(`urlsPerPath must be a number of at least 0, got ${JSON.stringify(urlsPerPath)}`);
  }

  const partition = search.seal;
  // Sorting drops repeats; the partition drops them only where it splits paths apart, and
  // collapsedCount must not count a repeat twice.
  const input = partition && options.distinctPaths !== true ? [...new Set(changedPaths)] : changedPaths;
  const split = splitChanged(input, partition);
  const changed = partition
    ? partitionChanged(split.exact, split.wildcardPrefixes, maxPaths, split.packed, maxWildcards)
    : sortChanged(split);
  let changedPathCount = 0;
  for (const size of changed.sealed) changedPathCount += Math.max(1, size);

  let paths: string[];
  let collapsedCount = 0;
  let unchangedHit = 0;
  const unchanged =
    options.sitePaths === undefined
      ? undefined
      : unchangedSitePaths(options.sitePaths, split.exact, split.wildcardPrefixes);
  if (changed.keys.length <= maxPaths && !changed.sealed.some((size) => size > 0)) {
    // Exact paths and the changed wildcards hit nothing unchanged.
    paths = changed.keys.map((key, i) => (changed.wildcard[i] === 1 ? `${key}*` : key));
  } else {
    const chosen = collapse(changed, maxPaths, maxWildcards, unchanged, urlsPerPath);
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
    ...(unchanged === undefined ? {} : { unchangedHit }),
    changedPathCount,
    ...(unchanged === undefined ? {} : { unchangedSitePathCount: unchanged.length }),
  };
}

/** Whether invalidation `pattern` (exact, or prefix with a trailing `*`) covers `path`. */
export function covers(pattern: string, path: string): boolean {
  return pattern.endsWith("*") ? path.startsWith(pattern.slice(0, -1)) : pattern === path;
}

/**
 * Cuts `paths` into as few batches as possible that each hold at most `maxFilePaths` exact paths and
 * `maxWildcardPaths` wildcards. Wildcards fill the batches from the first, so when they fit one batch
 * they all go out in the first call (cutting the sorted list in order could spread two wildcards over
 * two batches and make the second wait minutes). Each batch keeps the order of `paths`.
 */
export function splitIntoBatches(paths: readonly string[], limits: InvalidationLimits): string[][] {
  const wildcards: number[] = [];
  const files: number[] = [];
  for (let i = 0; i < paths.length; i++) (paths[i]!.endsWith("*") ? wildcards : files).push(i);
  const { maxWildcardPaths: perWildcards, maxFilePaths: perFiles } = limits;
  const count = Math.max(Math.ceil(wildcards.length / perWildcards), Math.ceil(files.length / perFiles));
  const batches: string[][] = [];
  for (let b = 0; b < count; b++) {
    // Merge this batch's share of both lists back into the order of `paths`.
    let w = b * perWildcards;
    let f = b * perFiles;
    const wEnd = Math.min(w + perWildcards, wildcards.length);
    const fEnd = Math.min(f + perFiles, files.length);
    const batch: string[] = [];
    while (w < wEnd || f < fEnd) {
      const next = f >= fEnd || (w < wEnd && wildcards[w]! < files[f]!) ? wildcards[w++]! : files[f++]!;
      batch.push(paths[next]!);
    }
    batches.push(batch);
  }
  return batches;
}

/** The changed paths, validated and split; exact paths that a changed wildcard covers are dropped. */
interface SplitChanges {
  /** Exact paths, in the order given, repeats kept. */
  readonly exact: readonly string[];
  /** The changed wildcards' prefixes (without `*`), sorted; none is a prefix of another. */
  readonly wildcardPrefixes: string[];
  /** `exact`'s code units, when packed for the partition. */
  readonly packed?: PackedPaths;
}

/**
 * Validates and splits the changed paths. With `pack`, reads their characters from the packed code
 * units the partition needs anyway: a path built by concatenation (as keysToPaths builds them) is
 * copied into a flat string the first time a string method reads a character of it.
 */
function splitChanged(changedPaths: readonly string[], pack: boolean): SplitChanges {
  const notPath = (path: unknown) =>
    new ConfigurationError(
      `invalidation path ${JSON.stringify(path)} does not start with "/" (give paths as the site serves them)`,
    );
  for (const path of changedPaths) if (typeof path !== "string") throw notPath(path);
  if (pack) {
    const packed = packCodeUnits(changedPaths);
    const { units, start } = packed;
    let wildcards = false;
    for (let i = 0; i < changedPaths.length; i++) {
      if (start[i + 1] === start[i] || units[start[i]!] !== 47) throw notPath(changedPaths[i]);
      if (units[start[i + 1]! - 1] === 42) wildcards = true;
    }
    // Without changed wildcards (every sync log) the paths are the exact paths, already packed.
    if (!wildcards) return { exact: changedPaths, wildcardPrefixes: [], packed };
  }
  const exactInput: string[] = [];
  const wildcardInput: string[] = [];
  for (const path of changedPaths) {
    if (!path.startsWith("/")) throw notPath(path);
    if (path.endsWith("*")) wildcardInput.push(path.slice(0, -1));
    else exactInput.push(path);
  }
  if (wildcardInput.length === 0) return { exact: exactInput, wildcardPrefixes: [] };
  wildcardInput.sort();
  // In sorted order the keys that start with a prefix follow it directly, so comparing with the last
  // wildcard kept drops every covered (or repeated) one.
  const wildcardPrefixes: string[] = [];
  for (const prefix of wildcardInput) {
    const last = wildcardPrefixes[wildcardPrefixes.length - 1];
    if (last === undefined || !prefix.startsWith(last)) wildcardPrefixes.push(prefix);
  }
  return { exact: exactInput.filter((path) => !coveredByPrefix(wildcardPrefixes, path)), wildcardPrefixes };
}

/** The changed paths sorted in full: the trie's keys, nothing sealed. */
function sortChanged(split: SplitChanges): ChangedKeys {
  const { wildcardPrefixes } = split;
  const exact = [...split.exact].sort();
  // Deduplicated in place: a second array of a million paths is garbage the collector must chase.
  let kept = 0;
  for (let i = 0; i < exact.length; i++) {
    const path = exact[i]!;
    if (kept > 0 && path === exact[kept - 1]) continue;
    exact[kept++] = path;
  }
  exact.length = kept;
  // Without changed wildcards (every sync log) the exact paths are the keys: no copy.
  if (wildcardPrefixes.length === 0) {
    return { keys: exact, wildcard: new Uint8Array(kept), sealed: new Int32Array(kept) };
  }
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
  return { keys, wildcard, sealed: new Int32Array(keys.length) };
}

/** Whether one of `prefixes` (sorted, none a prefix of another) starts `path`. */
function coveredByPrefix(prefixes: readonly string[], path: string): boolean {
  if (prefixes.length === 0) return false;
  // The greatest prefix <= path is the only one that can start it: any between it and path would start with it.
  const at = upperBound(prefixes, path) - 1;
  return at >= 0 && path.startsWith(prefixes[at]!);
}

/** The site paths that no changed path covers, sorted and distinct. */
function unchangedSitePaths(
  sitePaths: readonly string[],
  exact: readonly string[],
  wildcardPrefixes: readonly string[],
): string[] {
  // The changed paths are not sorted (the partition sorts only as deep as a plan can reach): hashed.
  const changed = new Set(exact);
  const sorted = [...sitePaths].sort();
  const unchanged: string[] = [];
  for (const path of sorted) {
    if (path === unchanged[unchanged.length - 1]) continue;
    if (changed.has(path) || coveredByPrefix(wildcardPrefixes, path)) continue;
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
 * Without a site listing, what the wildcard at each internal node (and sealed group) is estimated to
 * hit, as a share of what the root's wildcard hits. Going down the trie a child gets at most 1/(siblings + 2) of its
 * parent's share (the parent's wildcard also hits siblings nobody changed) and at most
 * ESTIMATED_BRANCHING^-(levels it goes down). So a parent always costs more than all of its children
 * together, and deeper wildcards cost less.
 */
function estimatedShares(trie: PrefixTrie, sealed: Int32Array): Float64Array {
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
    if (leaf[node]! >= 0 && sealed[leaf[node]!] === 0) continue;
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

interface Collapsed {
  readonly paths: string[];
  readonly collapsedCount: number;
  readonly unchangedHit: number;
}

/**
 * Chooses at most `maxPaths` patterns, at most `maxWildcards` of them wildcards, covering every
 * changed key: an antichain of trie nodes, each either a leaf (the key itself) or an internal node
 * (the wildcard at its common prefix). Minimizes the total cost of the chosen wildcards (unchanged
 * site paths hit, plus `urlsPerPath` per path; or the estimated share) with the exact search.
 */
function collapse(
  changed: ChangedKeys,
  maxPaths: number,
  maxWildcards: number,
  unchanged: readonly string[] | undefined,
  urlsPerPath: number,
): Collapsed {
  const trie = buildPrefixTrie(changed.keys);
  const { nodeCount, parent, leaf, postOrder, depth, rep, keys } = trie;
  const { sealed } = changed;
  const root = postOrder[nodeCount - 1]!;
  // A wildcard goes at each internal node and each sealed group (a leaf here, but a wildcard in the plan).
  const wildcardAt = (node: number) => leaf[node]! < 0 || sealed[leaf[node]!]! > 0;

  // Cost of the wildcard at each internal node or sealed group (0 for a changed path or wildcard);
  // Infinity where no wildcard may go (a prefix cut back out of a percent escape to its parent's
  // prefix or shorter would overlap its siblings).
  const cost = unchanged === undefined ? estimatedShares(trie, sealed) : new Float64Array(nodeCount);
  const patternLength = new Int32Array(nodeCount);
  // Changed paths each node's wildcard collapses: a sealed group counts all of its paths.
  const collapses = new Float64Array(nodeCount);
  for (let k = 0; k < nodeCount; k++) {
    const node = postOrder[k]!;
    const up = parent[node]!;
    const index = leaf[node]!;
    collapses[node]! += index < 0 ? 0 : Math.max(1, sealed[index]!);
    if (up >= 0) collapses[up]! += collapses[node]!;
  }
  for (let node = 0; node < nodeCount; node++) {
    if (!wildcardAt(node)) continue;
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
  const chosen = chooseCover({
    trie,
    children,
    cost,
    wildcardKey: changed.wildcard,
    maxPaths,
    maxWildcards,
    pathPrice: unchanged === undefined ? 0 : urlsPerPath,
  });

  const paths: string[] = [];
  let collapsedCount = 0;
  let unchangedHit = 0;
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (chosen[node] === 1) {
      const index = leaf[node]!;
      if (!wildcardAt(node)) paths.push(changed.wildcard[index] === 1 ? `${keys[index]}*` : keys[index]!);
      else {
        paths.push(`${keys[rep[node]!]!.slice(0, patternLength[node]!)}*`);
        collapsedCount += collapses[node]!;
        if (unchanged !== undefined) unchangedHit += cost[node]!;
      }
    } else for (let c = children.start[node]!; c < children.start[node + 1]!; c++) stack.push(children.list[c]!);
  }
  return { paths, collapsedCount, unchangedHit };
}
