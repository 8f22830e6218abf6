import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  callerReferences,
  fitCallerReference,
  MAX_CALLER_REFERENCE_LENGTH,
  runIdentity,
} from "../src/caller-reference.js";

const run = { runId: "123", runAttempt: "1", job: "deploy", action: "__owner_repo" };
const batches = [["/a.html"], ["/b.html"]];

describe("callerReferences", () => {
  it("tells distributions, batches and steps apart", () => {
    const refs = callerReferences({ run, batches, now: 0 });
    const second = callerReferences({ run: { ...run, action: "__owner_repo_2" }, batches, now: 0 });
    const all = [refs("E1", 0), refs("E1", 1), refs("E2", 0), second("E1", 0)];
    expect(new Set(all).size).toBe(all.length);
  });

  it("differs between matrix legs that share job and step but not paths", () => {
    const a = callerReferences({ run, batches: [["/en/*"]], now: 0 });
    const b = callerReferences({ run, batches: [["/de/*"]], now: 0 });
    expect(a("E1", 0)).not.toBe(b("E1", 0));
  });

  it("outside GitHub Actions makes a new reference per execution", () => {
    expect(runIdentity({})).toBeUndefined();
    const first = callerReferences({ batches, now: 1 })("E1", 0);
    expect(callerReferences({ batches, now: 2 })("E1", 0)).not.toBe(first);
  });

  it("suffixes a given reference for every batch after the first", () => {
    const refs = callerReferences({ given: "release-7", run, batches, now: 0 });
    expect([refs("E1", 0), refs("E1", 1)]).toEqual(["release-7", "release-7-b2"]);
  });

  it("never exceeds the length limit and keeps distinct references distinct", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.string({ maxLength: 400 }), (a, b) => {
        fc.pre(a !== b);
        const [fa, fb] = [fitCallerReference(a), fitCallerReference(b)];
        expect(fa.length).toBeLessThanOrEqual(MAX_CALLER_REFERENCE_LENGTH);
        expect(fa).not.toBe(fb);
      }),
    );
    const long = callerReferences({ run: { ...run, job: "j".repeat(300) }, batches, now: 0 })("E1", 0);
    expect(long.length).toBe(MAX_CALLER_REFERENCE_LENGTH);
    expect(long.startsWith("gha-123-1-jjj")).toBe(true);
  });
});
