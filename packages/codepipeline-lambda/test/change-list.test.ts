import fc from "fast-check";
import { covers, keysToPaths, parseChanges } from "invalidation-core";
import { describe, expect, it } from "vitest";
import { changeListForKeys } from "../src/change-list.js";

const root = (key: string) => key;

describe("changeListForKeys", () => {
  it("lists ordinary and odd-but-listable names so the core reads back exactly those keys", () => {
    const keys = [
      "index.html",
      "a b.html",
      "日本/語.html",
      "100%.html",
      "a~b",
      "s3://x/y",
      "upload: a to s3://b/c",
      "#tag",
    ];
    const list = changeListForKeys(keys, root);
    expect(parseChanges(list.changes).objects.map((o) => o.key)).toEqual(keys);
    expect(list.fallbackPaths).toEqual([]);
  });

  it("covers names a line cannot carry with a wildcard of their safe prefix, and never drops them", () => {
    const list = changeListForKeys(
      ["ok.html", "dir/line\nbreak", " lead.html", "tail.html ", "x/+ aws s3 cp", "a*b\rc"],
      root,
    );
    // A leading space survives inside an s3:// line; a trailing one is trimmed, a CR or LF splits.
    expect(parseChanges(list.changes).objects.map((o) => o.key)).toEqual(["ok.html", " lead.html"]);
    expect(list.fallbackKeys).toEqual(["dir/line\nbreak", "tail.html ", "x/+ aws s3 cp", "a*b\rc"]);
    expect(list.fallbackPaths).toEqual(["/a*", "/dir/line*", "/tail.html*", "/x/+*"]);
  });

  it("leaves keys outside the served prefix uncovered, as the core does for listed keys", () => {
    const list = changeListForKeys(["other/a\nb"], (key) => (key.startsWith("site/") ? key.slice(5) : undefined));
    expect(list.fallbackPaths).toEqual([]);
  });

  it("covers every path of every key, listed or by wildcard (property)", () => {
    const key = fc.oneof(
      fc.string({ minLength: 1, maxLength: 12, unit: "grapheme" }),
      fc.string({
        minLength: 1,
        maxLength: 12,
        unit: fc.constantFrom("a", "/", " ", "\n", "\r", "*", "~", "%", "\t", "é", ":"),
      }),
    );
    fc.assert(
      fc.property(fc.uniqueArray(key, { maxLength: 8 }), (keys) => {
        const list = changeListForKeys(keys, root);
        const listed = new Set(parseChanges(list.changes).objects.map((o) => o.key));
        for (const k of keys) {
          if (listed.has(k)) continue;
          for (const path of keysToPaths([k], { indexDocument: null }).paths) {
            expect(list.fallbackPaths.some((pattern) => covers(pattern, path))).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
