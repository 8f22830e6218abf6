import { planInvalidation } from "invalidation-core";
import { describe, expect, it } from "vitest";
import { FOLD_PATHS_OVER, renderSummary } from "../src/summary.js";

/** A plan of exactly `paths` (in this order), covering `changedCount` changes of which `collapsedCount` collapsed. */
const outcome = (paths: string[], changedCount: number, collapsedCount: number) => ({
  plan: { ...planInvalidation(paths, { maxPaths: 3000 }), paths, collapsedCount },
  changedPaths: Array.from({ length: changedCount }, (_, i) => `/changed-${i}`),
});

const row = { distributionId: "E2QWRUHAPOMQZL", invalidationId: "I1AAAAAAAAAAAA", status: "Completed", pathCount: 2 };

describe("renderSummary", () => {
  it("shows a table row per invalidation and lists short path lists openly", () => {
    const text = renderSummary({
      status: "completed",
      rows: [row],
      outcome: outcome(["/a.html", "/b.html"], 2, 0),
    });
    expect(text).toContain("| `E2QWRUHAPOMQZL` | `I1AAAAAAAAAAAA` | Completed | 2 |");
    expect(text).toContain("2 paths planned:\n\n```\n/a.html\n/b.html\n```");
    expect(text).not.toContain("<details>");
  });

  it("folds a long path list into <details>", () => {
    const paths = Array.from({ length: FOLD_PATHS_OVER + 1 }, (_, i) => `/page-${i}.html`);
    const text = renderSummary({ status: "completed", rows: [row], outcome: outcome(paths, 40, 29) });
    expect(text).toMatch(
      /<details><summary>11 paths planned, 29 of 40 changed paths collapsed into wildcards<\/summary>/,
    );
    expect(text).toContain("/page-10.html\n```\n\n</details>");
  });

  it("shows the cost line as escaped text, like every other value", () => {
    const cost = "Cost: 3 paths billed; keeps 9 of 10 unchanged URLs cached, where /* would drop them all";
    const text = renderSummary({
      status: "dry-run",
      rows: [row],
      outcome: outcome(["/a/*"], 4, 4),
      cost,
    });
    expect(text).toContain(
      "Cost: 3 paths billed; keeps 9 of 10 unchanged URLs cached, where /\\* would drop them all\n",
    );
  });

  it("keeps a failure message with a pipe or newline inside its table-free line", () => {
    const text = renderSummary({
      status: "failed",
      rows: [],
      failure: "a|b\nc",
    });
    expect(text).toContain("**Failed:** a\\|b c");
  });
});
