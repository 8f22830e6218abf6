import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  callerReferences,
  ciExecutionId,
  fitCallerReference,
  MAX_CALLER_REFERENCE_LENGTH,
  safeReferencePart,
} from "../src/caller-reference.js";

const batches = [["/index.html", "/about/"], ["/blog/*"]];
const digestOf = (paths: readonly string[]) => createHash("sha256").update(paths.join("\n")).digest("hex").slice(0, 12);

describe("callerReferences", () => {
  it("uses a given reference as-is for the first batch and suffixes the others", () => {
    const ref = callerReferences({ given: "deploy-42", base: "ignored", batches });
    expect(ref("E1", 0)).toBe("deploy-42");
    expect(ref("E1", 1)).toBe("deploy-42-b2");
    expect(ref("E1", 2)).toBe("deploy-42-b3");
    // References are scoped to a distribution: the same one is fine on another.
    expect(ref("E2", 0)).toBe("deploy-42");
  });

  it("keeps a given reference's characters (the user chose them) but not its length", () => {
    expect(callerReferences({ given: "release 7/ü", base: "b", batches })("E1", 0)).toBe("release 7/ü");
    const long = callerReferences({ given: "x".repeat(300), base: "b", batches });
    expect(long("E1", 0).length).toBe(MAX_CALLER_REFERENCE_LENGTH);
    expect(long("E1", 0)).not.toBe(long("E1", 1));
  });

  it("writes <base>-<distribution>-b<n>-<digest of the batch's paths> by default", () => {
    // The exact form matters: deployments that retry must send the very same reference.
    const ref = callerReferences({ base: "cli-gitlab-987654", batches });
    expect(ref("E2QWRUHAPOMQZL", 0)).toBe(`cli-gitlab-987654-E2QWRUHAPOMQZL-b1-${digestOf(batches[0]!)}`);
    expect(ref("E2QWRUHAPOMQZL", 1)).toBe(`cli-gitlab-987654-E2QWRUHAPOMQZL-b2-${digestOf(batches[1]!)}`);
  });

  it("differs between batches, distributions and path sets, and is stable for the same ones", () => {
    const ref = callerReferences({ base: "gha-1-1-deploy-step", batches });
    const other = callerReferences({ base: "gha-1-1-deploy-step", batches: [["/other.html"], ["/blog/*"]] });
    const refs = new Set([ref("E1", 0), ref("E1", 1), ref("E2", 0), other("E1", 0)]);
    expect(refs.size).toBe(4);
    // Same base, same batch content: the same reference, so CloudFront returns the existing one.
    expect(other("E1", 1)).toBe(ref("E1", 1));
  });

  it("replaces characters outside A-Z a-z 0-9 . _ - in the base and distribution", () => {
    const ref = callerReferences({ base: "cli-jenkins a/b:3", batches });
    expect(ref("E1 x", 0)).toMatch(/^cli-jenkins_a_b_3-E1_x-b1-[0-9a-f]{12}$/);
  });

  it("stays within the limit with a very long base and keeps the base's start readable", () => {
    const ref = callerReferences({ base: `gha-123-1-${"j".repeat(300)}`, batches });
    expect(ref("E1", 0).length).toBe(MAX_CALLER_REFERENCE_LENGTH);
    expect(ref("E1", 0).startsWith("gha-123-1-jjj")).toBe(true);
    expect(ref("E1", 0)).not.toBe(ref("E1", 1));
  });

  it("digests an empty path list for a batch index past the plan (never throws)", () => {
    expect(callerReferences({ base: "b", batches })("E1", 5)).toBe(`b-E1-b6-${digestOf([])}`);
  });
});

describe("fitCallerReference", () => {
  it("returns a reference of up to 128 characters unchanged", () => {
    const exact = "r".repeat(MAX_CALLER_REFERENCE_LENGTH);
    expect(fitCallerReference(exact)).toBe(exact);
    expect(fitCallerReference(`${exact}r`)).not.toBe(`${exact}r`);
  });

  it("never exceeds the limit and keeps distinct references distinct", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.string({ maxLength: 400 }), (a, b) => {
        fc.pre(a !== b);
        const [fa, fb] = [fitCallerReference(a), fitCallerReference(b)];
        expect(fa.length).toBeLessThanOrEqual(MAX_CALLER_REFERENCE_LENGTH);
        expect(fa).not.toBe(fb);
      }),
    );
  });

  it("tells apart long references that share their first 128 characters", () => {
    const start = "s".repeat(200);
    expect(fitCallerReference(`${start}a`)).not.toBe(fitCallerReference(`${start}b`));
  });
});

describe("safeReferencePart", () => {
  it("is the same on parts joined with - as on the whole (adapters may sanitize either)", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }), (parts) => {
        expect(parts.map(safeReferencePart).join("-")).toBe(safeReferencePart(parts.join("-")));
      }),
    );
    expect(safeReferencePart("proj:uuid 1")).toBe("proj_uuid_1");
  });
});

describe("ciExecutionId", () => {
  it("recognizes the CI systems the README documents", () => {
    expect(
      ciExecutionId({ GITHUB_RUN_ID: "9", GITHUB_RUN_ATTEMPT: "2", GITHUB_JOB: "deploy", GITHUB_ACTION: "__run_2" }),
    ).toBe("gha-9-2-deploy-__run_2");
    // A GitHub runner hosted by another CI is told apart by GitHub's own variables.
    expect(ciExecutionId({ CODEBUILD_BUILD_ID: "p:1", GITHUB_RUN_ID: "9", GITHUB_JOB: "d", GITHUB_ACTION: "s" })).toBe(
      "gha-9-d-s",
    );
    // Values are trimmed; a blank first variable means that CI is not the one.
    expect(ciExecutionId({ GITHUB_RUN_ID: " 9 " })).toBe("gha-9");
    expect(ciExecutionId({ GITHUB_RUN_ID: "  ", CI_JOB_ID: "5" })).toBe("gitlab-5");
    expect(ciExecutionId({ CODEBUILD_BUILD_ID: "proj:uuid-1" })).toBe("codebuild-proj_uuid-1");
    expect(ciExecutionId({ CI_JOB_ID: "5" })).toBe("gitlab-5");
    expect(ciExecutionId({ BUILD_TAG: "jenkins-a b-3" })).toBe("jenkins-jenkins-a_b-3");
    expect(ciExecutionId({ GITHUB_RUN_ID: "9", GITHUB_RUN_ATTEMPT: "2", GITHUB_JOB: "deploy" })).toBe("gha-9-2-deploy");
  });

  it("gives nothing on a laptop", () => {
    expect(ciExecutionId({ HOME: "/home/me" })).toBeUndefined();
  });
});
