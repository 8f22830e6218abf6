import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  covers,
  type InvalidationLimits,
  type InvalidationPlan,
  type PlanOptions,
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
  readonly urlsPerPath: number;
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
    urlsPerPath: fc.constantFrom(0, 1, 1, 0.5, 3),
  })
  .map(({ site, picks, wildcards, maxPaths, maxFilePaths, maxWildcardPaths, useSite, shuffleKeys, urlsPerPath }) => {
    const changed = picks.map((pick) => site[pick % site.length]!);
    for (const [pick, cut] of wildcards) {
      const path = site[pick % site.length]!;
      changed.push(`${path.slice(0, 1 + (cut % path.length))}*`);
    }
    return { site, changed, maxPaths, limits: { maxFilePaths, maxWildcardPaths }, useSite, shuffleKeys, urlsPerPath };
  });

function optionsOf(c: Case, maxPaths = c.maxPaths): PlanOptions {
  return { maxPaths, limits: c.limits, urlsPerPath: c.urlsPerPath, ...(c.useSite ? { sitePaths: c.site } : {}) };
}

function plan(c: Case, changed: readonly string[] = c.changed): InvalidationPlan {
  return planInvalidation(changed, optionsOf(c));
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

  it("with the site's paths, is the optimum that an exhaustive search finds", () => {
    fc.assert(
      fc.property(
        planCase.filter((c) => c.useSite && normalized(c.changed).length <= 6),
        (c) => {
          const best = bruteForceBest(
            normalized(c.changed),
            c.site,
            c.changed,
            c.maxPaths,
            c.limits.maxWildcardPaths,
            c.urlsPerPath,
          );
          const result = plan(c);
          const collapses = normalized(c.changed).length > c.maxPaths;
          const objective = result.unchangedHit! + (collapses ? c.urlsPerPath * result.pathCount : 0);
          expect(objective).toBeCloseTo(best.objective, 9);
          // Among equally good plans, the one that keeps the most cached.
          expect(result.unchangedHit).toBe(best.hit);
        },
      ),
      // The exhaustive search is slow: fewer runs.
      { numRuns: 250 },
    );
  });

  it("never invalidates more unchanged site paths at a bigger budget", () => {
    fc.assert(
      fc.property(
        planCase.filter((c) => c.useSite),
        fc.integer({ min: 1, max: 12 }),
        (c, more) => {
          const small = plan(c);
          const big = planInvalidation(c.changed, optionsOf(c, c.maxPaths + more));
          expect(big.unchangedHit!).toBeLessThanOrEqual(small.unchangedHit!);
          // `/*` only when nothing narrower fits: a bigger budget never goes back to it.
          if (!small.paths.includes("/*")) expect(big.paths).not.toContain("/*");
        },
      ),
      runs,
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
    // The limit only narrows the choice: lifting it never gives a worse plan.
    fc.assert(
      fc.property(
        planCase.filter((c) => c.useSite),
        (c) => {
          const free = planInvalidation(c.changed, { ...optionsOf(c), maxWildcards: c.maxPaths });
          const limited = plan(c);
          const worth = (p: InvalidationPlan) => p.unchangedHit! + c.urlsPerPath * p.pathCount;
          if (limited.collapsedCount > 0) expect(worth(free)).toBeLessThanOrEqual(worth(limited) + 1e-9);
          if (free.wildcardCount <= c.limits.maxWildcardPaths) expect(limited.paths).toEqual(free.paths);
        },
      ),
      runs,
    );
  });

  it("plans alike whether or not it seals the groups that no plan within the limits can split", () => {
    fc.assert(
      fc.property(planCase, (c) => {
        const sealed = planInvalidationUsing(c.changed, optionsOf(c), { seal: true });
        const whole = planInvalidationUsing(c.changed, optionsOf(c), { seal: false });
        expect(sealed).toEqual(whole);
      }),
      runs,
    );
  });
});

/**
 * The best plan by exhaustive search: the first uncovered changed path must be covered by its own
 * form or by a wildcard at one of its prefixes (never inside a percent escape), holding at most
 * `maxWildcards` wildcards when the changes do not fit. Best: the least unchanged site paths hit plus
 * `urlsPerPath` per path (changes that fit are planned as given), then the least hit. Independent
 * of the planner's trie.
 */
function bruteForceBest(
  keys: string[],
  site: readonly string[],
  changed: readonly string[],
  budget: number,
  maxWildcards: number,
  urlsPerPath: number,
): { objective: number; hit: number } {
  if (keys.length <= budget) return { objective: 0, hit: 0 };
  const unchanged = [...new Set(site)].filter((path) => !changed.some((c) => covers(c, path)));
  let best = { objective: Number.POSITIVE_INFINITY, hit: Number.POSITIVE_INFINITY };
  const search = (patterns: string[]): void => {
    const open = keys.find((key) => !patterns.some((p) => coversChange(p, key)));
    if (open === undefined) {
      const hit = unchanged.filter((path) => patterns.some((p) => covers(p, path))).length;
      const objective = hit + urlsPerPath * patterns.length;
      if (objective < best.objective - 1e-9 || (Math.abs(objective - best.objective) <= 1e-9 && hit < best.hit)) {
        best = { objective, hit };
      }
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
      if (option.endsWith("*") && wildcards >= maxWildcards) continue;
      search([...patterns, option]);
    }
  };
  search([]);
  return best;
}
