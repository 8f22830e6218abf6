import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CONTINUATION_TOKEN_LIMIT,
  type ContinuationState,
  decodeContinuationToken,
  encodeContinuationToken,
  roomForNewIds,
} from "../src/continuation-token.js";

const base: ContinuationState = {
  originalJobId: "11111111-2222-4333-8444-555555555555",
  startedAt: 1_790_000_000_000,
  deadline: 1_790_001_800_000,
  fingerprint: "abcdefabcdef",
  distributions: [{ nextBatch: 2, inProgress: ["I2J0I21PCUYOIK"], done: ["I1111111111111"] }],
  omittedDone: 0,
  transientFailures: 1,
};

const id = fc.stringMatching(/^I[A-Z0-9]{13}$/);

describe("continuation token", () => {
  it("round-trips the state", () => {
    expect(decodeContinuationToken(encodeContinuationToken(base))).toEqual(base);
  });

  it("stays within 2,048 characters however many finished ids there are, counting those it drops", () => {
    fc.assert(
      fc.property(fc.array(fc.array(id, { maxLength: 300 }), { minLength: 1, maxLength: 5 }), (doneLists) => {
        const state = {
          ...base,
          distributions: doneLists.map((done) => ({ nextBatch: done.length, inProgress: [], done })),
        };
        const token = encodeContinuationToken(state);
        expect(token.length).toBeLessThanOrEqual(CONTINUATION_TOKEN_LIMIT);
        const back = decodeContinuationToken(token);
        const kept = back.distributions.reduce((n, d) => n + d.done.length, 0);
        expect(kept + back.omittedDone).toBe(doneLists.reduce((n, d) => n + d.length, 0));
      }),
    );
  });

  it("offers room only for as many new ids as fit, so in-progress ids are never dropped", () => {
    let state: ContinuationState = { ...base, distributions: [{ nextBatch: 0, inProgress: [], done: [] }] };
    let room = roomForNewIds(state);
    expect(room).toBeGreaterThan(10);
    while (room > 0) {
      const d = state.distributions[0]!;
      state = { ...state, distributions: [{ ...d, inProgress: [...d.inProgress, `I${"X".repeat(13)}`] }] };
      room = roomForNewIds(state);
    }
    // Full of in-progress ids: still encodable, and nothing of them lost.
    const token = encodeContinuationToken(state);
    expect(token.length).toBeLessThanOrEqual(CONTINUATION_TOKEN_LIMIT);
    expect(decodeContinuationToken(token).distributions[0]!.inProgress).toEqual(state.distributions[0]!.inProgress);
  });

  it.each([
    ["not JSON", "garbage", /not JSON/],
    ["another version", JSON.stringify({ v: 2 }), /not one this function wrote/],
    [
      "a negative batch position",
      encodeContinuationToken(base).replace('"d":[[2', '"d":[[-1'),
      /not one this function wrote/,
    ],
  ])("refuses a token that is %s", (_name, token, message) => {
    expect(() => decodeContinuationToken(token)).toThrow(message);
  });
});
