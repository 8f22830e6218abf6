import { hasAwsCli, hasMoto } from "test-utils";
import { describe, expect, it } from "vitest";
import { type FreshCaseResult, measureFreshBuilds, renderFreshBuilds } from "../src/fresh-build.ts";
import { generateSitePairs } from "../src/sites.ts";

// A missing tool fails under CI; elsewhere the test is skipped with the reason.
const tools = hasMoto() && hasAwsCli();

// The section's numbers rest on the real sync and the real diff agreeing with the generator's truth:
// one small blog deploy through moto_server and the AWS CLI checks that end to end.
describe.skipIf(!tools)("fresh-build section (moto_server + AWS CLI)", () => {
  it("the sync log lists every file of a fresh build, the diff exactly the content changes, and the diff's plan loses less cache", async () => {
    const [pair] = generateSitePairs({ blogPosts: 30, docsScale: 0.1 });
    const outcome = await measureFreshBuilds([pair!], 1);
    if ("skipped" in outcome) throw new Error(outcome.skipped);
    const result: FreshCaseResult = outcome.cases[0]!;
    // A fresh build re-uploads everything: the log names every file, most of them unchanged.
    expect(result.syncLog.keys).toBe(result.files);
    expect(result.syncLog.falseChanges).toBe(result.files - result.trueChanges);
    // The diff, taken before the sync, names exactly the keys whose content changed.
    expect(result.diff.keys).toBe(result.trueChanges);
    expect(result.diff.falseChanges).toBe(0);
    expect(result.diff.missedKeys).toBe(0);
    expect(result.leftAfterSync).toBe(0);
    for (const source of [result.syncLog, result.diff]) expect(source.result.missed, source.source).toBe(0);
    expect(result.diff.result.unchangedShare).toBeLessThan(result.syncLog.result.unchangedShare);
    expect(renderFreshBuilds(outcome, "test.")).toContain("content diff (before sync)");
  }, 120_000);
});

describe("fresh-build section without its tools", () => {
  it("prints the reason it was skipped", () => {
    const text = renderFreshBuilds({ skipped: "moto_server is not on PATH" }, "");
    expect(text).toContain("Fresh CI builds: sync log vs content diff");
    expect(text).toContain("skipped: moto_server is not on PATH");
  });
});
