import { describe, expect, it } from "vitest";
import { callerReferences, ciExecutionId, MAX_CALLER_REFERENCE_LENGTH } from "../src/caller-reference.js";

const batches = [["/index.html", "/about/"], ["/blog/*"]];
const laptop = { env: {}, batches, now: 1_790_000_000_000, nonce: "abcd1234" };

describe("callerReferences", () => {
  it("uses a given reference as-is for the first batch and suffixes the others", () => {
    const ref = callerReferences({ ...laptop, given: "deploy-42" });
    expect(ref("E1", 0)).toBe("deploy-42");
    expect(ref("E1", 1)).toBe("deploy-42-b2");
    // References are scoped to a distribution: the same one is fine on another.
    expect(ref("E2", 0)).toBe("deploy-42");
  });

  it("is stable within one CI job execution, so re-running the command does not duplicate", () => {
    const env = { CI_JOB_ID: "987654", CI_PIPELINE_ID: "1234" };
    const first = callerReferences({ ...laptop, env, now: 1, nonce: "n1" });
    const second = callerReferences({ ...laptop, env, now: 2, nonce: "n2" });
    expect(first("E1", 0)).toBe(second("E1", 0));
    expect(first("E1", 0)).toMatch(/^cli-gitlab-987654-E1-b1-[0-9a-f]{12}$/);
  });

  it("changes for a retried job, which re-uploaded the site and needs a new invalidation", () => {
    const first = callerReferences({ ...laptop, env: { CODEBUILD_BUILD_ID: "site:1111" } });
    const retried = callerReferences({ ...laptop, env: { CODEBUILD_BUILD_ID: "site:2222" } });
    expect(first("E1", 0)).not.toBe(retried("E1", 0));
  });

  it("differs between batches, distributions and path sets", () => {
    const env = { BUILD_TAG: "jenkins-site-deploy-17" };
    const ref = callerReferences({ ...laptop, env });
    const other = callerReferences({ ...laptop, env, batches: [["/other.html"], ["/blog/*"]] });
    const refs = new Set([ref("E1", 0), ref("E1", 1), ref("E2", 0), other("E1", 0)]);
    expect(refs.size).toBe(4);
    // Same batch content, same reference: batch 2 is identical in both plans.
    expect(other("E1", 1)).toBe(ref("E1", 1));
  });

  it("makes every run outside CI a new invalidation", () => {
    const a = callerReferences({ ...laptop, nonce: "aaaa" });
    const b = callerReferences({ ...laptop, nonce: "bbbb" });
    expect(a("E1", 0)).not.toBe(b("E1", 0));
    expect(a("E1", 0)).toMatch(/^cli-1790000000000-aaaa-E1-b1-/);
  });

  it("keeps long references within the limit and still distinct", () => {
    const long = "x".repeat(300);
    const ref = callerReferences({ ...laptop, given: long });
    expect(ref("E1", 0).length).toBeLessThanOrEqual(MAX_CALLER_REFERENCE_LENGTH);
    expect(ref("E1", 0)).not.toBe(ref("E1", 1));
  });
});

describe("ciExecutionId", () => {
  it("recognizes the CI systems the README documents", () => {
    expect(ciExecutionId({ CODEBUILD_BUILD_ID: "proj:uuid-1" })).toBe("codebuild-proj_uuid-1");
    expect(ciExecutionId({ CI_JOB_ID: "5" })).toBe("gitlab-5");
    expect(ciExecutionId({ BUILD_TAG: "jenkins-a b-3" })).toBe("jenkins-jenkins-a_b-3");
    expect(ciExecutionId({ GITHUB_RUN_ID: "9", GITHUB_RUN_ATTEMPT: "2", GITHUB_JOB: "deploy" })).toBe("gha-9-2-deploy");
  });

  it("gives nothing on a laptop", () => {
    expect(ciExecutionId({ HOME: "/home/me" })).toBeUndefined();
  });
});
