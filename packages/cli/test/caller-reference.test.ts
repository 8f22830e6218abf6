import { callerReferences } from "invalidation-core";
import { describe, expect, it } from "vitest";
import { callerReferenceBase } from "../src/caller-reference.js";

const batches = [["/a.html"], ["/b.html"]];
// The CLI's references as main.ts builds them: its base, the core's rest.
const references = (env: Record<string, string>, now = 1_790_000_000_000, nonce = "abcd1234") =>
  callerReferences({ base: callerReferenceBase(env, now, nonce), batches });

describe("callerReferenceBase", () => {
  it("keeps the references existing CI jobs send", () => {
    // Pinned to what the CLI sent before the builder moved into the core: a wrapper that re-runs
    // the command in the same job must send the very same reference.
    const ci = references({ CI_JOB_ID: "987654" });
    expect(ci("E2QWRUHAPOMQZL", 0)).toBe("cli-gitlab-987654-E2QWRUHAPOMQZL-b1-82af3bf06c86");
    expect(ci("E2QWRUHAPOMQZL", 1)).toBe("cli-gitlab-987654-E2QWRUHAPOMQZL-b2-3f10aa56d097");
    expect(references({})("E1", 0)).toBe("cli-1790000000000-abcd1234-E1-b1-82af3bf06c86");
    expect(references({ BUILD_TAG: `jenkins-${"a b".repeat(60)}` })("E1", 0)).toBe(
      "cli-jenkins-jenkins-a_ba_ba_ba_ba_ba_ba_ba_ba_ba_ba_ba_ba_ba_ba_ba_ba_ba_ba_ba_ba_ba_ba_ba_ba_b-571ea113942f2da012c02e0c52f3184d",
    );
  });

  it("is stable within one CI job execution, so re-running the command does not duplicate", () => {
    const env = { CI_JOB_ID: "987654", CI_PIPELINE_ID: "1234" };
    expect(callerReferenceBase(env, 1, "n1")).toBe(callerReferenceBase(env, 2, "n2"));
    expect(callerReferenceBase(env, 1, "n1")).toBe("cli-gitlab-987654");
  });

  it("changes for a retried job, which re-uploaded the site and needs a new invalidation", () => {
    expect(callerReferenceBase({ CODEBUILD_BUILD_ID: "site:1111" }, 1, "n")).not.toBe(
      callerReferenceBase({ CODEBUILD_BUILD_ID: "site:2222" }, 1, "n"),
    );
  });

  it("makes every run outside CI a new invalidation", () => {
    expect(callerReferenceBase({}, 1_790_000_000_000, "aaaa")).toBe("cli-1790000000000-aaaa");
    expect(references({}, 1, "aaaa")("E1", 0)).not.toBe(references({}, 1, "bbbb")("E1", 0));
  });
});
