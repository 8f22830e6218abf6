import { boundsBelow, type CoverBounds, type CoverProblem, relaxCover } from "./plan-bound.js";
import type { Children } from "./plan-trie.js";

/**
 * A staircase of Pareto-optimal (paths, cost) points: `paths` ascending, `cost` strictly descending.
 * Each point is a way of covering a subtree with exactly that many paths (and the row's number of
 * wildcards) at that cost; a point that another with no more paths, no more wildcards and no more cost
 * beats is dropped.
 */
interface Stair {
  readonly paths: Int32Array;
  readonly cost: Float64Array;
}

/** One stair per number of wildcards (row w: exactly w wildcards). Without a wildcard limit, one row. */
type Table = Stair[];

const EMPTY: Stair = { paths: new Int32Array(0), cost: new Float64Array(0) };

/** Where between the lower bound and the known plan the search's caps go, as shares of the gap. */
const CAP_STEPS = [1 / 8, 1 / 2];

/**
 * The optimal cover, exactly: a dynamic programme over the trie whose table at each node holds, for
 * every number of wildcards w (up to the limit) and paths p (up to the budget), the least cost of
 * covering the node's keys, keeping only Pareto-optimal points (sparse: a folder of exact keys has
 * one point per way of covering it, not one per budget). A node's table is its own wildcard plus the
 * min-plus merge of its children's tables. At the root it takes the point with the least cost +
 * pathPrice x paths; ties go to the lower cost, then fewer paths, then fewer wildcards.
 *
 * Without a binding wildcard limit the table has one row, where wildcards count as paths. Work is the
 * sum over merges of the product of the tables' sizes: at most n x maxPaths x (limit + 1)^2, in
 * practice far less, because the partition seals every node no plan within both limits can split,
 * and a Lagrangian bound (see relaxCover, boundsBelow) drops every point and split through which no
 * plan can come within a cap; caps grow to a known plan's objective until a plan within one is found.
 *
 * Returns the chosen nodes (leaves: the key itself; internal nodes: their wildcard).
 */
export function chooseCover(problem: CoverProblem): Uint8Array {
  const { trie, children, cost, maxPaths } = problem;
  const { nodeCount, postOrder, leaf } = trie;
  const limited = problem.maxWildcards < maxPaths;
  const rows = limited ? problem.maxWildcards + 1 : 1;
  // The row a single wildcard sits in: without a limit, wildcards are counted as paths only.
  const wildcardRow = limited ? 1 : 0;
  const relaxation = relaxCover(problem);
  // Look for the optimum below caps that grow towards the known plan's objective: the lower the
  // cap, the more the bounds skip; a search that finds a plan at most its cap has the optimum.
  const gap = relaxation.upper - relaxation.lower;
  const caps = Number.isFinite(gap) && gap > 0 ? CAP_STEPS.map((share) => relaxation.lower + share * gap) : [];
  caps.push(relaxation.upper);
  let found: Search | undefined;
  for (const cap of caps) {
    const bounds = boundsBelow(problem, relaxation, cap);
    found = searchTables(problem, bounds);
    if (found.best !== undefined && found.objective <= cap) break;
  }
  const { best, tables, bounds } = found!;
  const merger = new Merger(rows, maxPaths, bounds.pathWeight, limited ? bounds.wildcardWeight : 0);
  const chosen = new Uint8Array(nodeCount);
  // Always found: the root's own wildcard is allowed (see plan.ts), one path and one wildcard.
  if (best === undefined) throw new Error("no cover found within the limits (the root's wildcard must be allowed)");

  // Walk back: a node's point is its own wildcard (one path, one wildcard, its cost) or a sum of one
  // point per child, found again by recomputing the children's prefix merges.
  const stack: [number, Target][] = [[postOrder[nodeCount - 1]!, best]];
  while (stack.length > 0) {
    const [node, target] = stack.pop()!;
    if (leaf[node]! >= 0 || (target.paths === 1 && target.w === wildcardRow && target.cost === cost[node])) {
      chosen[node] = 1;
      continue;
    }
    const prefixes = mergeChildren(merger, tables, children, node, bounds);
    const kids = children.list.subarray(children.start[node]!, children.start[node + 1]!);
    let at = target;
    for (let c = kids.length - 1; c >= 1; c--) {
      const [before, kid] = splitPoint(prefixes[c - 1]!, tables[kids[c]!]!, at);
      stack.push([kids[c]!, kid]);
      at = before;
    }
    stack.push([kids[0]!, at]);
  }
  return chosen;
}

interface Search {
  readonly tables: Table[];
  readonly bounds: CoverBounds;
  readonly best: Target | undefined;
  readonly objective: number;
}

/** The forward pass: every node's table within `bounds`, and the best point at the root. */
function searchTables(problem: CoverProblem, bounds: CoverBounds): Search {
  const { trie, children, cost, wildcardKey, maxPaths, pathPrice } = problem;
  const { nodeCount, postOrder, leaf } = trie;
  const limited = problem.maxWildcards < maxPaths;
  const rows = limited ? problem.maxWildcards + 1 : 1;
  const wildcardRow = limited ? 1 : 0;
  const merger = new Merger(rows, maxPaths, bounds.pathWeight, limited ? bounds.wildcardWeight : 0);

  const single = (row: number, value: number): Table => {
    const table: Table = new Array<Stair>(rows).fill(EMPTY);
    if (Number.isFinite(value)) table[row] = { paths: Int32Array.of(1), cost: Float64Array.of(value) };
    return table;
  };
  // Every changed path's table is the same (one path, no wildcard, cost 0): shared, not one each.
  const exactLeaf = single(0, 0);
  const tables = new Array<Table>(nodeCount);
  for (let k = 0; k < nodeCount; k++) {
    const node = postOrder[k]!;
    const up = trie.parent[node]!;
    // Below a closed node nothing is searched; a closed node is its own wildcard or nothing.
    if (up >= 0 && bounds.closed[up] === 1) continue;
    const index = leaf[node]!;
    if (index >= 0) {
      tables[node] =
        wildcardKey[index] === 1
          ? single(wildcardRow, cost[node]!)
          : cost[node] === 0
            ? exactLeaf
            : single(0, cost[node]!);
      continue;
    }
    if (bounds.closed[node] === 1) {
      tables[node] = single(wildcardRow, cost[node]!);
      continue;
    }
    const merged = mergeChildren(merger, tables, children, node, bounds).at(-1)!;
    tables[node] = withOwnWildcard(merged, wildcardRow, cost[node]!);
  }

  // The best point at the root.
  const root = postOrder[nodeCount - 1]!;
  const rootTable = tables[root]!;
  let best: Target | undefined;
  let bestObjective = Number.POSITIVE_INFINITY;
  for (let w = 0; w < rows; w++) {
    const stair = rootTable[w]!;
    for (let i = 0; i < stair.paths.length; i++) {
      const paths = stair.paths[i]!;
      const value = stair.cost[i]!;
      const objective = value + pathPrice * paths;
      if (
        best === undefined ||
        objective < bestObjective ||
        (objective === bestObjective &&
          (value < best.cost || (value === best.cost && (paths < best.paths || (paths === best.paths && w < best.w)))))
      ) {
        best = { w, paths, cost: value };
        bestObjective = objective;
      }
    }
  }
  return { tables, bounds, best, objective: bestObjective };
}

interface Target {
  readonly w: number;
  readonly paths: number;
  readonly cost: number;
}

/**
 * The prefix merges of `node`'s children's tables: element c covers children 0..c. A point of a
 * prefix is kept only if, with the least the children after it can add (their relaxed optima), it
 * stays within the node's limit (see CoverBounds). The walk back recomputes them alike.
 */
function mergeChildren(
  merger: Merger,
  tables: readonly Table[],
  children: Children,
  node: number,
  bounds: CoverBounds,
): Table[] {
  const first = children.start[node]!;
  const end = children.start[node + 1]!;
  // The least the children after each prefix add, summed from the last.
  const rest = new Float64Array(end - first);
  for (let c = end - 2; c >= first; c--)
    rest[c - first] = rest[c - first + 1]! + bounds.relaxed[children.list[c + 1]!]!;
  const limit = bounds.limit[node]!;
  const prefixes: Table[] = [tables[children.list[first]!]!];
  for (let c = first + 1; c < end; c++) {
    prefixes.push(merger.merge(prefixes.at(-1)!, tables[children.list[c]!]!, limit - rest[c - first]!));
  }
  return prefixes;
}

/** The pair of points, one of `a` and one of `b`, whose sum is `target` (it was merged from one). */
function splitPoint(a: Table, b: Table, target: Target): [Target, Target] {
  for (let w1 = 0; w1 <= target.w && w1 < a.length; w1++) {
    const w2 = target.w - w1;
    if (w2 >= b.length) continue;
    const sa = a[w1]!;
    const sb = b[w2]!;
    for (let i = 0; i < sa.paths.length && sa.paths[i]! < target.paths; i++) {
      const j = findPaths(sb.paths, target.paths - sa.paths[i]!);
      if (j >= 0 && sa.cost[i]! + sb.cost[j]! === target.cost) {
        return [
          { w: w1, paths: sa.paths[i]!, cost: sa.cost[i]! },
          { w: w2, paths: sb.paths[j]!, cost: sb.cost[j]! },
        ];
      }
    }
  }
  throw new Error("exact search: a merged point has no pair of parts (tables changed between passes)");
}

function findPaths(paths: Int32Array, value: number): number {
  let lo = 0;
  let hi = paths.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (paths[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return paths[lo] === value ? lo : -1;
}

/**
 * `table` (an internal node's merged children: two paths or more) plus the node's own wildcard (one
 * path, one wildcard, `value`), which drops every point with at least as many wildcards and no lower
 * cost: one path is the fewest there can be.
 */
function withOwnWildcard(table: Table, row: number, value: number): Table {
  if (!Number.isFinite(value)) return table;
  const out = table.slice();
  for (let w = row; w < table.length; w++) {
    const stair = table[w]!;
    let keep = 0;
    while (keep < stair.cost.length && stair.cost[keep]! >= value) keep++;
    if (w === row) {
      const paths = new Int32Array(stair.paths.length - keep + 1);
      const cost = new Float64Array(paths.length);
      paths[0] = 1;
      cost[0] = value;
      paths.set(stair.paths.subarray(keep), 1);
      cost.set(stair.cost.subarray(keep), 1);
      out[w] = { paths, cost };
    } else if (keep > 0) out[w] = { paths: stair.paths.slice(keep), cost: stair.cost.slice(keep) };
  }
  return out;
}

/** Min-plus merges of tables, with scratch space kept between calls. */
class Merger {
  /** Per row, the least cost found so far at each number of paths (Infinity where none). */
  private readonly scratch: Float64Array[];
  /** A row's kept points, before they are copied out at their size. */
  private readonly keptPaths: Int32Array;
  private readonly keptCost: Float64Array;

  constructor(
    private readonly rows: number,
    private readonly maxPaths: number,
    private readonly pathWeight: number,
    private readonly wildcardWeight: number,
  ) {
    this.keptPaths = new Int32Array(maxPaths + 1);
    this.keptCost = new Float64Array(maxPaths + 1);
    this.scratch = Array.from({ length: rows }, () => new Float64Array(maxPaths + 1).fill(Number.POSITIVE_INFINITY));
  }

  /**
   * Every way of covering both subtrees: row w of the result combines rows w1 and w - w1 of the
   * parts, within the budget; then each row keeps its Pareto points that no row with fewer
   * wildcards beats (no more paths, no more cost).
   */
  merge(a: Table, b: Table, limit: number): Table {
    const { rows, maxPaths, pathWeight, wildcardWeight } = this;
    const out: Table = new Array<Stair>(rows);
    // The best cost with fewer wildcards, as a staircase: a point must beat it to be kept.
    let envelope = EMPTY;
    for (let w = 0; w < rows; w++) {
      const sums = this.scratch[w]!;
      let lo = maxPaths + 1;
      let hi = 0;
      for (let w1 = 0; w1 <= w; w1++) {
        const sa = a[w1]!;
        const sb = b[w - w1]!;
        const na = sa.paths.length;
        const nb = sb.paths.length;
        if (na === 0 || nb === 0) continue;
        for (let i = 0; i < na; i++) {
          const pa = sa.paths[i]!;
          const ca = sa.cost[i]!;
          for (let j = 0; j < nb; j++) {
            const p = pa + sb.paths[j]!;
            if (p > maxPaths) break;
            const value = ca + sb.cost[j]!;
            if (value < sums[p]!) sums[p] = value;
            if (p < lo) lo = p;
            if (p > hi) hi = p;
          }
        }
      }
      if (lo > hi) {
        out[w] = EMPTY;
        continue;
      }
      const { keptPaths, keptCost } = this;
      let kept = 0;
      let e = -1;
      let threshold = Number.POSITIVE_INFINITY;
      const rowLimit = limit - wildcardWeight * w;
      for (let p = lo; p <= hi; p++) {
        const value = sums[p]!;
        if (value === Number.POSITIVE_INFINITY) continue;
        sums[p] = Number.POSITIVE_INFINITY;
        while (e + 1 < envelope.paths.length && envelope.paths[e + 1]! <= p) {
          e++;
          if (envelope.cost[e]! < threshold) threshold = envelope.cost[e]!;
        }
        if (value < threshold) {
          threshold = value;
          // Beyond the limit, no plan through the point can be the optimum (see CoverBounds).
          if (value + pathWeight * p > rowLimit) continue;
          keptPaths[kept] = p;
          keptCost[kept++] = value;
        }
      }
      const stair: Stair = kept === 0 ? EMPTY : { paths: keptPaths.slice(0, kept), cost: keptCost.slice(0, kept) };
      out[w] = stair;
      if (w + 1 < rows && stair.paths.length > 0) envelope = lowerEnvelope(envelope, stair);
    }
    return out;
  }
}

/** The staircase of the lower of two staircases at every number of paths. */
function lowerEnvelope(a: Stair, b: Stair): Stair {
  const paths: number[] = [];
  const cost: number[] = [];
  let i = 0;
  let j = 0;
  let best = Number.POSITIVE_INFINITY;
  while (i < a.paths.length || j < b.paths.length) {
    const takeA = j >= b.paths.length || (i < a.paths.length && a.paths[i]! <= b.paths[j]!);
    const p = takeA ? a.paths[i]! : b.paths[j]!;
    const value = takeA ? a.cost[i++]! : b.cost[j++]!;
    if (value < best) {
      if (paths.length > 0 && paths[paths.length - 1] === p) cost[cost.length - 1] = value;
      else {
        paths.push(p);
        cost.push(value);
      }
      best = value;
    }
  }
  return { paths: Int32Array.from(paths), cost: Float64Array.from(cost) };
}
