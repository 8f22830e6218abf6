import type { Children, PrefixTrie } from "./plan-trie.js";

/**
 * A near-optimal cover for inputs too large for the exact search, in O(nodes x ~40): a Lagrangian
 * relaxation solved exactly over the trie, then a greedy step that spends the budget it left.
 * Returns the chosen nodes (leaves: the key itself; internal nodes: their wildcard).
 *
 * @param cost per node: 0 for a changed path or wildcard, the wildcard's cost for internal nodes and
 *   sealed groups (leaves), Infinity where no wildcard may go.
 */
export function chooseRelaxed(
  trie: PrefixTrie,
  children: Children,
  cost: Float64Array,
  maxPaths: number,
  limit?: WildcardLimit,
): Uint8Array {
  const { nodeCount, parent, leaf, postOrder, keys } = trie;
  const root = postOrder[nodeCount - 1]!;
  // The Lagrangian search runs over internal nodes only, renumbered in post-order so that it reads
  // memory in sequence; a key (leaf) always costs just the price of one path.
  const innerCount = nodeCount - keys.length;
  const innerNode = new Int32Array(innerCount);
  const innerIndex = new Int32Array(nodeCount).fill(-1);
  for (let k = 0, i = 0; k < nodeCount; k++) {
    const node = postOrder[k]!;
    if (leaf[node]! < 0) {
      innerIndex[node] = i;
      innerNode[i++] = node;
    }
  }
  const innerParent = new Int32Array(innerCount);
  const innerCost = new Float64Array(innerCount);
  const directKeys = new Float64Array(innerCount);
  for (let i = 0; i < innerCount; i++) {
    const node = innerNode[i]!;
    const up = parent[node]!;
    innerParent[i] = up < 0 ? -1 : innerIndex[up]!;
    innerCost[i] = cost[node]!;
  }
  // What a node's keys cost besides their price: 0, except a sealed group, which is a wildcard.
  const directCost = new Float64Array(innerCount);
  for (let node = 0; node < nodeCount; node++) {
    if (leaf[node]! < 0) continue;
    const up = innerIndex[parent[node]!]!;
    directKeys[up]! += 1;
    directCost[up]! += cost[node]!;
  }

  const take = new Uint8Array(innerCount);
  const sumCost = new Float64Array(innerCount);
  const sumCount = new Float64Array(innerCount);
  // Lagrangian relaxation: for a price `lambda` per path, the cheapest cover of each subtree is either
  // its own wildcard or the cheapest covers of its children. Ties go to the wildcard, so the number of
  // paths falls as the price rises, and the plan found is optimal for its own number of paths.
  const solve = (lambda: number): number => {
    let total = 0;
    for (let i = 0; i < innerCount; i++) {
      const below = sumCost[i]! + directCost[i]! + lambda * directKeys[i]!;
      const wildcard = innerCost[i]! + lambda;
      let g: number;
      let c: number;
      if (wildcard <= below) {
        take[i] = 1;
        g = wildcard;
        c = 1;
      } else {
        take[i] = 0;
        g = below;
        c = sumCount[i]! + directKeys[i]!;
      }
      sumCost[i] = 0;
      sumCount[i] = 0;
      const up = innerParent[i]!;
      if (up >= 0) {
        sumCost[up]! += g;
        sumCount[up]! += c;
      } else total = c;
    }
    return total;
  };

  // At a price above the root's cost the root wildcard alone is cheapest (every child costs >= lambda).
  let lo = 0;
  let hi = cost[root]! + 1;
  if (solve(lo) <= maxPaths) hi = lo;
  else {
    // Stop at a relative precision that separates the price breakpoints of real plans; the greedy
    // step below spends whatever budget a slightly high price leaves unused.
    for (let step = 0; step < 64 && hi - lo > 1e-9 * hi; step++) {
      const mid = (lo + hi) / 2;
      const count = solve(mid);
      if (count <= maxPaths) hi = mid;
      else lo = mid;
      if (count === maxPaths) break;
    }
  }
  solve(hi);

  // The chosen wildcards: taken nodes with no taken ancestor (parents come before children here).
  const chosen = new Uint8Array(nodeCount);
  const under = new Uint8Array(nodeCount);
  let used = 0;
  for (let k = nodeCount - 1; k >= 0; k--) {
    const node = postOrder[k]!;
    const up = parent[node]!;
    const above = up >= 0 && under[up] === 1;
    if (!above && (leaf[node]! >= 0 || take[innerIndex[node]!] === 1)) {
      chosen[node] = 1;
      used++;
    }
    under[node] = above || chosen[node] === 1 ? 1 : 0;
  }

  if (limit === undefined) {
    spendLeftover(trie, children, cost, chosen, maxPaths - used, undefined);
    return chosen;
  }
  return limitWildcards(trie, children, cost, chosen, maxPaths, limit);
}

/** At most `maxWildcards` wildcards in a plan; `wildcardKey[i]` is 1 when changed key i is itself a wildcard. */
export interface WildcardLimit {
  readonly maxWildcards: number;
  readonly wildcardKey: Uint8Array;
}

/**
 * Brings a cover down to at most `limit.maxWildcards` wildcards, greedily: merges the chosen patterns
 * below one trie node into that node's wildcard (which never adds paths), cheapest added cost per
 * wildcard saved first, then spends the paths this freed on splits that stay within the limit.
 * O(maxPaths x depth) per merge, at most maxPaths merges. Changes `chosen` in place and returns it.
 */
export function limitWildcards(
  trie: PrefixTrie,
  children: Children,
  cost: Float64Array,
  chosen: Uint8Array,
  maxPaths: number,
  limit: WildcardLimit,
): Uint8Array {
  const { nodeCount, parent, leaf } = trie;
  const isWildcard = (node: number) => leaf[node]! < 0 || limit.wildcardKey[leaf[node]!] === 1;
  // Only the chosen patterns (at most maxPaths) and their ancestors matter: sums are kept for those
  // nodes alone, so a merge costs O(maxPaths x depth), not O(nodes).
  let picked: number[] = [];
  for (let node = 0; node < nodeCount; node++) if (chosen[node] === 1) picked.push(node);
  const wildcards = new Int32Array(nodeCount);
  const spent = new Float64Array(nodeCount);
  const touched: number[] = [];
  let wildcardTotal = 0;
  for (const node of picked) if (isWildcard(node)) wildcardTotal++;
  while (wildcardTotal > limit.maxWildcards) {
    for (const node of touched) {
      wildcards[node] = 0;
      spent[node] = 0;
    }
    touched.length = 0;
    for (const node of picked) {
      const wildcard = isWildcard(node) ? 1 : 0;
      const paid = cost[node]!;
      for (let up = parent[node]!; up >= 0; up = parent[up]!) {
        if (wildcards[up] === 0 && spent[up] === 0) touched.push(up);
        wildcards[up]! += wildcard;
        spent[up]! += paid;
      }
    }
    const excess = wildcardTotal - limit.maxWildcards;
    // A merge that saves more wildcards than needed is worth only what is needed. Ties: lowest node.
    let best = -1;
    let bestRatio = Number.POSITIVE_INFINITY;
    for (const node of touched) {
      if (wildcards[node]! < 2 || !Number.isFinite(cost[node]!)) continue;
      const ratio = (cost[node]! - spent[node]!) / Math.min(wildcards[node]! - 1, excess);
      if (ratio < bestRatio || (ratio === bestRatio && node < best)) {
        bestRatio = ratio;
        best = node;
      }
    }
    // Cannot happen: the root's wildcard is always allowed and holds every wildcard.
    if (best < 0) break;
    const kept: number[] = [];
    for (const node of picked) {
      let under = false;
      for (let up = parent[node]!; up >= 0 && !under; up = parent[up]!) under = up === best;
      if (under) {
        chosen[node] = 0;
        if (isWildcard(node)) wildcardTotal--;
      } else kept.push(node);
    }
    kept.push(best);
    chosen[best] = 1;
    wildcardTotal++;
    picked = kept;
  }
  spendLeftover(trie, children, cost, chosen, maxPaths - picked.length, {
    left: limit.maxWildcards - wildcardTotal,
    isWildcard,
  });
  return chosen;
}

/**
 * The Lagrangian plan can use fewer paths than allowed. Greedily split chosen wildcards back into
 * their children (wildcards or the keys themselves), best saving per extra path first, while paths
 * are left and the split saves something.
 */
function spendLeftover(
  trie: PrefixTrie,
  children: Children,
  cost: Float64Array,
  chosen: Uint8Array,
  leftover: number,
  wildcardsLeft: { left: number; readonly isWildcard: (node: number) => boolean } | undefined,
): void {
  if (leftover <= 0) return;
  // Wildcards a split adds (negative: removes), counted only under a wildcard limit.
  const addedWildcards = (parts: readonly number[] | undefined, node: number): number => {
    if (wildcardsLeft === undefined) return 0;
    if (parts !== undefined) {
      let added = -1;
      for (const part of parts) if (wildcardsLeft.isWildcard(part)) added++;
      return added;
    }
    let added = -1;
    for (const leaf of leavesBelow(trie, children, node)) if (wildcardsLeft.isWildcard(leaf)) added++;
    return added;
  };
  const heap = new SplitHeap();
  const consider = (node: number): void => {
    if (trie.leaf[node]! >= 0) return;
    const parts = splitParts(trie, children, cost, node);
    let partsCost = 0;
    for (const part of parts) partsCost += cost[part]!;
    const saving = cost[node]! - partsCost;
    if (saving > 0) heap.push({ node, parts, added: parts.length - 1, ratio: saving / (parts.length - 1) });
    // Look past splits that save nothing by themselves: the node's keys, each on its own, save its
    // whole cost (less what sealed groups among them cost as wildcards).
    const keys = trie.leafCount[node]!;
    if (keys - 1 > parts.length - 1 && keys - 1 <= leftover && cost[node]! > 0) {
      let leafCost = 0;
      for (const leaf of leavesBelow(trie, children, node)) leafCost += cost[leaf]!;
      const saving = cost[node]! - leafCost;
      if (saving > 0) heap.push({ node, parts: undefined, added: keys - 1, ratio: saving / (keys - 1) });
    }
  };
  for (let node = 0; node < trie.nodeCount; node++) if (chosen[node] === 1) consider(node);
  let left = leftover;
  while (left > 0) {
    const best = heap.pop();
    if (best === undefined) break;
    // Skip what no longer fits, and options for a node already split another way.
    if (best.added > left || chosen[best.node] !== 1) continue;
    if (wildcardsLeft !== undefined) {
      const more = addedWildcards(best.parts, best.node);
      if (more > wildcardsLeft.left) continue;
      wildcardsLeft.left -= more;
    }
    chosen[best.node] = 0;
    if (best.parts === undefined) {
      for (const leaf of leavesBelow(trie, children, best.node)) chosen[leaf] = 1;
    } else {
      for (const part of best.parts) {
        chosen[part] = 1;
        consider(part);
      }
    }
    left -= best.added;
  }
}

/** The leaves (keys) below `node`. */
function leavesBelow(trie: PrefixTrie, children: Children, node: number): number[] {
  const leaves: number[] = [];
  const stack = [node];
  while (stack.length > 0) {
    const at = stack.pop()!;
    if (trie.leaf[at]! >= 0) leaves.push(at);
    else stack.push(...childrenOf(children, at));
  }
  return leaves;
}

/** The children of `node`, with any that may not hold a wildcard replaced by their own parts. */
function splitParts(trie: PrefixTrie, children: Children, cost: Float64Array, node: number): number[] {
  const parts: number[] = [];
  const stack = [...childrenOf(children, node)].reverse();
  while (stack.length > 0) {
    const part = stack.pop()!;
    if (trie.leaf[part]! >= 0 || Number.isFinite(cost[part]!)) parts.push(part);
    else stack.push(...[...childrenOf(children, part)].reverse());
  }
  return parts;
}

interface Split {
  readonly node: number;
  /** The parts it splits into; undefined: all its keys, exact. */
  readonly parts: readonly number[] | undefined;
  readonly added: number;
  readonly ratio: number;
}

/** Max-heap on saving per extra path; ties by node number, so the result is deterministic. */
class SplitHeap {
  private readonly items: Split[] = [];

  push(item: Split): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!before(items[i]!, items[up]!)) break;
      [items[i], items[up]] = [items[up]!, items[i]!];
      i = up;
    }
  }

  pop(): Split | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < items.length && before(items[l]!, items[best]!)) best = l;
      if (r < items.length && before(items[r]!, items[best]!)) best = r;
      if (best === i) break;
      [items[i], items[best]] = [items[best]!, items[i]!];
      i = best;
    }
    return top;
  }
}

function before(a: Split, b: Split): boolean {
  return a.ratio > b.ratio || (a.ratio === b.ratio && a.node < b.node);
}

function childrenOf(children: Children, node: number): Int32Array {
  return children.list.subarray(children.start[node]!, children.start[node + 1]!);
}
