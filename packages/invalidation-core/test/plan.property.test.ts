import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  covers,
  type InvalidationLimits,
  type InvalidationPlan,
  type PlanSearch,
  planInvalidation,
  planInvalidationUsing,
} from "../src/plan.js";

// Sites are small random trees. Segments share characters and percent escapes so that common prefixes
// fall inside names and escapes too; the empty segment gives directory forms (`/a/` next to `/a`).
const segment = fc.constantFrom("", "a", "ab", "b", "index.html", "a%20b", "a%2F", "%C3%A9", "x.css");
const sitePath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((segments) => `/${segments.join("/")}`);

interface Case {
  readonly site: readonly string[];
  readonly changed: readonly string[];
  readonly maxPaths: number;
  readonly limits: InvalidationLimits;
  readonly useSite: boolean;
  readonly shuffleKeys: readonly number[];
  readonly search: PlanSearch;
}

const planCase: fc.Arbitrary<Case> = fc
  .record({
    site: fc.uniqueArray(sitePath, { minLength: 1, maxLength: 40 }),
    picks: fc.array(fc.nat(), { maxLength: 40 }),
    // Changed wildcards: a site path cut somewhere after its leading slash.
    wildcards: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 3 }),
    maxPaths: fc.integer({ min: 1, max: 12 }),
    maxFilePaths: fc.integer({ min: 1, max: 5 }),
    maxWildcardPaths: fc.integer({ min: 1, max: 3 }),
    useSite: fc.boolean(),
    shuffleKeys: fc.array(fc.double({ noNaN: true }), { minLength: 100, maxLength: 100 }),
    search: fc.constantFrom<PlanSearch>("auto", "exact", "relaxed"),
  })
  .map(({ site, picks, wildcards, maxPaths, maxFilePaths, maxWildcardPaths, useSite, shuffleKeys, search }) => {
    const changed = picks.map((pick) => site[pick % site.length]!);
    for (const [pick, cut] of wildcards) {
      const path = site[pick % site.length]!;
      changed.push(`${path.slice(0, 1 + (cut % path.length))}*`);
    }
    return { site, changed, maxPaths, limits: { maxFilePaths, maxWildcardPaths }, useSite, shuffleKeys, search };
  });

// Every property runs against both searches, so the fallback for large inputs is checked as well.
function plan(c: Case, changed: readonly string[] = c.changed, search: PlanSearch = c.search): InvalidationPlan {
  return planInvalidationUsing(search, changed, {
    maxPaths: c.maxPaths,
    limits: c.limits,
    ...(c.useSite ? { sitePaths: c.site } : {}),
  });
}

/** Whether `pattern` covers changed path `changed`: a changed wildcard needs a wildcard at least as wide. */
function coversChange(pattern: string, changed: string): boolean {
  if (!changed.endsWith("*")) return covers(pattern, changed);
  return pattern.endsWith("*") && changed.startsWith(pattern.slice(0, -1));
}

/** The changed paths the slow way: distinct, minus any that another changed path covers. */
function normalized(changed: readonly string[]): string[] {
  const distinct = [...new Set(changed)];
  return distinct.filter((path) => !distinct.some((other) => other !== path && coversChange(other, path))).sort();
}

// The seed is fixed for the whole package (test/fixed-seed.ts); FC_SEED=<n> draws other cases.
const runs = { numRuns: 400 };

describe("planInvalidation properties", () => {
  it("covers every changed path, exact or wildcard", () => {
    fc.assert(
      fc.property(planCase, (c) => {
        const { paths } = plan(c);
        for (const changed of c.changed)
          expect(
            paths.some((p) => coversChange(p, changed)),
            changed,
          ).toBe(true);
      }),
      runs,
    );
  });

  it("never plans more than maxPaths paths, and counts them honestly", () => {
    fc.assert(
      fc.property(planCase, (c) => {
        const result = plan(c);
        expect(result.paths.length).toBeLessThanOrEqual(c.maxPaths);
        expect(result.pathCount).toBe(result.paths.length);
        expect(result.wildcardCount).toBe(result.paths.filter((p) => p.endsWith("*")).length);
      }),
      runs,
    );
  });

  it("cuts the paths into as few sorted, non-empty batches as fit the limits, wildcards first", () => {
    fc.assert(
      fc.property(planCase, (c) => {
        const { paths, batches } = plan(c);
        expect([...batches.flat()].sort()).toEqual(paths);
        const wildcardTotal = paths.filter((p) => p.endsWith("*")).length;
        const wildcardBatches = Math.ceil(wildcardTotal / c.limits.maxWildcardPaths);
        const fileBatches = Math.ceil((paths.length - wildcardTotal) / c.limits.maxFilePaths);
        expect(batches.length).toBe(Math.max(wildcardBatches, fileBatches));
        batches.forEach((batch, i) => {
          expect(batch.length).toBeGreaterThan(0);
          expect(batch).toEqual([...batch].sort());
          const wildcards = batch.filter((p) => p.endsWith("*")).length;
          expect(wildcards).toBeLessThanOrEqual(c.limits.maxWildcardPaths);
          expect(batch.length - wildcards).toBeLessThanOrEqual(c.limits.maxFilePaths);
          // Wildcards fill the first batches: no batch waits on a wildcard that could have gone earlier.
          if (i < wildcardBatches - 1) expect(wildcards).toBe(c.limits.maxWildcardPaths);
          if (i >= wildcardBatches) expect(wildcards).toBe(0);
        });
      }),
      runs,
    );
  });

  it("plans sorted, distinct paths, none of which covers another", () => {
    fc.assert(
      fc.property(planCase, (c) => {
        const { paths } = plan(c);
        expect(paths).toEqual([...new Set(paths)].sort());
        for (const a of paths) for (const b of paths) if (a !== b) expect(coversChange(a, b), `${a} ${b}`).toBe(false);
      }),
      runs,
    );
  });

  it("returns the changed paths themselves when they fit, and otherwise counts what it collapsed", () => {
    fc.assert(
      fc.property(planCase, (c) => {
        const result = plan(c);
        const expected = normalized(c.changed);
        if (expected.length <= c.maxPaths) {
          expect(result.paths).toEqual(expected);
          expect(result.collapsedCount).toBe(0);
        } else {
          // A changed path is collapsed when its own form is not in the plan (the plan has no redundancy).
          expect(result.collapsedCount).toBe(expected.filter((p) => !result.paths.includes(p)).length);
        }
      }),
      runs,
    );
  });

  it("gives the same plan for the changed paths in any order, or repeated", () => {
    fc.assert(
      fc.property(planCase, (c) => {
        const shuffled = c.changed
          .map((path, i) => ({ path, key: c.shuffleKeys[i % c.shuffleKeys.length]! + i * 1e-9 }))
          .sort((a, b) => a.key - b.key)
          .map(({ path }) => path);
        const expected = plan(c);
        expect(plan(c, shuffled)).toEqual(expected);
        expect(plan(c, [...shuffled, ...c.changed])).toEqual(expected);
      }),
      runs,
    );
  });

  it("reports unchangedHit as the site paths it invalidates that no changed path covers", () => {
    fc.assert(
      fc.property(
        planCase.filter((c) => c.useSite),
        (c) => {
          const { paths, unchangedHit } = plan(c);
          const bruteForce = [...new Set(c.site)].filter(
            (site) => paths.some((p) => covers(p, site)) && !c.changed.some((changed) => covers(changed, site)),
          ).length;
          expect(unchangedHit).toBe(bruteForce);
        },
      ),
      runs,
    );
  });

  it("never ends a wildcard inside a percent escape", () => {
    fc.assert(
      fc.property(planCase, (c) => {
        const introduced = plan(c).paths.filter((p) => p.endsWith("*") && !c.changed.includes(p));
        for (const wildcard of introduced) expect(wildcard).not.toMatch(/%[0-9A-F]?\*$/);
      }),
      runs,
    );
  });

  it("with the site's paths, hits no more unchanged paths than the best plan found by brute force", () => {
    fc.assert(
      fc.property(
        planCase.filter((c) => c.useSite && normalized(c.changed).length <= 5),
        (c) => {
          const best = bruteForceLeastHit(
            normalized(c.changed),
            c.site,
            c.changed,
            c.maxPaths,
            c.limits.maxWildcardPaths,
          );
          expect(plan(c, c.changed, "exact").unchangedHit).toBe(best);
          // The relaxed search may miss the optimum but never goes below it.
          expect(plan(c, c.changed, "relaxed").unchangedHit).toBeGreaterThanOrEqual(best);
        },
      ),
      // The exhaustive search is slow: fewer runs.
      { numRuns: 150 },
    );
  });

  it("holds at most limits.maxWildcardPaths wildcards whenever it collapses, so the wildcards go out in one call", () => {
    fc.assert(
      fc.property(planCase, (c) => {
        const result = plan(c);
        // Changes that fit the budget are planned as given (a user's own wildcards are not merged).
        if (normalized(c.changed).length <= c.maxPaths) return;
        expect(result.wildcardCount).toBeLessThanOrEqual(c.limits.maxWildcardPaths);
        const batchesWithWildcards = result.batches.filter((batch) => batch.some((p) => p.endsWith("*")));
        expect(batchesWithWildcards.length).toBeLessThanOrEqual(1);
      }),
      runs,
    );
  });

  it("with maxWildcards at the budget, plans as if there were no wildcard limit", () => {
    // The limit only narrows the choice: lifting it never costs more, with or without the site's paths.
    fc.assert(
      fc.property(
        planCase.filter((c) => c.search !== "relaxed"),
        (c) => {
          const options = { maxPaths: c.maxPaths, ...(c.useSite ? { sitePaths: c.site } : {}) };
          const free = planInvalidationUsing("exact", c.changed, { ...options, maxWildcards: c.maxPaths });
          const limited = planInvalidationUsing("exact", c.changed, { ...options, limits: c.limits });
          if (c.useSite) expect(free.unchangedHit!).toBeLessThanOrEqual(limited.unchangedHit!);
          if (limited.wildcardCount <= c.limits.maxWildcardPaths && free.wildcardCount <= c.limits.maxWildcardPaths) {
            // When the free plan fits the limit it is also the limited plan.
            expect(limited.paths).toEqual(free.paths);
          }
        },
      ),
      runs,
    );
  });

  it("plans alike whether or not it seals the groups that no plan within the budget can split", () => {
    fc.assert(
      fc.property(planCase, (c) => {
        const options = { maxPaths: c.maxPaths, limits: c.limits };
        const sealed = planInvalidationUsing(c.search, c.changed, options);
        const whole = planInvalidationUsing(c.search, c.changed, options, false);
        if (c.search === "relaxed") {
          // The Lagrangian search is not exact, so the two tries may lead it to different plans;
          // both must still fit the budget and the wildcard limit.
          expect(sealed.pathCount).toBeLessThanOrEqual(c.maxPaths);
          expect(sealed.wildcardCount <= c.limits.maxWildcardPaths || sealed.collapsedCount === 0).toBe(true);
        } else expect(sealed).toEqual(whole);
      }),
      runs,
    );
  });

  it("agrees with planInvalidation, which picks the exact search for small inputs", () => {
    fc.assert(
      fc.property(planCase, (c) => {
        expect(planInvalidation(c.changed, { maxPaths: c.maxPaths, limits: c.limits })).toEqual(
          plan({ ...c, useSite: false }, c.changed, "exact"),
        );
      }),
      runs,
    );
  });
});

/**
 * The least number of unchanged site paths that any plan of at most `budget` patterns can hit, by
 * exhaustive search: the first uncovered changed path must be covered by its own form or by a wildcard
 * at one of its prefixes (never inside a percent escape), holding at most `maxWildcards` wildcards when
 * the changes do not fit. Independent of the planner's trie.
 */
function bruteForceLeastHit(
  keys: string[],
  site: readonly string[],
  changed: readonly string[],
  budget: number,
  maxWildcards: number,
): number {
  // Changes that fit are planned as given; only a plan that collapses is held to the wildcard limit.
  const wildcardLimit = keys.length <= budget ? Number.POSITIVE_INFINITY : maxWildcards;
  const unchanged = [...new Set(site)].filter((path) => !changed.some((c) => covers(c, path)));
  let best = Number.POSITIVE_INFINITY;
  const search = (patterns: string[]): void => {
    const open = keys.find((key) => !patterns.some((p) => coversChange(p, key)));
    if (open === undefined) {
      best = Math.min(best, unchanged.filter((path) => patterns.some((p) => covers(p, path))).length);
      return;
    }
    if (patterns.length === budget) return;
    const wildcards = patterns.filter((p) => p.endsWith("*")).length;
    const options = new Set([open]);
    const base = open.endsWith("*") ? open.slice(0, -1) : open;
    for (let cut = 1; cut <= base.length; cut++) {
      const prefix = base.slice(0, cut);
      if (!/%[0-9A-F]?$/.test(prefix)) options.add(`${prefix}*`);
    }
    for (const option of options) {
      if (option.endsWith("*") && wildcards >= wildcardLimit) continue;
      search([...patterns, option]);
    }
  };
  search([]);
  return best;
}
