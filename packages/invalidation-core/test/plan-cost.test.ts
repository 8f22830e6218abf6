import { describe, expect, it } from "vitest";
import { planInvalidation } from "../src/plan.js";
import { FREE_PATHS_PER_MONTH, planCost } from "../src/plan-cost.js";

describe("planCost", () => {
  // Two folders changed, one unchanged file beside the changes in /b/.
  const changed = ["/a/1", "/a/2", "/a/3", "/b/1", "/b/2"];
  const site = [...changed, "/b/old", "/c/1", "/c/2"];

  it("counts the paths billed and what one path per file would bill", () => {
    const plan = planInvalidation(changed, { maxPaths: 2, sitePaths: site });
    expect(plan.paths).toEqual(["/a/*", "/b/*"]);
    expect(planCost(plan)).toEqual({
      pathsBilled: 2,
      usd: 0,
      freeDeploysPerMonth: 500,
      perFile: { pathsBilled: 5, usd: 0, pathsSaved: 3 },
      keptWarm: { vsEverything: 2, lostVsPerFile: 1 },
    });
  });

  it("bills USD 0.005 a path beyond the month's free 1,000, counting the paths already billed", () => {
    const plan = planInvalidation(changed, { maxPaths: 2 });
    expect(planCost(plan, FREE_PATHS_PER_MONTH - 1)).toMatchObject({ usd: 0.005, perFile: { usd: 0.02 } });
    expect(planCost(plan, 5000)).toMatchObject({ usd: 0.01, perFile: { usd: 0.025 } });
    // Without a listing nothing is known of the URLs kept.
    expect(planCost(plan).keptWarm).toBeUndefined();
  });

  it("reports an empty plan as free", () => {
    expect(planCost(planInvalidation([], { maxPaths: 30 }))).toMatchObject({
      pathsBilled: 0,
      usd: 0,
      perFile: { pathsBilled: 0, pathsSaved: 0 },
    });
  });
});
