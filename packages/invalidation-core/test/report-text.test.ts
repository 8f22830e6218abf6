import { describe, expect, it } from "vitest";
import { planInvalidation } from "../src/plan.js";
import { planCost } from "../src/plan-cost.js";
import { describeCost, describeUnfinished, plural } from "../src/report-text.js";

describe("report text", () => {
  it("counts with the right plural", () => {
    expect([plural(1, "path"), plural(2, "path"), plural(3, "batch")]).toEqual(["1 path", "2 paths", "3 batches"]);
  });

  it("describes what a plan costs and keeps cached, against one path per file and /*", () => {
    const sitePaths = [...Array.from({ length: 40 }, (_, i) => `/blog/p${i}`), "/about", "/index.html"];
    const changed = Array.from({ length: 20 }, (_, i) => `/blog/p${i}`);
    const plan = planInvalidation(changed, { maxPaths: 5, sitePaths });
    expect(plan.paths).toEqual(["/blog/p*"]);
    expect(describeCost(planCost(plan))).toBe(
      "Cost: 1 path billed (free: 1,000 deploys like this a month fit the 1,000 free paths); " +
        "one path per file would bill 20; keeps 2 of 22 unchanged URLs cached, where /* would drop them all",
    );
  });

  it("gives the price once a run alone goes beyond the free paths", () => {
    const changed = Array.from({ length: 1500 }, (_, i) => `/f${i}`);
    const plan = planInvalidation(changed, { maxPaths: 3000 });
    expect(describeCost(planCost(plan))).toBe("Cost: 1,500 paths billed (USD 2.50 beyond the free 1,000 a month)");
  });

  it("says what a timed-out run leaves unfinished", () => {
    expect(
      describeUnfinished({
        invalidations: [
          { id: "I1", distributionId: "EA", status: "InProgress" },
          { id: "I2", distributionId: "EA", status: "Completed" },
        ],
        unsent: [{}],
      }),
    ).toBe("still in progress in CloudFront: I1 on EA; 1 batch not sent: run again (same caller reference) to send it");
    expect(describeUnfinished({ invalidations: [], unsent: [] })).toBe("nothing in progress");
  });
});
