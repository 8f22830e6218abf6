import type { Children, PrefixTrie } from "./plan-trie.js";

/** Above this many min-plus steps (about n x maxPaths at worst) the planner uses the Lagrangian search. */
export const EXACT_WORK_LIMIT = 20_000_000;
/** Above this many table cells (8 bytes each) it does too, to keep memory small. */
export const EXACT_CELL_LIMIT = 4_000_000;

/** What the exact search would cost: min-plus steps and table cells. O(nodes). */
export function exactSearchSize(
  trie: PrefixTrie,
  children: Children,
  maxPaths: number,
): { work: number; cells: number } {
  let work = 0;
  let cells = 0;
  for (let k = 0; k < trie.nodeCount; k++) {
    const node = trie.postOrder[k]!;
    cells += Math.min(trie.leafCount[node]!, maxPaths) + 1;
    if (trie.leaf[node]! >= 0) continue;
    let merged = 0;
    for (let c = children.start[node]!; c < children.start[node + 1]!; c++) {
      const child = children.list[c]!;
      const size = Math.min(trie.leafCount[child]!, maxPaths);
      if (merged > 0) work += merged * size;
      merged = Math.min(merged + size, maxPaths);
    }
  }
  return { work, cells };
}

/**
 * The cheapest cover of the keys with at most `maxPaths` patterns, exactly: a tree knapsack over the
 * trie where each node's table holds the least cost of covering its keys with at most j paths
 * (the node's own wildcard at j = 1, else the min-plus merge of its children's tables). Ties go to
 * fewer paths. Returns the chosen nodes (leaves: the key itself; internal nodes: their wildcard).
 *
 * @param cost per node: 0 for leaves, Infinity where no wildcard may go.
 */
export function chooseExact(trie: PrefixTrie, children: Children, cost: Float64Array, maxPaths: number): Uint8Array {
  const { nodeCount, postOrder, leaf, leafCount } = trie;
  const length = new Int32Array(nodeCount);
  const offset = new Float64Array(nodeCount);
  let cells = 0;
  for (let node = 0; node < nodeCount; node++) {
    length[node] = Math.min(leafCount[node]!, maxPaths) + 1;
    offset[node] = cells;
    cells += length[node]!;
  }
  const table = new Float64Array(cells).fill(Number.POSITIVE_INFINITY);
  let merged = new Float64Array(maxPaths + 1);
  let next = new Float64Array(maxPaths + 1);

  for (let k = 0; k < nodeCount; k++) {
    const node = postOrder[k]!;
    const at = offset[node]!;
    if (leaf[node]! >= 0) {
      table[at + 1] = 0;
      continue;
    }
    const first = children.start[node]!;
    const end = children.start[node + 1]!;
    const kids = children.list;
    let size = copyTable(table, offset[kids[first]!]!, length[kids[first]!]!, merged);
    for (let c = first + 1; c < end; c++) {
      const kid = kids[c]!;
      size = mergeTables(merged, size, table, offset[kid]!, length[kid]!, next, maxPaths);
      const swap = merged;
      merged = next;
      next = swap;
    }
    for (let j = 2; j < size; j++) table[at + j] = merged[j]!;
    // One path: the node's own wildcard. "At most j paths": carry the best of fewer paths forward.
    table[at + 1] = cost[node]!;
    for (let j = 2; j < size; j++) if (table[at + j - 1]! < table[at + j]!) table[at + j] = table[at + j - 1]!;
  }

  const chosen = new Uint8Array(nodeCount);
  const root = postOrder[nodeCount - 1]!;
  const stack: number[] = [root, maxPaths];
  while (stack.length > 0) {
    const budget = stack.pop()!;
    const node = stack.pop()!;
    if (leaf[node]! >= 0) {
      chosen[node] = 1;
      continue;
    }
    const at = offset[node]!;
    const last = Math.min(budget, length[node]! - 1);
    // The fewest paths that reach the best cost (the table is non-increasing).
    let paths = 1;
    while (table[at + paths]! > table[at + last]!) paths++;
    if (paths === 1) {
      chosen[node] = 1;
      continue;
    }
    // Recompute the children's prefix merges and walk back through them.
    const kids = children.list.subarray(children.start[node]!, children.start[node + 1]!);
    const prefixes: Float64Array[] = [];
    let current = new Float64Array(maxPaths + 1);
    let size = copyTable(table, offset[kids[0]!]!, length[kids[0]!]!, current);
    prefixes.push(current);
    const sizes = [size];
    for (let c = 1; c < kids.length; c++) {
      const kid = kids[c]!;
      const out = new Float64Array(maxPaths + 1);
      size = mergeTables(current, size, table, offset[kid]!, length[kid]!, out, maxPaths);
      prefixes.push(out);
      sizes.push(size);
      current = out;
    }
    let j = paths;
    for (let c = kids.length - 1; c >= 1; c--) {
      const kid = kids[c]!;
      const before = prefixes[c - 1]!;
      const target = prefixes[c]![j]!;
      const kidLength = length[kid]!;
      const kidAt = offset[kid]!;
      let split = -1;
      for (let i = Math.max(1, j - (kidLength - 1)); i <= Math.min(sizes[c - 1]! - 1, j - 1); i++) {
        if (before[i]! + table[kidAt + j - i]! === target) {
          split = i;
          break;
        }
      }
      stack.push(kid, j - split);
      j = split;
    }
    stack.push(kids[0]!, j);
  }
  return chosen;
}

function copyTable(table: Float64Array, at: number, length: number, out: Float64Array): number {
  for (let j = 0; j < length; j++) out[j] = table[at + j]!;
  return length;
}

/** Min-plus merge of two "at most j paths" tables (index 0 unused), capped at `maxPaths`. */
function mergeTables(
  a: Float64Array,
  aLength: number,
  table: Float64Array,
  bAt: number,
  bLength: number,
  out: Float64Array,
  maxPaths: number,
): number {
  const size = Math.min(aLength - 1 + bLength - 1, maxPaths) + 1;
  out[0] = Number.POSITIVE_INFINITY;
  out[1] = Number.POSITIVE_INFINITY;
  for (let j = 2; j < size; j++) {
    let best = Number.POSITIVE_INFINITY;
    const hi = Math.min(aLength - 1, j - 1);
    for (let i = Math.max(1, j - (bLength - 1)); i <= hi; i++) {
      const value = a[i]! + table[bAt + j - i]!;
      if (value < best) best = value;
    }
    out[j] = best;
  }
  return size;
}
