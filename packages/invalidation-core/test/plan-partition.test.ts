import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { partitionChanged } from "../src/plan-partition.js";

/** The partition as [key, sealed size] pairs, for readable expectations. */
function partition(paths: readonly string[], maxPaths: number, wildcardPrefixes: readonly string[] = []) {
  const { keys, sealed, wildcard } = partitionChanged(paths, wildcardPrefixes, maxPaths);
  return keys.map((key, i) => [key, sealed[i], wildcard[i]] as const);
}

describe("partitionChanged", () => {
  it("seals a folder once covering its files one by one would need more paths than the budget", () => {
    const paths = ["/a/1", "/a/2", "/a/3", "/b/1", "/b/2", "/b/3"];
    // Two folders use up a budget of 2: neither can be split, each becomes its own sealed group.
    expect(partition(paths, 2)).toEqual([
      ["/a/", 3, 1],
      ["/b/", 3, 1],
    ]);
    // With 4 paths, /a/ could be split (3 files + /b/*), and so could /b/.
    expect(partition(paths, 4).map(([key]) => key)).toEqual(paths);
  });

  it("seals the root when it has more children than the budget", () => {
    expect(partition(["/a", "/b", "/c"], 2)).toEqual([["/", 3, 1]]);
  });

  it("counts what a sibling needs: a deep folder is split only if its siblings leave room", () => {
    const paths = ["/x", "/y", "/z/1", "/z/2"];
    // /x, /y and /z/ take 3 paths; splitting /z/ takes one more.
    expect(partition(paths, 3)).toEqual([
      ["/x", 0, 0],
      ["/y", 0, 0],
      ["/z/", 2, 1],
    ]);
    expect(partition(paths, 4).map(([key]) => key)).toEqual(paths);
  });

  it("drops repeats of a path it splits off, and keeps a path that is a prefix of another as its own key", () => {
    expect(partition(["/blog/", "/blog", "/blog", "/blog/index.html", "/blog/"], 30)).toEqual([
      ["/blog", 0, 0],
      ["/blog/", 0, 0],
      ["/blog/index.html", 0, 0],
    ]);
  });

  it("marks changed wildcards' prefixes, which sort among the paths", () => {
    expect(partition(["/a", "/c"], 30, ["/b/"])).toEqual([
      ["/a", 0, 0],
      ["/b/", 0, 1],
      ["/c", 0, 0],
    ]);
  });

  it("orders code units above ASCII as Array.prototype.sort does, surrogates before U+E000", () => {
    const paths = ["/\uE000", "/z", "/\u{1F600}", "/é", "/é/x", "/\u00ff"];
    expect(partition(paths, 30).map(([key]) => key)).toEqual([...paths].sort());
  });

  it("gives sorted, distinct keys; each path falls under exactly one, and a sealed key is its group's common prefix", () => {
    const path = fc
      .array(fc.constantFrom("a", "b", "/", "%", "é", "\u{1F600}", "\uE000"), { maxLength: 6 })
      .map((chars) => `/${chars.join("")}`);
    fc.assert(
      fc.property(fc.array(path, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 12 }), (paths, max) => {
        const { keys, sealed } = partitionChanged(paths, [], max);
        expect(keys).toEqual([...new Set(keys)].sort());
        const distinct = [...new Set(paths)];
        if (distinct.length <= max) expect(keys).toEqual(distinct.sort());
        const members = keys.map(() => [] as string[]);
        for (const p of paths) {
          const under = keys.flatMap((key, i) => ((sealed[i]! > 0 ? p.startsWith(key) : p === key) ? [i] : []));
          expect(under, p).toHaveLength(1);
          members[under[0]!]!.push(p);
        }
        keys.forEach((key, i) => {
          if (sealed[i] === 0) return;
          expect(sealed[i]).toBe(members[i]!.length);
          const shortest = members[i]!.reduce((a, b) => (a.length <= b.length ? a : b));
          // The common prefix: one more character would leave some member out.
          const next = shortest.length > key.length ? shortest.slice(0, key.length + 1) : undefined;
          expect(next === undefined || members[i]!.some((m) => !m.startsWith(next))).toBe(true);
        });
      }),
      { numRuns: 500 },
    );
  });
});
