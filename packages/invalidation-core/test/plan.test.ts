import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../src/errors.js";
import {
  CLOUDFRONT_LIMITS,
  covers,
  type InvalidationPlan,
  planInvalidation,
  planInvalidationUsing,
  splitIntoBatches,
} from "../src/plan.js";

// Paths are written out as strings (not built with paths.ts) so these tests only exercise the planner.

/** The three paths a page with an index document is cached under. */
function page(dir: string): string[] {
  return [`${dir}/index.html`, `${dir}/`, dir];
}

function uncovered(plan: InvalidationPlan, changed: readonly string[]): string[] {
  return changed.filter((path) => {
    // A changed wildcard is covered only by a pattern that covers everything it covers.
    const target = path.endsWith("*") ? path.slice(0, -1) : path;
    return !plan.paths.some((pattern) =>
      path.endsWith("*") ? pattern.endsWith("*") && target.startsWith(pattern.slice(0, -1)) : covers(pattern, target),
    );
  });
}

describe("planInvalidation: changes that fit the budget", () => {
  it("returns the changed paths themselves, deduplicated and sorted, without wildcards", () => {
    const plan = planInvalidation(["/b.html", "/a.html", "/b.html", "/c/d.css"], { maxPaths: 3 });
    expect(plan.paths).toEqual(["/a.html", "/b.html", "/c/d.css"]);
    expect(plan).toMatchObject({ pathCount: 3, wildcardCount: 0, collapsedCount: 0 });
    expect(plan.batches).toEqual([plan.paths]);
    expect(plan.unchangedHit).toBeUndefined();
  });

  it("plans nothing for no changes", () => {
    const plan = planInvalidation([], { maxPaths: 30, sitePaths: ["/a"] });
    expect(plan).toEqual({
      paths: [],
      batches: [],
      pathCount: 0,
      wildcardCount: 0,
      collapsedCount: 0,
      unchangedHit: 0,
      changedPathCount: 0,
      unchangedSitePathCount: 1,
    });
  });

  it("drops paths that a changed wildcard already covers, and keeps the wildcard", () => {
    const plan = planInvalidation(["/img/*", "/img/a.png", "/img/b/c.png", "/img", "/index.html", "/img/b/*"], {
      maxPaths: 30,
    });
    // `/img` is not under `/img/*` (no slash), so it stays.
    expect(plan.paths).toEqual(["/img", "/img/*", "/index.html"]);
    expect(plan).toMatchObject({ wildcardCount: 1, collapsedCount: 0 });
  });

  it("lets `/*` swallow every other change", () => {
    expect(planInvalidation(["/a", "/*", "/b/*", "/c/d"], { maxPaths: 30 }).paths).toEqual(["/*"]);
  });
});

describe("planInvalidation: collapsing into wildcards", () => {
  // A blog post was added: its page, the blog's list page, the home page, the feed and sitemap changed.
  const newPost = [...page("/blog/post-3"), ...page("/blog"), "/index.html", "/", "/feed.xml", "/sitemap.xml"];

  it("keeps the ten paths of one new blog post when the budget allows", () => {
    const plan = planInvalidation(newPost, { maxPaths: 30 });
    expect(plan.paths).toHaveLength(10);
    expect(plan.wildcardCount).toBe(0);
  });

  it("collapses a page's three directory forms into one character wildcard, not `/dir/*`", () => {
    // `/blog/post-3/*` would miss `/blog/post-3`; `/blog/post-3*` covers all three with one path.
    const plan = planInvalidation(newPost, { maxPaths: 8 });
    expect(plan.paths).toEqual([
      "/",
      "/blog",
      "/blog/",
      "/blog/index.html",
      "/blog/post-3*",
      "/feed.xml",
      "/index.html",
      "/sitemap.xml",
    ]);
    expect(plan).toMatchObject({ pathCount: 8, wildcardCount: 1, collapsedCount: 3 });
  });

  it("covers a directory and its bare form with `/blog` plus `/blog/*`, or `/blog*` when tighter", () => {
    expect(planInvalidation(newPost, { maxPaths: 6 }).paths).toEqual([
      "/",
      "/blog",
      "/blog/*",
      "/feed.xml",
      "/index.html",
      "/sitemap.xml",
    ]);
    expect(planInvalidation(newPost, { maxPaths: 5 }).paths).toEqual([
      "/",
      "/blog*",
      "/feed.xml",
      "/index.html",
      "/sitemap.xml",
    ]);
  });

  it("falls back to `/*` only when nothing narrower fits", () => {
    // Five different first characters below `/`: four paths cannot cover them without `/*`.
    expect(planInvalidation(newPost, { maxPaths: 4 }).paths).toEqual(["/*"]);
    expect(planInvalidation(newPost, { maxPaths: 1 })).toMatchObject({
      paths: ["/*"],
      batches: [["/*"]],
      pathCount: 1,
      wildcardCount: 1,
      collapsedCount: 10,
    });
  });

  it("uses the common prefix, not `/*`, for a budget of 1 when every change is in one folder", () => {
    expect(planInvalidation(["/docs/a.html", "/docs/b/c.html", "/docs/b/d.html"], { maxPaths: 1 }).paths).toEqual([
      "/docs/*",
    ]);
  });

  it("collapses a theme change that touched every page into one wildcard per section's pages", () => {
    const sections = ["/blog", "/docs", "/news"];
    const changed = ["/", "/index.html", "/theme.css"];
    for (const section of sections) {
      changed.push(...page(section));
      for (let i = 0; i < 200; i++) changed.push(...page(`${section}/page-${i}`));
    }
    // Each section's pages collapse below the section, so its own page stays exact.
    const sectionPaths = sections.flatMap((section) => [...page(section).sort(), `${section}/page-*`]);
    expect(planInvalidation(changed, { maxPaths: 15 })).toMatchObject({
      paths: ["/", ...sectionPaths, "/index.html", "/theme.css"].sort(),
      pathCount: 15,
      wildcardCount: 3,
      collapsedCount: 3 * 600,
    });
    // A larger budget buys narrower wildcards; a smaller one collapses whole sections, directory forms included.
    const wide = planInvalidation(changed, { maxPaths: 30 });
    expect(wide.pathCount).toBeGreaterThan(15);
    expect(wide.pathCount).toBeLessThanOrEqual(30);
    expect(wide.paths.filter((p) => p.endsWith("*")).every((p) => /^\/\w+\/page-\d*\*$/.test(p))).toBe(true);
    expect(uncovered(wide, changed)).toEqual([]);
    expect(planInvalidation(changed, { maxPaths: 6 }).paths).toEqual([
      "/",
      "/blog*",
      "/docs*",
      "/index.html",
      "/news*",
      "/theme.css",
    ]);
  });

  it("never lets a wildcard end inside a percent escape", () => {
    // Their common prefix is `/caf%C3%A`; the wildcard backs off to the whole escape `%C3`.
    const plan = planInvalidation(["/caf%C3%A9.html", "/caf%C3%A8.html", "/x"], { maxPaths: 2 });
    expect(plan.paths).toEqual(["/caf%C3*", "/x"]);
  });

  it("does not put a wildcard where common prefixes part inside a percent escape", () => {
    // `/a%20...` and `/a%21...` part after `/a%2`, which may not hold a wildcard. Covering both with
    // two paths would take `/a*`, which also hits `/a%3D...`: so with 2 paths it is `/a*` alone.
    const changed = ["/a%20x", "/a%20y", "/a%21x", "/a%21y", "/a%3Dx", "/a%3Dy"];
    const site = [...changed, ...Array.from({ length: 50 }, (_, i) => `/a-old-${i}`)];
    expect(planInvalidation(changed, { maxPaths: 2, sitePaths: site })).toMatchObject({
      paths: ["/a*"],
      unchangedHit: 50,
    });
    expect(planInvalidation(changed, { maxPaths: 3, sitePaths: site })).toMatchObject({
      paths: ["/a%20*", "/a%21*", "/a%3D*"],
      unchangedHit: 0,
    });
  });
});

describe("planInvalidation with the site's paths", () => {
  // Two folders changed. `/a/x/` is deep but holds a thousand unchanged pages; `/b/` is shallow and
  // holds nothing else. Without a listing the deeper folder looks cheaper to wildcard.
  const changed = ["/a/x/1.html", "/a/x/2.html", "/b/1.html", "/b/2.html"];
  const site = [...changed, ...Array.from({ length: 1000 }, (_, i) => `/a/x/old-${i}.html`), "/c.html"];

  it("without them, prefers the deeper common prefix", () => {
    const plan = planInvalidation(changed, { maxPaths: 3 });
    expect(plan.paths).toEqual(["/a/x/*", "/b/1.html", "/b/2.html"]);
    expect(plan.unchangedHit).toBeUndefined();
  });

  it("with them, picks the wildcard that hits no unchanged page", () => {
    const plan = planInvalidation(changed, { maxPaths: 3, sitePaths: site });
    expect(plan.paths).toEqual(["/a/x/1.html", "/a/x/2.html", "/b/*"]);
    expect(plan.unchangedHit).toBe(0);
  });

  it("counts the unchanged pages a forced wildcard hits", () => {
    const plan = planInvalidation(changed, { maxPaths: 2, sitePaths: site });
    expect(plan.paths).toEqual(["/a/x/*", "/b/*"]);
    expect(plan.unchangedHit).toBe(1000);
    expect(planInvalidation(changed, { maxPaths: 1, sitePaths: site })).toMatchObject({
      paths: ["/*"],
      unchangedHit: 1001,
    });
  });

  it("does not count site paths that a changed wildcard already covers, nor duplicates", () => {
    const plan = planInvalidation(["/img/*", "/a.html", "/b.html"], {
      maxPaths: 1,
      sitePaths: ["/img/1.png", "/img/2.png", "/c.html", "/c.html", "/a.html"],
    });
    expect(plan.paths).toEqual(["/*"]);
    expect(plan.unchangedHit).toBe(1);
  });

  const twoPosts = [...page("/blog/post-1"), ...page("/blog/post-2")];
  const twoPostsSite = [...twoPosts, "/blog/post-2/old.png"];

  it("collapses for free where a wildcard hits nothing unchanged, keeping budget for the rest", () => {
    // `/blog/post-1*` hits only changed paths, so it is taken over `/blog/post-2*`, which would hit
    // `/blog/post-2/old.png`. Paths are free here (urlsPerPath 0): the budget goes to keeping it cached.
    const plan = planInvalidation(twoPosts, { maxPaths: 4, sitePaths: twoPostsSite, urlsPerPath: 0 });
    expect(plan.paths).toEqual(["/blog/post-1*", "/blog/post-2", "/blog/post-2/", "/blog/post-2/index.html"]);
    expect(plan.unchangedHit).toBe(0);
  });

  it("spends a billed path only where it keeps urlsPerPath unchanged URLs cached (default 1)", () => {
    // Three more paths would keep one URL cached: not worth it at the default price of one URL a path.
    expect(planInvalidation(twoPosts, { maxPaths: 4, sitePaths: twoPostsSite })).toMatchObject({
      paths: ["/blog/post-*"],
      unchangedHit: 1,
    });
    // At a third of a URL a path, three paths are worth one URL (a tie goes to the plan that keeps more).
    expect(planInvalidation(twoPosts, { maxPaths: 4, sitePaths: twoPostsSite, urlsPerPath: 1 / 3 }).unchangedHit).toBe(
      0,
    );
    expect(() => planInvalidation(twoPosts, { maxPaths: 4, urlsPerPath: -1 })).toThrow(/urlsPerPath .* got -1/);
  });
});

describe("planInvalidation batches", () => {
  it("cuts the paths so that each batch alone fits the in-progress limits, sorted within each batch", () => {
    const changed = Array.from({ length: 20 }, (_, i) => `/d${String(i).padStart(2, "0")}/*`);
    changed.push("/a.html", "/b.html", "/z.html");
    const plan = planInvalidation(changed, { maxPaths: 100 });
    // CloudFront allows 15 wildcards in progress: the 20 wildcards need two batches, and the exact
    // paths all fit the first.
    expect(plan.batches.map((batch) => batch.length)).toEqual([18, 5]);
    expect(plan.batches[0]).toEqual(["/a.html", "/b.html", ...changed.slice(0, 15), "/z.html"]);
    expect(plan.batches[1]).toEqual(changed.slice(15, 20));
    expect(plan.wildcardCount).toBe(20);
  });

  it("puts every wildcard in the first batch when they fit one, however the exact paths sort", () => {
    // Cut in sorted order, /b* would land in the second batch and wait minutes for the first.
    const paths = ["/a", "/a*", "/b", "/b*", "/c"];
    expect(splitIntoBatches(paths, { maxFilePaths: 1, maxWildcardPaths: 2 })).toEqual([
      ["/a", "/a*", "/b*"],
      ["/b"],
      ["/c"],
    ]);
  });

  it("honours custom limits on both kinds of path", () => {
    expect(splitIntoBatches(["/a", "/b", "/c*", "/d*", "/e"], { maxFilePaths: 2, maxWildcardPaths: 1 })).toEqual([
      ["/a", "/b", "/c*"],
      ["/d*", "/e"],
    ]);
    const plan = planInvalidation(["/a", "/b", "/c", "/d", "/e"], {
      maxPaths: 5,
      limits: { maxFilePaths: 2, maxWildcardPaths: 15 },
    });
    expect(plan.batches).toEqual([["/a", "/b"], ["/c", "/d"], ["/e"]]);
  });

  it("defaults to CloudFront's limits", () => {
    expect(CLOUDFRONT_LIMITS).toEqual({ maxFilePaths: 3000, maxWildcardPaths: 15 });
    const changed = Array.from({ length: 3001 }, (_, i) => `/f${i}`);
    expect(planInvalidation(changed, { maxPaths: 5000 }).batches.map((b) => b.length)).toEqual([3000, 1]);
  });
});

describe("planInvalidation: at most 15 wildcards, so one CreateInvalidation call", () => {
  // A theme change: 20 sections, each with 40 changed pages and an unchanged page of its own. The
  // cheapest plan of 30 paths would be 20 section wildcards plus a few split ones: 20+ wildcards,
  // which CloudFront takes 15 at a time (the rest waits minutes for the first call to complete).
  const sections = Array.from({ length: 20 }, (_, s) => `/s${String(s).padStart(2, "0")}`);
  const changed = sections.flatMap((section) =>
    Array.from({ length: 40 }, (_, p) => page(`${section}/p${String(p).padStart(2, "0")}`)).flat(),
  );
  const site = [...changed, ...sections.map((section) => `${section}/about.html`)];

  it("keeps to 15 wildcards and one batch at the default budget, covering every change", () => {
    for (const seal of [true, false]) {
      const plan = planInvalidationUsing(changed, { maxPaths: 30 }, { seal });
      expect(plan.wildcardCount).toBeLessThanOrEqual(CLOUDFRONT_LIMITS.maxWildcardPaths);
      expect(plan.pathCount).toBeLessThanOrEqual(30);
      expect(plan.batches).toHaveLength(1);
      expect(uncovered(plan, changed)).toEqual([]);
    }
  });

  it("takes the cheapest plan within the limit, and lifting the limit trades calls for cache", () => {
    const limited = planInvalidation(changed, { maxPaths: 30, sitePaths: site });
    // 15 wildcards cannot give each of the 20 sections its own: some share a wider one (`/s0*`).
    expect(limited.wildcardCount).toBeLessThanOrEqual(15);
    expect(limited.batches).toHaveLength(1);
    const free = planInvalidation(changed, { maxPaths: 30, sitePaths: site, maxWildcards: 30 });
    // Without the limit every section gets a wildcard below it that hits nothing unchanged (`/s00/p*`).
    expect(free.unchangedHit).toBe(0);
    expect(free.wildcardCount).toBe(20);
    expect(free.batches).toHaveLength(2);
    expect(limited.unchangedHit).toBeGreaterThan(0);
  });

  it("honours a smaller maxWildcards, and still prefers exact paths where they fit", () => {
    const few = ["/a/1", "/a/2", "/a/3", "/b/1", "/b/2", "/b/3", "/c"];
    // Four paths: two folder wildcards and `/c`, unless only one wildcard is allowed: then `/*`.
    expect(planInvalidation(few, { maxPaths: 4, maxWildcards: 2 }).paths).toEqual(["/a/*", "/b/*", "/c"]);
    expect(planInvalidation(few, { maxPaths: 4, maxWildcards: 1 }).paths).toEqual(["/*"]);
    // Five paths: one wildcard is enough, the rest stay exact (a wildcard costs cache, an exact path nothing).
    // (`/a/*` and `/b/*` look alike without a listing: either will do.)
    const five = planInvalidation(few, { maxPaths: 5, maxWildcards: 1 });
    expect(five.wildcardCount).toBe(1);
    expect(five.paths).toHaveLength(5);
    expect(five.paths.filter((p) => p.endsWith("*"))).toEqual([expect.stringMatching(/^\/[ab]\/\*$/)]);
  });

  it("plans changes that fit the budget as given, even with more than 15 wildcards the user listed", () => {
    const wildcards = Array.from({ length: 20 }, (_, i) => `/w${String(i).padStart(2, "0")}/*`);
    const plan = planInvalidation(wildcards, { maxPaths: 30 });
    expect(plan.paths).toEqual(wildcards);
    expect(plan.batches).toHaveLength(2);
    // Once they must be collapsed, the user's own wildcards are merged too, down to 15.
    const collapsed = planInvalidation([...wildcards, ...Array.from({ length: 20 }, (_, i) => `/f${i}`)], {
      maxPaths: 30,
    });
    expect(collapsed.wildcardCount).toBeLessThanOrEqual(15);
  });

  it("rejects a maxWildcards that is not a whole number >= 1", () => {
    expect(() => planInvalidation(["/a"], { maxPaths: 1, maxWildcards: 0 })).toThrow(/maxWildcards .* got 0/);
  });
});

describe("planInvalidation options", () => {
  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])("rejects maxPaths %s, naming it", (maxPaths) => {
    expect(() => planInvalidation(["/a"], { maxPaths })).toThrow(ConfigurationError);
    expect(() => planInvalidation(["/a"], { maxPaths })).toThrow(`maxPaths must be a whole number of at least 1`);
    expect(() => planInvalidation(["/a"], { maxPaths })).toThrow(String(JSON.stringify(maxPaths)));
  });

  it("rejects limits that are not whole numbers >= 1", () => {
    expect(() => planInvalidation(["/a"], { maxPaths: 1, limits: { maxFilePaths: 0, maxWildcardPaths: 15 } })).toThrow(
      /limits.maxFilePaths .* got 0/,
    );
    expect(() =>
      planInvalidation(["/a"], { maxPaths: 1, limits: { maxFilePaths: 10, maxWildcardPaths: 2.5 } }),
    ).toThrow(/limits.maxWildcardPaths .* got 2.5/);
  });

  it("rejects a path that does not start with a slash, naming it", () => {
    expect(() => planInvalidation(["/a", "b.html"], { maxPaths: 30 })).toThrow(ConfigurationError);
    expect(() => planInvalidation(["/a", "b.html"], { maxPaths: 30 })).toThrow('"b.html"');
  });
});

describe("planInvalidation at scale", () => {
  it("plans 100,000 changed paths within a budget of 30, covering every one", () => {
    // 100 sections x 1,000 pages with their directory forms: not timed (benchmarks measure speed).
    const changed: string[] = [];
    for (let s = 0; s < 100; s++) {
      for (let p = 0; p < 333; p++) changed.push(...page(`/s${s}/p${p}`));
      changed.push(`/s${s}/feed.xml`);
    }
    expect(changed).toHaveLength(100_000);
    const started = performance.now();
    const plan = planInvalidation(changed, { maxPaths: 30 });
    console.log(`planned ${changed.length} paths in ${(performance.now() - started).toFixed(0)} ms`);
    expect(plan.pathCount).toBeLessThanOrEqual(30);
    expect(plan.collapsedCount).toBeGreaterThanOrEqual(100_000 - 30);
    expect(uncovered(plan, changed)).toEqual([]);
    // The exact search runs at every budget: the largest one CloudFront allows in progress as well.
    const wide = planInvalidation(changed, { maxPaths: 3000 });
    expect(wide.pathCount).toBeLessThanOrEqual(3000);
    expect(wide.wildcardCount).toBeLessThanOrEqual(15);
    expect(uncovered(wide, changed)).toEqual([]);
  });
});

describe("planInvalidation: optimal at every budget within both limits", () => {
  // Issue 15's grid: folders {a..h}/{a..h}/{a..h}, 8 files each, 3 changed in every folder.
  const letters = "abcdefgh".split("");
  const folders = letters.flatMap((x) => letters.flatMap((y) => letters.map((z) => `/${x}/${y}/${z}/`)));
  const site = folders.flatMap((folder) => Array.from({ length: 8 }, (_, f) => `${folder}${f}.html`));
  const changed = folders.flatMap((folder) => [0, 3, 5].map((f) => `${folder}${f}.html`));

  // 1,536 changed paths; 1,100 paths need 436 saved with at most 15 wildcards. A top folder (`/a/*`)
  // saves 191 and hits 320 unchanged, a second-level one 23 for 40, a leaf folder 2 for 5: the optimum
  // is two top folders, two second-level ones and four leaf folders, 740 unchanged (`/*`: 2,560).
  it("plans the grid within 1,100 paths and 15 wildcards at the optimum, 740 unchanged URLs, not `/*`", () => {
    const plan = planInvalidation(changed, { maxPaths: 1100, sitePaths: site, distinctPaths: true });
    expect(plan.pathCount).toBeLessThanOrEqual(1100);
    expect(plan.wildcardCount).toBeLessThanOrEqual(15);
    expect(plan.batches).toHaveLength(1);
    expect(plan.unchangedHit).toBe(740);
    expect(plan.wildcardCount).toBe(8);
    expect(plan.paths).not.toContain("/*");
    expect(uncovered(plan, changed)).toEqual([]);
  });

  it("never loses more cache at a bigger budget, from 1 to 3,000", () => {
    let last = Number.POSITIVE_INFINITY;
    for (const maxPaths of [1, 15, 30, 100, 300, 1000, 1100, 1200, 1536, 3000]) {
      const plan = planInvalidation(changed, { maxPaths, sitePaths: site, urlsPerPath: 0 });
      expect(plan.unchangedHit, `budget ${maxPaths}`).toBeLessThanOrEqual(last);
      last = plan.unchangedHit!;
    }
    expect(last).toBe(0);
  });
});
