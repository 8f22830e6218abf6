import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../src/errors.js";
import {
  invalidationPathForms,
  keysToPaths,
  MAX_INVALIDATION_PATH_LENGTH,
  MAX_NAMED_KEYS,
  parseDistributionId,
  parseInvalidationPath,
  toInvalidationPath,
} from "../src/paths.js";
import { covers } from "../src/plan.js";

/** Throws unless `run` throws a ConfigurationError whose message holds every part. */
function expectConfigurationError(run: () => unknown, ...parts: string[]): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigurationError);
  for (const part of parts) expect((caught as Error).message).toContain(part);
}

describe("toInvalidationPath", () => {
  it("adds the leading / and encodes spaces", () => {
    expect(toInvalidationPath("my file.html")).toBe("/my%20file.html");
    expect(toInvalidationPath("")).toBe("/");
  });

  it("encodes every RFC 1738 unsafe character, ? and control characters", () => {
    const cases: [string, string][] = [
      [" ", "%20"],
      ['"', "%22"],
      ["<", "%3C"],
      [">", "%3E"],
      ["#", "%23"],
      ["%", "%25"],
      ["{", "%7B"],
      ["}", "%7D"],
      ["|", "%7C"],
      ["\\", "%5C"],
      ["^", "%5E"],
      ["~", "%7E"],
      ["[", "%5B"],
      ["]", "%5D"],
      ["`", "%60"],
      ["?", "%3F"],
      ["\u0000", "%00"],
      ["\n", "%0A"],
      ["\u001f", "%1F"],
      ["\u007f", "%7F"],
    ];
    for (const [char, encoded] of cases)
      expect(toInvalidationPath(`a${char}b`), JSON.stringify(char)).toBe(`/a${encoded}b`);
  });

  it("leaves every other ASCII character as it is, or the cached object would not match", () => {
    // `*` left out since issue 16: a key holding it becomes a wildcard (see the `*` test below).
    const kept = "AZaz09-._!$&'()+,;=:@/";
    expect(toInvalidationPath(kept)).toBe(`/${kept}`);
  });

  it("encodes non-ASCII as UTF-8, astral characters included", () => {
    expect(toInvalidationPath("café.html")).toBe("/caf%C3%A9.html");
    expect(toInvalidationPath("日本/ページ.html")).toBe("/%E6%97%A5%E6%9C%AC/%E3%83%9A%E3%83%BC%E3%82%B8.html");
    expect(toInvalidationPath("😀")).toBe("/%F0%9F%98%80");
  });

  it("encodes a lone surrogate as U+FFFD instead of throwing", () => {
    expect(toInvalidationPath("a\ud800b")).toBe("/a%EF%BF%BDb");
  });

  it("encodes the % of a key that looks encoded: keys are raw", () => {
    expect(toInvalidationPath("already%20encoded.html")).toBe("/already%2520encoded.html");
  });

  // Changed in issue 16 (was: a trailing `*` as `%2A`, an inner one raw). CloudFront refuses a batch
  // with `*` before a path's end, and `%2A` is not the path viewers request (encoding a character
  // that is not unsafe leaves the old object cached), so the key is covered by the wildcard of its
  // part before the first `*`, which CloudFront accepts and which matches the object for sure.
  const starred: [string, string][] = [
    ["ends-with*", "/ends-with*"],
    ["a*b*", "/a*"],
    ["star*.txt", "/star*"],
    ["img/café*1.png", "/img/caf%C3%A9*"],
    ["a b/c*d", "/a%20b/c*"],
    ["*", "/*"],
    ["#x*y", "/%23x*"],
  ];
  for (const [key, path] of starred) {
    it(`covers the key ${JSON.stringify(key)} with the wildcard before its first * (${path})`, () => {
      expect(toInvalidationPath(key)).toBe(path);
      // CloudFront accepts it: parseInvalidationPath (CloudFront's rules) keeps it as it is.
      expect(parseInvalidationPath(path)).toBe(path);
      expect(covers(path, `/${encodeURI(key).replaceAll("#", "%23")}`)).toBe(true);
    });
  }

  it("gives a key with * its wildcard in keysToPaths, its directory forms folded into it, with a warning", () => {
    const { paths, warnings } = keysToPaths(["a*b/index.html", "a*c.html", "x~y*z", "plain.html"]);
    expect(paths).toEqual(["/a*", "/x%7Ey*", "/x~y*", "/plain.html"]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^3 key\(s\) hold "\*".*"a\*b\/index.html" → "\/a\*"/);
  });

  it("never turns a key starting with # into a cache-tag item", () => {
    expect(toInvalidationPath("#tag")).toBe("/%23tag");
  });
});

describe("invalidationPathForms", () => {
  it("gives both ~ forms for a key with ~ (reports disagree on which CloudFront matches)", () => {
    expect(invalidationPathForms("~user/a~b.html")).toEqual(["/%7Euser/a%7Eb.html", "/~user/a~b.html"]);
  });

  it("gives one form otherwise", () => {
    expect(invalidationPathForms("a b")).toEqual(["/a%20b"]);
  });
});

describe("keysToPaths", () => {
  it("adds /dir/ and /dir for an index document, / for the root one", () => {
    expect(keysToPaths(["blog/index.html", "index.html", "about.html"]).paths).toEqual([
      "/blog/index.html",
      "/blog/",
      "/blog",
      "/index.html",
      "/",
      "/about.html",
    ]);
  });

  it("takes another index document, and none with '' or null", () => {
    expect(keysToPaths(["docs/default.htm"], { indexDocument: "default.htm" }).paths).toEqual([
      "/docs/default.htm",
      "/docs/",
      "/docs",
    ]);
    expect(keysToPaths(["blog/index.html"], { indexDocument: "" }).paths).toEqual(["/blog/index.html"]);
    expect(keysToPaths(["blog/index.html"], { indexDocument: null }).paths).toEqual(["/blog/index.html"]);
  });

  it("matches the index document as a whole name only", () => {
    expect(keysToPaths(["blog/notindex.html"]).paths).toEqual(["/blog/notindex.html"]);
  });

  it("encodes directory forms too, including both ~ forms", () => {
    expect(keysToPaths(["a b/~x/index.html"]).paths).toEqual([
      "/a%20b/%7Ex/index.html",
      "/a%20b/~x/index.html",
      "/a%20b/%7Ex/",
      "/a%20b/~x/",
      "/a%20b/%7Ex",
      "/a%20b/~x",
    ]);
  });

  it("strips the prefix, given with or without / at either end", () => {
    for (const s3Prefix of ["site", "site/", "/site", "/site/"]) {
      expect(keysToPaths(["site/a.html", "site/blog/index.html"], { s3Prefix }).paths, s3Prefix).toEqual([
        "/a.html",
        "/blog/index.html",
        "/blog/",
        "/blog",
      ]);
    }
  });

  it("skips keys outside the prefix with a warning naming them and the prefix", () => {
    const mapped = keysToPaths(["site/a.html", "other/b.html", "siteX/c.html"], { s3Prefix: "site" });
    expect(mapped.paths).toEqual(["/a.html"]);
    expect(mapped.warnings).toHaveLength(1);
    for (const part of ['"other/b.html"', '"siteX/c.html"', '"site/"', "2 key(s)"]) {
      expect(mapped.warnings[0]).toContain(part);
    }
  });

  it("names at most MAX_NAMED_KEYS skipped keys and counts the rest", () => {
    const keys = Array.from({ length: MAX_NAMED_KEYS + 5 }, (_, i) => `elsewhere/${i}`);
    const [warning] = keysToPaths(keys, { s3Prefix: "site" }).warnings;
    expect(warning).toContain(`skipped ${MAX_NAMED_KEYS + 5} key(s)`);
    expect(warning).toContain("and 5 more");
    expect(warning).not.toContain(`"elsewhere/${MAX_NAMED_KEYS}"`);
  });

  it("returns unique paths in first-seen order", () => {
    expect(keysToPaths(["b.html", "a/index.html", "b.html", "a/", "a/index.html"]).paths).toEqual([
      "/b.html",
      "/a/index.html",
      "/a/",
      "/a",
    ]);
  });

  it("maps a million keys", { timeout: 60_000 }, () => {
    // No timing assertion (speed is measured by `pnpm bench`); a super-linear mapping would run
    // into the timeout instead of passing.
    const keys = Array.from({ length: 1_000_000 }, (_, i) => `site/p${i % 1000}/${i} é.html`);
    const { paths } = keysToPaths(keys, { s3Prefix: "site" });
    expect(paths).toHaveLength(1_000_000);
    expect(paths[999_999]).toBe("/p999/999999%20%C3%A9.html");
  });
});

describe("parseInvalidationPath", () => {
  it("keeps a valid path and a trailing wildcard", () => {
    expect(parseInvalidationPath("/index.html")).toBe("/index.html");
    expect(parseInvalidationPath("/images/*")).toBe("/images/*");
    expect(parseInvalidationPath("/*")).toBe("/*");
    expect(parseInvalidationPath("  /a.html\t")).toBe("/a.html");
  });

  it("encodes unsafe and non-ASCII characters, without encoding valid escapes again", () => {
    expect(parseInvalidationPath("/my file.html")).toBe("/my%20file.html");
    expect(parseInvalidationPath("/my%20file.html")).toBe("/my%20file.html");
    expect(parseInvalidationPath("/100%.html")).toBe("/100%25.html");
    expect(parseInvalidationPath("/a%zz")).toBe("/a%25zz");
    expect(parseInvalidationPath("/café#1.html")).toBe("/caf%C3%A9%231.html");
  });

  it("keeps ? (a query string) and ~ as the user wrote them", () => {
    expect(parseInvalidationPath("/page?lang=en")).toBe("/page?lang=en");
    expect(parseInvalidationPath("/~user/")).toBe("/~user/");
    expect(parseInvalidationPath("/%7Euser/")).toBe("/%7Euser/");
  });

  it("refuses a path without the leading / and shows the fix", () => {
    expectConfigurationError(() => parseInvalidationPath("images/a.jpg"), '"images/a.jpg"', 'write "/images/a.jpg"');
  });

  it("refuses an empty path, a URL, an S3 URI and a cache tag, saying what to give", () => {
    expectConfigurationError(() => parseInvalidationPath("  "), "is empty");
    expectConfigurationError(
      () => parseInvalidationPath("https://d111111abcdef8.cloudfront.net/a b.html?x=1"),
      "is a URL",
      '"/a%20b.html?x=1"',
    );
    expectConfigurationError(() => parseInvalidationPath("s3://bucket/a.html"), "is an S3 URI");
    expectConfigurationError(() => parseInvalidationPath("#tag"), "cache tag", '"/%23tag"');
  });

  it("refuses * anywhere but at the end", () => {
    expectConfigurationError(() => parseInvalidationPath("/a*/b"), '"/a*/b"', "last character", '"/a*"');
  });

  it("refuses control characters", () => {
    expectConfigurationError(() => parseInvalidationPath("/a\u0007b"), "U+0007", "%07");
  });

  it(`accepts ${MAX_INVALIDATION_PATH_LENGTH} characters once encoded, not one more`, () => {
    const longest = `/${"a".repeat(MAX_INVALIDATION_PATH_LENGTH - 1)}`;
    expect(parseInvalidationPath(longest)).toBe(longest);
    expectConfigurationError(() => parseInvalidationPath(`${longest}a`), "4001 characters");
    // Encoding counts: 1,334 spaces become 4,002 characters.
    expectConfigurationError(() => parseInvalidationPath(`/${" ".repeat(1334)}x`), "once encoded");
  });
});

describe("parseDistributionId", () => {
  it("accepts real-looking and moto ids, trimmed", () => {
    expect(parseDistributionId("E2QWRUHAPOMQZL")).toBe("E2QWRUHAPOMQZL");
    expect(parseDistributionId(" E1A2B3C4D5E6F7G \n")).toBe("E1A2B3C4D5E6F7G");
  });

  it("takes the id out of a distribution ARN, in any partition", () => {
    expect(parseDistributionId("arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL")).toBe("E2QWRUHAPOMQZL");
    expect(parseDistributionId("arn:aws-cn:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL")).toBe(
      "E2QWRUHAPOMQZL",
    );
  });

  it("explains the common mistakes", () => {
    expectConfigurationError(() => parseDistributionId(""), "is empty", "list-distributions");
    expectConfigurationError(() => parseDistributionId("e2qwruhapomqzl"), "lower-case", '"E2QWRUHAPOMQZL"');
    expectConfigurationError(() => parseDistributionId("d111111abcdef8.cloudfront.net"), "domain name");
    expectConfigurationError(() => parseDistributionId("https://d111111abcdef8.cloudfront.net/"), "domain name");
    expectConfigurationError(
      () => parseDistributionId("arn:aws:cloudfront::123456789012:invalidation/I2J0I21PCUYOIK"),
      "not of a distribution",
    );
    expectConfigurationError(() => parseDistributionId("E2QW"), '"E2QW"', "not a CloudFront distribution id");
    expectConfigurationError(() => parseDistributionId('"E2QWRUHAPOMQZL"'), "not a CloudFront distribution id");
    // An ARN whose id part is wrong is judged on that part.
    expectConfigurationError(
      () => parseDistributionId("arn:aws:cloudfront::123456789012:distribution/e2qwruhapomqzl"),
      "lower-case",
    );
  });
});

describe("path properties", () => {
  const key = fc.oneof(
    fc.string({ unit: "grapheme" }),
    fc.string({ unit: "binary" }),
    fc
      .array(fc.constantFrom("#", "*", "~", "%", "?", " ", "a", "/", "é", "%20", "\u0000"), { maxLength: 10 })
      .map((p) => p.join("")),
  );
  const hasLoneSurrogate = (text: string) => /\p{Surrogate}/u.test(text);

  // Since issue 16 a key holding `*` maps to a wildcard ending in its first `*` (was: never a `*` at the end).
  it("every key maps to a path that starts with /, holds only safe characters and escapes, and * only at its end for a key with *", () => {
    fc.assert(
      fc.property(key, (k) => {
        const path = toInvalidationPath(k);
        expect(path.startsWith("/")).toBe(true);
        expect(path).toMatch(/^(?:[A-Za-z0-9\-._!$&'()+,;=:@/]|%[0-9A-F]{2})*\*?$/);
        expect(path.endsWith("*")).toBe(k.includes("*"));
        expect(path.includes("#")).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  // Since issue 16: for a key with `*`, decoding gives the key up to and including its first `*`.
  it("decoding the path gives back / and the key (up to its first *)", () => {
    fc.assert(
      fc.property(
        key.filter((k) => !hasLoneSurrogate(k)),
        (k) => {
          const star = k.indexOf("*");
          const covered = star === -1 ? k : k.slice(0, star + 1);
          for (const path of invalidationPathForms(k)) expect(decodeURIComponent(path)).toBe(`/${covered}`);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("a path made from a key passes parseInvalidationPath unchanged, and normalizing twice changes nothing", () => {
    // Every key now, those with an inner `*` included (issue 16: they used to be filtered out).
    fc.assert(
      fc.property(key, (k) => {
        const path = toInvalidationPath(k);
        expect(parseInvalidationPath(path)).toBe(path);
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (raw) => {
        let once: string;
        try {
          once = parseInvalidationPath(`/${raw}`);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigurationError);
          return;
        }
        expect(parseInvalidationPath(once)).toBe(once);
      }),
      { numRuns: 1000 },
    );
  });

  it("keysToPaths gives each form of each key once, in first-seen order, as mapping one key at a time would", () => {
    // The obvious mapping, for reference: every form encoded on its own, a Set for the repeats.
    const reference = (keys: readonly string[], indexDocument: string): string[] => {
      const paths = new Set<string>();
      const forms = (source: string) => {
        for (const form of invalidationPathForms(source)) paths.add(form);
      };
      for (const k of keys) {
        forms(k);
        if (indexDocument === "") continue;
        if (k === indexDocument) paths.add("/");
        else if (k.endsWith(`/${indexDocument}`)) {
          const directory = k.slice(0, -indexDocument.length);
          forms(directory);
          forms(directory.slice(0, -1));
        }
      }
      return [...paths];
    };
    const indexKey = fc
      .tuple(fc.array(fc.constantFrom("a", "~", "*", "é", " ", "/", "%", "\u{1F600}"), { maxLength: 4 }), fc.boolean())
      .map(([chars, index]) => chars.join("") + (index ? "/index.html" : ""));
    fc.assert(
      fc.property(
        fc.array(fc.oneof(key, indexKey, fc.constant("index.html")), { maxLength: 30 }),
        fc.constantFrom("index.html", "", "a*"),
        (keys, indexDocument) => {
          expect(keysToPaths(keys, { indexDocument }).paths).toEqual(reference(keys, indexDocument));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("keysToPaths covers every key's own path, each once", () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 30 }), (keys) => {
        const { paths } = keysToPaths(keys);
        expect(new Set(paths).size).toBe(paths.length);
        for (const k of keys) expect(paths).toContain(toInvalidationPath(k));
      }),
      { numRuns: 300 },
    );
  });
});
