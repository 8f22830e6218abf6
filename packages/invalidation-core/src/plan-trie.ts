/**
 * The compact prefix trie (radix tree) of a sorted list of distinct keys, built in O(total
 * common-prefix length) from the longest common prefixes of neighbours, without storing edges.
 *
 * Internal nodes are exactly the longest common prefixes of groups of keys: the only places where a
 * wildcard can be worth putting, since any wildcard that covers a group of keys matches a superset of
 * what the wildcard at their longest common prefix matches.
 */
export interface PrefixTrie {
  /** The keys, sorted (UTF-16 code unit order), distinct. Leaf `i` is `keys[i]`. */
  readonly keys: readonly string[];
  readonly nodeCount: number;
  /** Parent node, -1 for the root. */
  readonly parent: Int32Array;
  /** Length of the node's prefix (for a leaf, of its key). */
  readonly depth: Int32Array;
  /** Key index of a leaf; -1 for an internal node. */
  readonly leaf: Int32Array;
  /** A key below the node, so the prefix is `keys[rep].slice(0, depth)`. */
  readonly rep: Int32Array;
  /** Number of keys below the node. */
  readonly leafCount: Int32Array;
  /** Every node, children before parents; the root is last. */
  readonly postOrder: Int32Array;
}

function commonPrefixLength(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let i = 0;
  while (i < max && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** Builds the trie of `keys`, which must be sorted and distinct (and not empty). */
export function buildPrefixTrie(keys: readonly string[]): PrefixTrie {
  const n = keys.length;
  const capacity = Math.max(1, 2 * n - 1);
  const parent = new Int32Array(capacity).fill(-1);
  // Doubled depth: a leaf sits half a character below an internal node of its own length, so that a
  // key that is a prefix of another (`/blog` and `/blog/`) stays a leaf under the node `/blog`.
  const depth2 = new Int32Array(capacity);
  const leaf = new Int32Array(capacity).fill(-1);
  const rep = new Int32Array(capacity);
  const postOrder = new Int32Array(capacity);
  const stack = new Int32Array(capacity);
  let nodes = 0;
  let sp = 0;
  let done = 0;

  for (let i = 0; i < n; i++) {
    const key = keys[i]!;
    if (i > 0) {
      const shared2 = 2 * commonPrefixLength(keys[i - 1]!, key);
      // The rightmost path deeper than what the new key shares with its predecessor is complete.
      let last = -1;
      while (sp > 0 && depth2[stack[sp - 1]!]! > shared2) {
        last = stack[--sp]!;
        postOrder[done++] = last;
        if (sp > 0 && depth2[stack[sp - 1]!]! >= shared2) parent[last] = stack[sp - 1]!;
      }
      // The leaf of the previous key is always deeper than shared2, so `last` is set here.
      if (sp === 0 || depth2[stack[sp - 1]!]! < shared2) {
        const node = nodes++;
        depth2[node] = shared2;
        rep[node] = rep[last]!;
        parent[last] = node;
        stack[sp++] = node;
      }
    }
    const node = nodes++;
    depth2[node] = 2 * key.length + 1;
    leaf[node] = i;
    rep[node] = i;
    stack[sp++] = node;
  }
  while (sp > 0) {
    const last = stack[--sp]!;
    postOrder[done++] = last;
    if (sp > 0) parent[last] = stack[sp - 1]!;
  }

  const depth = new Int32Array(nodes);
  const leafCount = new Int32Array(nodes);
  for (let k = 0; k < nodes; k++) {
    const node = postOrder[k]!;
    depth[node] = depth2[node]! >> 1;
    if (leaf[node]! >= 0) leafCount[node]! += 1;
    const up = parent[node]!;
    if (up >= 0) leafCount[up]! += leafCount[node]!;
  }
  return {
    keys,
    nodeCount: nodes,
    parent: parent.subarray(0, nodes),
    depth,
    leaf: leaf.subarray(0, nodes),
    rep: rep.subarray(0, nodes),
    leafCount,
    postOrder: postOrder.subarray(0, nodes),
  };
}

/** Children of each node, in key order: those of `node` are `list[start[node]]` to `list[start[node + 1] - 1]`. */
export interface Children {
  readonly start: Int32Array;
  readonly list: Int32Array;
}

export function childrenIndex(trie: PrefixTrie): Children {
  const n = trie.nodeCount;
  const start = new Int32Array(n + 1);
  for (let v = 0; v < n; v++) {
    const up = trie.parent[v]!;
    if (up >= 0) start[up + 1]! += 1;
  }
  for (let v = 0; v < n; v++) start[v + 1]! += start[v]!;
  const next = start.slice(0, n);
  const list = new Int32Array(Math.max(0, n - 1));
  // Visiting nodes in number order keeps children in key order (nodes are numbered as keys are read).
  for (let v = 0; v < n; v++) {
    const up = trie.parent[v]!;
    if (up >= 0) list[next[up]!++] = v;
  }
  return { start, list };
}
