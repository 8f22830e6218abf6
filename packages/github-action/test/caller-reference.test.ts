import { callerReferences } from "invalidation-core";
import { describe, expect, it } from "vitest";
import { callerReferenceBase } from "../src/caller-reference.js";

const run = { GITHUB_RUN_ID: "123", GITHUB_RUN_ATTEMPT: "1", GITHUB_JOB: "deploy", GITHUB_ACTION: "__owner_repo" };
const batches = [["/a.html"], ["/b.html"]];
// The action's references as main.ts builds them: its base, the core's rest.
const references = (base: string, paths: readonly (readonly string[])[] = batches) =>
  callerReferences({ base, batches: paths });

describe("callerReferenceBase", () => {
  it("keeps the references existing workflows send (the same run, attempt, job and step)", () => {
    // Pinned to what the action sent before the builder moved into the core: a re-run step of a
    // deployment in progress must send the very same reference.
    const refs = references(callerReferenceBase(run, 0));
    expect(refs("E2QWRUHAPOMQZL", 0)).toBe("gha-123-1-deploy-__owner_repo-E2QWRUHAPOMQZL-b1-82af3bf06c86");
    expect(refs("E2QWRUHAPOMQZL", 1)).toBe("gha-123-1-deploy-__owner_repo-E2QWRUHAPOMQZL-b2-3f10aa56d097");
    expect(references(callerReferenceBase({ ...run, GITHUB_JOB: "j".repeat(300) }, 0))("E1", 0)).toBe(
      `gha-123-1-${"j".repeat(85)}-24d80723892c7372e479f50b2e7fc5d1`,
    );
  });

  it("tells steps and attempts apart", () => {
    const bases = [
      callerReferenceBase(run, 0),
      callerReferenceBase({ ...run, GITHUB_ACTION: "__owner_repo_2" }, 0),
      callerReferenceBase({ ...run, GITHUB_RUN_ATTEMPT: "2" }, 0),
    ];
    expect(new Set(bases.map((base) => references(base)("E1", 0))).size).toBe(bases.length);
  });

  it("differs between matrix legs that share job and step but not paths", () => {
    const base = callerReferenceBase(run, 0);
    expect(references(base, [["/en/*"]])("E1", 0)).not.toBe(references(base, [["/de/*"]])("E1", 0));
  });

  it("outside GitHub Actions makes a new reference per execution", () => {
    expect(callerReferenceBase({}, 1_790_000_000_000)).toBe("local-1790000000000");
    expect(references(callerReferenceBase({}, 1))("E1", 0)).not.toBe(references(callerReferenceBase({}, 2))("E1", 0));
  });
});
