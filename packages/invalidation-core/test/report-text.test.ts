import { describe, expect, it } from "vitest";
import { planInvalidation } from "../src/plan.js";
import { planCost } from "../src/plan-cost.js";
import { describeCost, describePlan, describeSendEvent, describeUnfinished, plural } from "../src/report-text.js";

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

  it("describes a plan in one line: paths, wildcards, changes, batches, what collapsed and what it hits", () => {
    const sitePaths = [...Array.from({ length: 40 }, (_, i) => `/blog/p${i}`), "/about", "/index.html"];
    const changedPaths = [...Array.from({ length: 20 }, (_, i) => `/blog/p${i}`), "/about"];
    const plan = planInvalidation(changedPaths, { maxPaths: 5, sitePaths });
    const outcome = { plan, changedPaths, warnings: [], nothingChanged: false, outsidePrefix: false };
    expect(describePlan(outcome)).toBe(
      "Plan: 2 paths (1 wildcard) for 21 changed paths in 1 batch, 20 changed paths collapsed, hits 20 unchanged paths",
    );
    const exact = planInvalidation(["/a"], { maxPaths: 5 });
    expect(describePlan({ ...outcome, plan: exact, changedPaths: ["/a"] })).toBe(
      "Plan: 1 path (0 wildcards) for 1 changed path in 1 batch",
    );
  });

  it("describes the engine's events the same for every adapter", () => {
    const invalidation = {
      distributionId: "E1",
      id: "I1",
      status: "InProgress",
      paths: ["/a", "/b"],
      callerReference: "cli-1-b0-x",
      batchIndex: 1,
    };
    expect(describeSendEvent({ type: "created", invalidation }, 3)).toBe(
      "Created invalidation I1 on E1 (batch 2/3, 2 paths): InProgress; caller reference cli-1-b0-x",
    );
    expect(
      describeSendEvent({ type: "waiting-for-slot", distributionId: "E1", batchIndex: 0, retryInMs: 9_001 }, 2),
    ).toBe("E1: too many invalidations in progress; batch 1/2 waits, next try in 10 s");
    expect(describeSendEvent({ type: "progress", completed: 1, total: 2, elapsedMs: 25_400 }, 2)).toBe(
      "Waiting for completion: 1/2 completed after 25 s",
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
