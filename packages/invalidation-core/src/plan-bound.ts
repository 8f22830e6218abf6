import type { Children, PrefixTrie } from "./plan-trie.js";

/**
 * What the exact search minimises, and within which limits. Every key (trie leaf) is covered by
 * itself or by the wildcard at one of its ancestors.
 */
export interface CoverProblem {
  readonly trie: PrefixTrie;
  readonly children: Children;
  /**
   * Per node: 0 for a changed path or changed wildcard; the wildcard's cost for internal nodes and
   * sealed groups (leaves); Infinity where no wildcard may go.
   */
  readonly cost: Float64Array;
  /** Per key (leaf index): 1 when the key is itself a wildcard (a changed wildcard or a sealed group). */
  readonly wildcardKey: Uint8Array;
  /** The most paths the cover may hold. */
  readonly maxPaths: number;
  /** The most wildcards it may hold; at or above `maxPaths` the limit cannot bind and is ignored. */
  readonly maxWildcards: number;
  /** Added to the cost for each path: the planner's price of a billed path (0: paths are free). */
  readonly pathPrice: number;
}

/**
 * What the exact search may skip, proven from a Lagrangian lower bound and a known plan's objective.
 *
 * Price each path at `lambda` and each wildcard at `mu` (both >= 0) and drop both limits: the best
 * cover is then a plain tree recursion (a node takes the cheaper of its own wildcard and its
 * children's covers), and for every cover x within the limits,
 *   objective(x) >= objective(x) + lambda (paths(x) - maxPaths) + mu (wildcards(x) - maxWildcards)
 *                >= relaxed optimum - lambda maxPaths - mu maxWildcards.
 * The same holds piecewise: `outside[v]` is the relaxed optimum of everything but v's subtree, given
 * that no wildcard sits at an ancestor of v. So a point of v's table (w wildcards, p paths, cost c) can
 * be in a plan with objective at most `upper` only if
 *   c + (pathPrice + lambda) p + mu w <= upper + lambda maxPaths + mu maxWildcards - outside[v],
 * and v can be split (covered by its children) only if outside[v] + its children's relaxed optima pass
 * the same test. Points and splits that fail are dropped: no plan through them can be the optimum,
 * which is at most `upper`. Each test is loosened by a relative tolerance, so that rounding in sums
 * taken in a different order never drops the optimum, nor a plan that ties with it.
 */
export interface CoverBounds {
  /** Per node, the most `c + pathWeight p + wildcardWeight w` a point of its table may have. */
  readonly limit: Float64Array;
  /** Per node: 1 where only its own wildcard can be in a plan at most `upper` (or no cover at all). */
  readonly closed: Uint8Array;
  /** Per node: the relaxed optimum of its subtree (for the limits on prefix merges of its siblings). */
  readonly relaxed: Float64Array;
  readonly pathWeight: number;
  readonly wildcardWeight: number;
}

/** Evaluations of the relaxation spent searching for good prices (each one pass over the trie). */
const SEARCH_STEPS = 30;

interface Relaxed {
  /** Relaxed optimum minus the limits' prices: a lower bound on every plan's objective. */
  readonly bound: number;
  readonly paths: number;
  readonly wildcards: number;
  /** The objective of the relaxed optimum itself (a plan, feasible or not). */
  readonly objective: number;
}

/**
 * Prices (lambda, mu) that make the relaxation's bound high, found by cutting planes, and the best
 * plan within the limits met on the way (at worst the root's wildcard).
 */
export function relaxCover(problem: CoverProblem): Relaxation {
  const { trie, cost, wildcardKey, maxPaths, pathPrice } = problem;
  const { nodeCount, postOrder, parent, leaf } = trie;
  const limited = problem.maxWildcards < maxPaths;
  const maxWildcards = limited ? problem.maxWildcards : 0;

  const best = new Float64Array(nodeCount);
  const split = new Float64Array(nodeCount);
  const splitPaths = new Float64Array(nodeCount);
  const splitWildcards = new Float64Array(nodeCount);
  const bestPaths = new Float64Array(nodeCount);
  const bestWildcards = new Float64Array(nodeCount);

  /** One pass of the relaxation at prices (lambda, mu); leaves `best` and `split` filled. */
  const relax = (lambda: number, mu: number): Relaxed => {
    split.fill(0);
    splitPaths.fill(0);
    splitWildcards.fill(0);
    const perPath = pathPrice + lambda;
    for (let k = 0; k < nodeCount; k++) {
      const node = postOrder[k]!;
      const index = leaf[node]!;
      let value: number;
      let paths = 1;
      let wildcards = 1;
      if (index >= 0) {
        if (wildcardKey[index] === 1) value = cost[node]! + perPath + mu;
        else {
          value = cost[node]! + perPath;
          wildcards = 0;
        }
      } else {
        const own = cost[node]! + perPath + mu;
        const open = split[node]!;
        // Ties go to the node's own wildcard: fewer paths.
        if (own <= open) value = own;
        else {
          value = open;
          paths = splitPaths[node]!;
          wildcards = splitWildcards[node]!;
        }
      }
      best[node] = value;
      bestPaths[node] = paths;
      bestWildcards[node] = wildcards;
      const up = parent[node]!;
      if (up >= 0) {
        split[up]! += value;
        splitPaths[up]! += paths;
        splitWildcards[up]! += wildcards;
      }
    }
    const root = postOrder[nodeCount - 1]!;
    const paths = bestPaths[root]!;
    const wildcards = bestWildcards[root]!;
    return {
      bound: best[root]! - lambda * maxPaths - mu * maxWildcards,
      paths,
      wildcards,
      objective: best[root]! - lambda * paths - mu * wildcards,
    };
  };

  const root = postOrder[nodeCount - 1]!;
  // Always a plan: the root's own wildcard (see chooseCover).
  let upper = cost[root]! + pathPrice;
  let lower = Number.NEGATIVE_INFINITY;
  let lambda = 0;
  let mu = 0;
  const feasible = (r: Relaxed) => r.paths <= maxPaths && (!limited || r.wildcards <= maxWildcards);
  const consider = (r: Relaxed, l: number, m: number) => {
    if (feasible(r) && r.objective < upper) upper = r.objective;
    if (r.bound > lower) {
      lower = r.bound;
      lambda = l;
      mu = m;
    }
  };
  // A scale for the prices: no path or wildcard is worth more than the root's wildcard and the price
  // of every path below it.
  let scale = pathPrice * trie.leafCount[root]! + 1;
  for (let node = 0; node < nodeCount; node++)
    if (Number.isFinite(cost[node]!)) scale = Math.max(scale, cost[node]! + 1);

  // Kelley's cutting planes on the concave bound: each relaxed optimum x is a plane
  // objective(x) + lambda (paths(x) - maxPaths) + mu (wildcards(x) - maxWildcards) above the bound;
  // the next prices are where the lowest of the planes so far is highest.
  const cuts: Cut[] = [];
  const evaluate = (l: number, m: number) => {
    const r = relax(l, m);
    consider(r, l, m);
    cuts.push({ base: r.objective, perPath: r.paths - maxPaths, perWildcard: r.wildcards - maxWildcards });
  };
  evaluate(0, 0);
  for (let step = 0; step < SEARCH_STEPS && !(lower >= upper); step++) {
    const next = highestPoint(cuts, scale, limited ? scale : 0);
    if (next.value <= lower + 1e-12 * (1 + Math.abs(lower))) break;
    evaluate(next.lambda, next.mu);
  }

  relax(lambda, mu);
  return { lower, upper, lambda, mu, relaxed: best, split, maxWildcards };
}

/** The relaxation at the best prices found, and the bounds it gives on the optimum. */
export interface Relaxation {
  /** No plan within the limits has a lower objective. */
  readonly lower: number;
  /** A plan within the limits has this objective (the least of those met on the way). */
  readonly upper: number;
  readonly lambda: number;
  readonly mu: number;
  /** Per node: the relaxed optimum of its subtree at (lambda, mu). */
  readonly relaxed: Float64Array;
  /** Per internal node: the sum of its children's relaxed optima. */
  readonly split: Float64Array;
  /** The wildcard limit the bound prices (0 when it does not bind). */
  readonly maxWildcards: number;
}

/**
 * What the search may skip when it looks only for plans whose objective is at most `cap`: every such
 * plan passes every test (see CoverBounds), so the search finds the optimum if it is at most `cap`.
 */
export function boundsBelow(problem: CoverProblem, relaxation: Relaxation, cap: number): CoverBounds {
  const { trie, maxPaths, pathPrice } = problem;
  const { nodeCount, postOrder, parent, leaf } = trie;
  const { lambda, mu, relaxed, split, maxWildcards } = relaxation;
  const prices = lambda * maxPaths + mu * maxWildcards;
  const tolerance = 1e-9 * (1 + Math.abs(cap) + prices);
  const available = cap + tolerance + prices;
  // outside[v]: the relaxed optimum of all but v's subtree, no wildcard above v. Parents first.
  const outside = new Float64Array(nodeCount);
  const limit = new Float64Array(nodeCount);
  const closed = new Uint8Array(nodeCount);
  for (let k = nodeCount - 1; k >= 0; k--) {
    const node = postOrder[k]!;
    const up = parent[node]!;
    if (up >= 0) {
      if (closed[up] === 1) {
        // Nothing below a closed node is searched.
        closed[node] = 1;
        limit[node] = Number.NEGATIVE_INFINITY;
        continue;
      }
      outside[node] = outside[up]! + split[up]! - relaxed[node]!;
    }
    limit[node] = available - outside[node]!;
    if (leaf[node]! < 0 && !(outside[node]! + split[node]! <= available)) closed[node] = 1;
  }
  return { limit, closed, relaxed, pathWeight: pathPrice + lambda, wildcardWeight: mu };
}

interface Cut {
  readonly base: number;
  readonly perPath: number;
  readonly perWildcard: number;
}

/**
 * The highest point of min over cuts of base + perPath lambda + perWildcard mu, for lambda in [0, maxLambda]
 * and mu in [0, maxMu]: a vertex of the planes and the box's walls, found by trying each.
 */
function highestPoint(
  cuts: readonly Cut[],
  maxLambda: number,
  maxMu: number,
): { lambda: number; mu: number; value: number } {
  const at = (lambda: number, mu: number) => {
    let value = Number.POSITIVE_INFINITY;
    for (const cut of cuts) value = Math.min(value, cut.base + cut.perPath * lambda + cut.perWildcard * mu);
    return value;
  };
  let best = { lambda: 0, mu: 0, value: at(0, 0) };
  const tryPoint = (lambda: number, mu: number) => {
    if (!(lambda >= 0 && lambda <= maxLambda && mu >= 0 && mu <= maxMu)) return;
    const value = at(lambda, mu);
    if (value > best.value) best = { lambda, mu, value };
  };
  tryPoint(maxLambda, 0);
  tryPoint(0, maxMu);
  tryPoint(maxLambda, maxMu);
  for (let i = 0; i < cuts.length; i++) {
    for (let j = i + 1; j < cuts.length; j++) {
      // Where cuts i and j meet, along each wall of the box.
      const a = cuts[i]!;
      const b = cuts[j]!;
      const dBase = b.base - a.base;
      const dPath = a.perPath - b.perPath;
      const dWildcard = a.perWildcard - b.perWildcard;
      // a.base + a.perPath l + a.perWildcard m = b.base + ...  <=>  dPath l + dWildcard m = dBase
      if (dPath !== 0) {
        tryPoint(dBase / dPath, 0);
        tryPoint((dBase - dWildcard * maxMu) / dPath, maxMu);
      }
      if (dWildcard !== 0) {
        tryPoint(0, dBase / dWildcard);
        tryPoint(maxLambda, (dBase - dPath * maxLambda) / dWildcard);
      }
      for (let k = j + 1; k < cuts.length; k++) {
        const c = cuts[k]!;
        const eBase = c.base - a.base;
        const ePath = a.perPath - c.perPath;
        const eWildcard = a.perWildcard - c.perWildcard;
        const det = dPath * eWildcard - dWildcard * ePath;
        if (det === 0) continue;
        tryPoint((dBase * eWildcard - dWildcard * eBase) / det, (dPath * eBase - dBase * ePath) / det);
      }
    }
  }
  return best;
}
