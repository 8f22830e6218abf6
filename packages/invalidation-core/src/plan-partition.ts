/**
 * The planner's input, reduced to what a plan within the budget can tell apart: the sorted,
 * distinct keys of a prefix trie whose leaves are changed paths, changed wildcards, and "sealed"
 * groups of changed paths that no plan within the budget can split.
 */
export interface ChangedKeys {
  /** Sorted (code-unit order), distinct. A changed wildcard is stored as its prefix. */
  readonly keys: string[];
  /** 1 where the key is a changed wildcard's prefix. */
  readonly wildcard: Uint8Array;
  /**
   * Where the key is a sealed group: how many changed paths (as given) the group holds, and the
   * key is their longest common prefix. 0 for a single changed path or wildcard.
   */
  readonly sealed: Int32Array;
}

/** Bucket 0: the path ends at this depth; 1 to 128: ASCII code + 1; 129: any code unit >= 128. */
const END_BUCKET = 0;
const OTHER_BUCKET = 129;
const BUCKETS = 130;

/**
 * Builds the top of the changed paths' prefix trie, top-down, and stops wherever a plan of at most
 * `maxPaths` paths can no longer go deeper. That is exact, not a heuristic: a plan that uses a node
 * v or anything below it must also cover, separately, every other child of each of v's ancestors,
 * so it holds at least need(v) = 1 + sum over v's ancestors of (their children - 1) paths. Once
 * need exceeds the budget for a node's children, the node is sealed: in every plan within the
 * budget, its paths are covered by its own wildcard or one above it.
 *
 * With a wildcard limit W below the budget the bound is tighter: each of those other subtrees
 * takes a wildcard or one exact path per changed path in it, and at most W take a wildcard, so
 * a plan below v holds at least (their changed paths) - (the W largest's changed paths - 1 each).
 * A node whose children would need more than the budget this way is sealed as well.
 *
 * With a small budget, or the wildcard limit, only the top few levels are ever built: 10^5 changed
 * keys reduce to a few hundred or thousand trie keys, read one character per path per level and never sorted below the seal
 * (a comparison sort would read each shared prefix about 20 times per path). Repeats of a path
 * fall out where the path is split off; inside a sealed group they are counted as given.
 *
 * @param exact changed exact paths, in any order, repeats allowed.
 * @param wildcardPrefixes changed wildcards' prefixes, distinct, none a prefix of another, and no
 *   exact path starts with one (see splitChanged in plan.ts).
 * @param packedExact `exact`'s code units, if the caller packed them already.
 * @param maxWildcards the most wildcards a plan may hold; it seals more only below `maxPaths`.
 */
export function partitionChanged(
  exact: readonly string[],
  wildcardPrefixes: readonly string[],
  maxPaths: number,
  packedExact?: PackedPaths,
  maxWildcards = maxPaths,
): ChangedKeys {
  const items = wildcardPrefixes.length === 0 ? exact : [...exact, ...wildcardPrefixes];
  const n = items.length;
  const { units, start } =
    packedExact !== undefined && wildcardPrefixes.length === 0 ? packedExact : packCodeUnits(items);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const scratch = new Int32Array(n);
  const bucketOf = new Uint8Array(n);
  const reach = new Int32Array(n);
  const unit = new Int32Array(n);
  const count = new Int32Array(BUCKETS);
  const usedBuckets = new Int32Array(BUCKETS);

  const keys: string[] = [];
  const wildcard: number[] = [];
  const sealed: number[] = [];
  const leaf = (item: number) => {
    keys.push(items[item]!);
    wildcard.push(item >= exact.length ? 1 : 0);
    sealed.push(0);
  };
  const seal = (item: number, length: number, size: number) => {
    // Read from the packed units: slicing the path itself would copy a concatenated path flat first.
    keys.push(decodeUnits(units, start[item]!, start[item]! + length));
    wildcard.push(1);
    sealed.push(size);
  };
  // With a binding wildcard limit: per frame, the other subtrees a plan below it must cover apart.
  const limited = maxWildcards < maxPaths;
  const offPaths: OffPath[] = [{ sum: 0, top: [] }];
  const sizes: number[] = [];
  // Frames of [lo, hi, depth, need, off]: the items order[lo..hi) share their first `depth` code
  // units; `off` indexes offPaths. Children are pushed last-first, so keys come out in sorted order.
  const stack: number[] = n === 0 ? [] : [0, n, 0, 1, 0];
  while (stack.length > 0) {
    const off = offPaths[stack.pop()!]!;
    const need = stack.pop()!;
    const depth = stack.pop()!;
    const hi = stack.pop()!;
    const lo = stack.pop()!;
    const first = order[lo]!;
    if (hi - lo === 1) {
      leaf(first);
      continue;
    }
    // One read of each path from `depth` (where it may first differ) gives both the group's longest
    // common prefix and where each path leaves the first one: `reach[i]`, with `unit[i]` the path's
    // code unit there (-1 past its end). A big group does not fit the cache, so each path is read
    // in this one pass only.
    const shared = scanGroup(units, start, order, reach, unit, lo, hi, depth);
    // The non-empty buckets, ascending: most groups use a handful of the 130, and there are many
    // small groups, so only those are visited (and reset to 0 after).
    const used = countBuckets(units, start, order, reach, unit, bucketOf, count, usedBuckets, lo, hi, shared);
    if (count[END_BUCKET] === hi - lo) {
      // Every path ends here: repeats of one path.
      count[END_BUCKET] = 0;
      leaf(first);
      continue;
    }
    // Children: the end of the path, each next ASCII character, and each other code unit (rare:
    // paths are percent-encoded), which share one bucket.
    const otherUnits =
      count[OTHER_BUCKET]! > 0 ? distinctOtherUnits(units, start, order, reach, unit, lo, hi, shared) : 0;
    const childNeed = need + used + Math.max(0, otherUnits - 1) - 1;
    // The children's own bound under the wildcard limit (the other code units' bucket counted as one
    // subtree: that only lowers the bound).
    let around: Around | undefined;
    if (limited) {
      sizes.length = used;
      for (let u = 0; u < used; u++) sizes[u] = count[usedBuckets[u]!]!;
      around = surroundings(off, sizes, maxWildcards);
    }
    if (childNeed > maxPaths || (around !== undefined && around.bound > maxPaths)) {
      for (let u = 0; u < used; u++) count[usedBuckets[u]!] = 0;
      seal(first, shared, hi - lo);
      continue;
    }

    // Stable scatter into buckets; count[b] becomes the end of bucket b.
    let from = lo;
    for (let u = 0; u < used; u++) {
      const b = usedBuckets[u]!;
      const size = count[b]!;
      count[b] = from;
      from += size;
    }
    for (let i = lo; i < hi; i++) scratch[count[bucketOf[i]!]!++] = order[i]!;
    order.set(scratch.subarray(lo, hi), lo);
    // Pushed last-first, so that the children come off the stack in order.
    for (let u = used - 1; u >= 0; u--) {
      const b = usedBuckets[u]!;
      const to = count[b]!;
      const bucketFrom = u === 0 ? lo : count[usedBuckets[u - 1]!]!;
      count[b] = 0;
      if (b !== OTHER_BUCKET) {
        const childOff =
          around === undefined ? 0 : offPaths.push(without(around, u, to - bucketFrom, maxWildcards)) - 1;
        stack.push(bucketFrom, to, b === END_BUCKET ? shared : shared + 1, childNeed, childOff);
      } else {
        // One child per code unit: sorted by it, then cut where it changes. The rest of the bucket
        // counts as one subtree beside each.
        const runs = sortByCodeUnit(items, order, bucketFrom, to, shared);
        for (let r = runs.length - 2; r >= 0; r--) {
          const size = runs[r + 1]! - runs[r]!;
          const childOff =
            around === undefined
              ? 0
              : offPaths.push(without(around, u, size, maxWildcards, to - bucketFrom - size)) - 1;
          stack.push(runs[r]!, runs[r + 1]!, shared + 1, childNeed, childOff);
        }
      }
    }
  }
  return { keys, wildcard: Uint8Array.from(wildcard), sealed: Int32Array.from(sealed) };
}

/**
 * The subtrees a plan that goes below a trie node must cover separately: the siblings of the node
 * and of each of its ancestors. Summarised as their changed paths in all, and the sizes of the
 * largest `maxWildcards` of them (descending), the ones that a best plan would give the wildcards.
 */
interface OffPath {
  readonly sum: number;
  readonly top: readonly number[];
}

/** A node's off-path subtrees and its children together; `tag` says which child a size is (-1: off-path). */
interface Around {
  readonly sum: number;
  readonly sizes: readonly number[];
  readonly tags: readonly number[];
  /** The fewest paths a plan that splits the node can hold. */
  readonly bound: number;
}

/** The fewest paths to cover subtrees of `sum` changed paths, the largest `top`, with `maxWildcards` wildcards. */
function leastPaths(sum: number, top: readonly number[], maxWildcards: number): number {
  let paths = sum;
  for (let i = 0; i < top.length && i < maxWildcards; i++) paths -= top[i]! - 1;
  return paths;
}

function surroundings(off: OffPath, childSizes: readonly number[], maxWildcards: number): Around {
  let sum = off.sum;
  const entries: [number, number][] = off.top.map((size) => [size, -1]);
  childSizes.forEach((size, u) => {
    sum += size;
    entries.push([size, u]);
  });
  entries.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  // One more than the limit: a child's own entry is left out of its summary.
  entries.length = Math.min(entries.length, maxWildcards + 1);
  const sizes = entries.map(([size]) => size);
  return { sum, sizes, tags: entries.map(([, tag]) => tag), bound: leastPaths(sum, sizes, maxWildcards) };
}

/**
 * Child `u`'s off-path subtrees: the node's, and its siblings. A child that is only a part of its
 * bucket (`size` of it) has the `rest` of the bucket beside it as one more subtree.
 */
function without(around: Around, u: number, size: number, maxWildcards: number, rest = 0): OffPath {
  const top: number[] = [];
  let skipped = false;
  for (let i = 0; i < around.sizes.length; i++) {
    if (!skipped && around.tags[i] === u) skipped = true;
    else top.push(around.sizes[i]!);
  }
  if (rest > 0) {
    top.push(rest);
    top.sort((a, b) => b - a);
  }
  top.length = Math.min(top.length, maxWildcards);
  return { sum: around.sum - size, top };
}

/**
 * The longest common prefix of the paths order[lo..hi), which share their first `depth` code
 * units, read in one pass: each path is compared with the first one from `depth`. Stores in
 * `reach[i]` where path i was seen to leave the first one, and in `unit[i]` its code unit there
 * (-1 past its end). A big group does not fit the cache, so each path is read in this pass only.
 */
function scanGroup(
  units: Uint8Array | Uint16Array,
  start: Int32Array,
  order: Int32Array,
  reach: Int32Array,
  unit: Int32Array,
  lo: number,
  hi: number,
  depth: number,
): number {
  const firstAt = start[order[lo]!]!;
  let shared = start[order[lo]! + 1]! - firstAt;
  for (let i = lo + 1; i < hi; i++) {
    const item = order[i]!;
    const at = start[item]!;
    const length = start[item + 1]! - at;
    const max = Math.min(shared, length);
    let d = depth;
    while (d < max && units[at + d] === units[firstAt + d]) d++;
    reach[i] = d;
    unit[i] = d < length ? units[at + d]! : -1;
    if (d < shared) shared = d;
  }
  return shared;
}

/**
 * Each path's bucket at the group's common prefix `shared` (see scanGroup), and the bucket sizes in
 * `count` (all 0 on entry). Returns how many buckets are used; they are `used[0..]`, ascending.
 */
function countBuckets(
  units: Uint8Array | Uint16Array,
  start: Int32Array,
  order: Int32Array,
  reach: Int32Array,
  unit: Int32Array,
  bucketOf: Uint8Array,
  count: Int32Array,
  used: Int32Array,
  lo: number,
  hi: number,
  shared: number,
): number {
  const firstAt = start[order[lo]!]!;
  const firstBucket = shared < start[order[lo]! + 1]! - firstAt ? bucketFor(units[firstAt + shared]!) : END_BUCKET;
  let usedCount = 1;
  used[0] = firstBucket;
  bucketOf[lo] = firstBucket;
  count[firstBucket] = 1;
  for (let i = lo + 1; i < hi; i++) {
    // A path seen to agree with the first beyond the common prefix goes where the first goes.
    const bucket = reach[i]! > shared ? firstBucket : unit[i]! < 0 ? END_BUCKET : bucketFor(unit[i]!);
    bucketOf[i] = bucket;
    if (count[bucket]!++ === 0) used[usedCount++] = bucket;
  }
  // Insertion sort: a handful of buckets, nearly always.
  for (let u = 1; u < usedCount; u++) {
    const b = used[u]!;
    let v = u - 1;
    for (; v >= 0 && used[v]! > b; v--) used[v + 1] = used[v]!;
    used[v + 1] = b;
  }
  return usedCount;
}

/** Strings' code units back to back: string i is units[start[i]..start[i + 1]). */
export interface PackedPaths {
  readonly units: Uint8Array | Uint16Array;
  readonly start: Int32Array;
}

/** How many distinct code units >= 128 the group's paths have at `shared` (see scanGroup). */
function distinctOtherUnits(
  units: Uint8Array | Uint16Array,
  start: Int32Array,
  order: Int32Array,
  reach: Int32Array,
  unit: Int32Array,
  lo: number,
  hi: number,
  shared: number,
): number {
  const firstUnit = units[start[order[lo]!]! + shared];
  const seen = new Set<number>();
  for (let i = lo; i < hi; i++) {
    const code = i === lo || reach[i]! > shared ? firstUnit : unit[i];
    if (code !== undefined && code >= 128) seen.add(code);
  }
  return seen.size;
}

/**
 * Every item's code units, back to back in one typed array: item i is units[start[i]..start[i + 1]).
 * The partition reads each path once per trie level; read from strings spread over the heap, nearly
 * every such read is a cache miss, which made it several times slower than reading them packed.
 * Paths are percent-encoded, so nearly always ASCII: one byte each, packed natively by TextEncoder.
 */
export function packCodeUnits(items: readonly string[]): PackedPaths {
  const start = new Int32Array(items.length + 1);
  let total = 0;
  for (let i = 0; i < items.length; i++) {
    start[i] = total;
    total += items[i]!.length;
  }
  start[items.length] = total;
  // Joined a slice at a time, so that the temporary string stays small next to the paths themselves.
  const bytes = new Uint8Array(total);
  const encoder = new TextEncoder();
  for (let from = 0; from < items.length; from += PACK_SLICE) {
    const text = items.slice(from, from + PACK_SLICE).join("");
    const { read, written } = encoder.encodeInto(text, bytes.subarray(start[from]!));
    // One UTF-8 byte per code unit: all ASCII so far, each byte is its code unit. Else (rare: paths
    // are percent-encoded) read the code units one by one.
    if (read !== text.length || written !== text.length) return { units: unpackedCodeUnits(items, total), start };
  }
  return { units: bytes, start };
}

// Packed units are bytes only when every one is ASCII, which any single-byte decoding reads alike.
const asciiDecoder = new TextDecoder("latin1");

/** The string of units[from..to). */
function decodeUnits(units: Uint8Array | Uint16Array, from: number, to: number): string {
  if (units instanceof Uint8Array) return asciiDecoder.decode(units.subarray(from, to));
  let text = "";
  for (let i = from; i < to; i++) text += String.fromCharCode(units[i]!);
  return text;
}

/** Paths joined per slice by packCodeUnits. */
const PACK_SLICE = 1 << 14;

function unpackedCodeUnits(items: readonly string[], total: number): Uint16Array {
  const units = new Uint16Array(total);
  let at = 0;
  for (const item of items) for (let i = 0; i < item.length; i++) units[at++] = item.charCodeAt(i);
  return units;
}

function bucketFor(code: number): number {
  return code < 128 ? code + 1 : OTHER_BUCKET;
}

/** Sorts order[lo..hi) (not empty) by the code unit at `at` and returns the run boundaries: [lo, ..., hi]. */
function sortByCodeUnit(items: readonly string[], order: Int32Array, lo: number, hi: number, at: number): number[] {
  const range = Array.from(order.subarray(lo, hi));
  range.sort((a, b) => items[a]!.charCodeAt(at) - items[b]!.charCodeAt(at) || a - b);
  order.set(range, lo);
  const runs = [lo];
  for (let i = lo + 1; i < hi; i++) {
    if (items[order[i]!]!.charCodeAt(at) !== items[order[i - 1]!]!.charCodeAt(at)) runs.push(i);
  }
  runs.push(hi);
  return runs;
}
