import type { Children, PrefixTrie } from "./plan-trie.js";

/** Above this many min-plus steps (about n x maxPaths at worst) the planner uses the Lagrangian search. */
export const EXACT_WORK_LIMIT = 20_000_000;
/** Above this many table cells (8 bytes each) it does too, to keep memory small. */
export const EXACT_CELL_LIMIT = 4_000_000;
/**
 * Above this {@link exactLimitedSearchSize} work the wildcard limit is met greedily instead. The
 * estimate is a loose upper bound (tables are sparse): the blog theme change of the benchmark
 * (11,740 paths, budget 30) estimates 8.7e7 and takes about 0.1 to 0.3 s; 10^4 generated keys
 * estimate 2.2e8.
 */
export const EXACT_LIMITED_WORK_LIMIT = 100_000_000;

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
 * @param cost per node: 0 for a changed path or wildcard, the wildcard's cost for internal nodes and
 *   sealed groups (leaves), Infinity where no wildcard may go.
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
      table[at + 1] = cost[node]!;
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

/**
 * What {@link chooseExactLimited} would cost: min-plus steps and table cells, bounded from above. O(nodes).
 * Its tables are two-dimensional (wildcards x exact paths), so the same input costs more than
 * {@link exactSearchSize} reports.
 */
export function exactLimitedSearchSize(
  trie: PrefixTrie,
  children: Children,
  maxPaths: number,
  maxWildcards: number,
): { work: number; cells: number } {
  const cellsOf = (node: number) => limitedShape(trie.leafCount[node]!, maxPaths, maxWildcards);
  let work = 0;
  let cells = 0;
  for (let k = 0; k < trie.nodeCount; k++) {
    const node = trie.postOrder[k]!;
    cells += cellsOf(node);
    if (trie.leaf[node]! >= 0) continue;
    let keys = 0;
    for (let c = children.start[node]!; c < children.start[node + 1]!; c++) {
      const child = children.list[c]!;
      if (keys > 0) work += limitedShape(keys, maxPaths, maxWildcards) * cellsOf(child);
      keys += trie.leafCount[child]!;
    }
  }
  return { work, cells };
}

/** Cells of a table over `keys` keys: (wildcards 0..min(keys, W)) x (exact paths 0..min(keys, P)). */
function limitedShape(keys: number, maxPaths: number, maxWildcards: number): number {
  return (Math.min(keys, maxWildcards) + 1) * (Math.min(keys, maxPaths) + 1);
}

/**
 * {@link chooseExact} with a second limit: at most `maxWildcards` of the paths may be wildcards
 * (changed wildcards count too). Each node's table holds the least cost of covering its keys with
 * exactly w wildcards and u exact paths, for w <= maxWildcards and w + u <= maxPaths; tables are
 * sparse in practice (a folder of exact keys has one finite cell per way of covering it), and only
 * finite cells are combined. Among equally cheap plans it takes the fewest paths, then the fewest
 * wildcards. Always finds a plan when maxPaths and maxWildcards are >= 1 (the root's wildcard).
 *
 * @param cost per node: 0 for a changed path or wildcard, the wildcard's cost for internal nodes and
 *   sealed groups (leaves), Infinity where no wildcard may go.
 * @param wildcardKey per key (leaf index): 1 when the changed path is itself a wildcard.
 */
export function chooseExactLimited(
  trie: PrefixTrie,
  children: Children,
  cost: Float64Array,
  wildcardKey: Uint8Array,
  maxPaths: number,
  maxWildcards: number,
): Uint8Array {
  const { nodeCount, postOrder, leaf, leafCount } = trie;
  const rows = new Int32Array(nodeCount);
  const cols = new Int32Array(nodeCount);
  const offset = new Float64Array(nodeCount);
  let cells = 0;
  for (let node = 0; node < nodeCount; node++) {
    rows[node] = Math.min(leafCount[node]!, maxWildcards) + 1;
    cols[node] = Math.min(leafCount[node]!, maxPaths) + 1;
    offset[node] = cells;
    cells += rows[node]! * cols[node]!;
  }
  const table = new Float64Array(cells).fill(Number.POSITIVE_INFINITY);
  const full = (maxWildcards + 1) * (maxPaths + 1);
  let merged: Table = { values: new Float64Array(full), rows: 0, cols: 0 };
  let next: Table = { values: new Float64Array(full), rows: 0, cols: 0 };
  const view = (node: number): Table => ({
    values: table.subarray(offset[node]!, offset[node]! + rows[node]! * cols[node]!),
    rows: rows[node]!,
    cols: cols[node]!,
  });

  for (let k = 0; k < nodeCount; k++) {
    const node = postOrder[k]!;
    const at = offset[node]!;
    const index = leaf[node]!;
    if (index >= 0) {
      // A key is one path: a wildcard if the change was one (or a sealed group), else exact.
      if (wildcardKey[index] === 1) table[at + cols[node]!] = cost[node]!;
      else table[at + 1] = cost[node]!;
      continue;
    }
    const first = children.start[node]!;
    const end = children.start[node + 1]!;
    copyInto(view(children.list[first]!), merged);
    for (let c = first + 1; c < end; c++) {
      mergeLimited(merged, view(children.list[c]!), next, maxPaths, maxWildcards);
      const swap = merged;
      merged = next;
      next = swap;
    }
    const own = view(node);
    for (let w = 0; w < merged.rows; w++) {
      for (let u = 0; u < merged.cols; u++) own.values[w * own.cols + u] = merged.values[w * merged.cols + u]!;
    }
    // The node's own wildcard: one wildcard, no exact path.
    const one = own.cols;
    if (cost[node]! < own.values[one]!) own.values[one] = cost[node]!;
  }

  const root = postOrder[nodeCount - 1]!;
  const rootTable = view(root);
  let bestW = -1;
  let bestU = -1;
  let best = Number.POSITIVE_INFINITY;
  for (let w = 0; w < rootTable.rows; w++) {
    for (let u = 0; u < rootTable.cols && w + u <= maxPaths; u++) {
      const value = rootTable.values[w * rootTable.cols + u]!;
      const paths = w + u;
      if (value < best || (value === best && (paths < bestW + bestU || (paths === bestW + bestU && w < bestW)))) {
        best = value;
        bestW = w;
        bestU = u;
      }
    }
  }

  const chosen = new Uint8Array(nodeCount);
  const stack: number[] = [root, bestW, bestU];
  while (stack.length > 0) {
    const u = stack.pop()!;
    const w = stack.pop()!;
    const node = stack.pop()!;
    if (leaf[node]! >= 0 || (w === 1 && u === 0 && view(node).values[cols[node]!] === cost[node])) {
      chosen[node] = 1;
      continue;
    }
    // Recompute the children's prefix merges and walk back through them.
    const kids = children.list.subarray(children.start[node]!, children.start[node + 1]!);
    const prefixes: Table[] = [copyInto(view(kids[0]!), { values: new Float64Array(full), rows: 0, cols: 0 })];
    for (let c = 1; c < kids.length; c++) {
      const out: Table = { values: new Float64Array(full), rows: 0, cols: 0 };
      mergeLimited(prefixes[c - 1]!, view(kids[c]!), out, maxPaths, maxWildcards);
      prefixes.push(out);
    }
    let tw = w;
    let tu = u;
    for (let c = kids.length - 1; c >= 1; c--) {
      const before = prefixes[c - 1]!;
      const kid = view(kids[c]!);
      const target = prefixes[c]!.values[tw * prefixes[c]!.cols + tu]!;
      let found = false;
      for (let w1 = 0; w1 < before.rows && w1 <= tw && !found; w1++) {
        for (let u1 = 0; u1 < before.cols && u1 <= tu; u1++) {
          const w2 = tw - w1;
          const u2 = tu - u1;
          if (w2 >= kid.rows || u2 >= kid.cols) continue;
          if (before.values[w1 * before.cols + u1]! + kid.values[w2 * kid.cols + u2]! === target) {
            stack.push(kids[c]!, w2, u2);
            tw = w1;
            tu = u1;
            found = true;
            break;
          }
        }
      }
    }
    stack.push(kids[0]!, tw, tu);
  }
  return chosen;
}

/** A (wildcards x exact paths) table, row-major: `values[w * cols + u]`. */
interface Table {
  values: Float64Array;
  rows: number;
  cols: number;
}

function copyInto(from: Table, to: Table): Table {
  to.rows = from.rows;
  to.cols = from.cols;
  to.values.set(from.values.subarray(0, from.rows * from.cols));
  return to;
}

/** Min-plus merge of two "exactly w wildcards, u exact paths" tables, within both limits. */
function mergeLimited(a: Table, b: Table, out: Table, maxPaths: number, maxWildcards: number): void {
  out.rows = Math.min(a.rows - 1 + b.rows - 1, maxWildcards) + 1;
  out.cols = Math.min(a.cols - 1 + b.cols - 1, maxPaths) + 1;
  out.values.fill(Number.POSITIVE_INFINITY, 0, out.rows * out.cols);
  for (let w1 = 0; w1 < a.rows; w1++) {
    for (let u1 = 0; u1 < a.cols; u1++) {
      const x = a.values[w1 * a.cols + u1]!;
      if (x === Number.POSITIVE_INFINITY) continue;
      for (let w2 = 0; w2 < b.rows && w1 + w2 < out.rows; w2++) {
        const row = (w1 + w2) * out.cols;
        for (let u2 = 0; u2 < b.cols; u2++) {
          const u = u1 + u2;
          if (w1 + w2 + u > maxPaths) break;
          const y = b.values[w2 * b.cols + u2]!;
          if (y === Number.POSITIVE_INFINITY) continue;
          if (x + y < out.values[row + u]!) out.values[row + u] = x + y;
        }
      }
    }
  }
}
