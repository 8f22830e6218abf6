import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { failureTypeFor, joinIds, truncate } from "../src/job-result.js";

describe("failureTypeFor", () => {
  it.each([
    ["configuration", "ConfigurationError"],
    ["permission", "PermissionError"],
    ["transient", "JobFailed"],
    ["timeout", "JobFailed"],
  ] as const)("maps %s to %s", (kind, type) => {
    expect(failureTypeFor(kind)).toBe(type);
  });
});

describe("truncate", () => {
  it("keeps text within the limit and marks the cut", () => {
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("abc", 4)).toBe("abc");
  });

  it("never splits a surrogate pair and never exceeds the limit", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), fc.integer({ min: 2, max: 100 }), (text, limit) => {
        const out = truncate(text, limit);
        expect(out.length).toBeLessThanOrEqual(limit);
        // A lone surrogate would not survive a UTF-8 round trip.
        expect(Buffer.from(out, "utf8").toString("utf8")).toBe(out);
      }),
    );
  });
});

describe("joinIds", () => {
  it("keeps whole ids only", () => {
    expect(joinIds(["I1234", "I5678", "I9999"], 11)).toBe("I1234,I5678");
    expect(joinIds(["I1234"], 3)).toBe("");
  });
});
