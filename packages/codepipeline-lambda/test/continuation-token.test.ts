import fc from "fast-check";
import { ConfigurationError, type SendState } from "invalidation-core";
import { describe, expect, it } from "vitest";
import {
  CONTINUATION_TOKEN_LIMIT,
  type Continuation,
  openContinuation,
  roomForIds,
  sealContinuation,
} from "../src/continuation-token.js";

const ENV = { CONTINUATION_TOKEN_KEY: "k".repeat(40) };
const state: SendState = {
  version: 1,
  planDigest: "abcdefabcdef",
  wait: true,
  startedAt: 1_790_000_000_000,
  deadline: 1_790_001_800_000,
  phase: "poll",
  slotDelayMs: 10_000,
  pollDelayMs: 7_500,
  transientFailures: 1,
  lastError: "Throttling (test)",
  omittedCompleted: 0,
  distributions: [
    {
      distributionId: "E2QWRUHAPOMQZL",
      nextBatch: 2,
      invalidations: [
        { id: "I1111111111111", batchIndex: 0, completed: true },
        { id: "I2J0I21PCUYOIK", batchIndex: 1, completed: false },
      ],
      busy: { watching: ["I3333333333333"] },
    },
  ],
};
const base: Continuation = { originalJobId: "11111111-2222-4333-8444-555555555555", state };
const id = fc.stringMatching(/^I[A-Z0-9]{13}$/);

describe("continuation token", () => {
  it("round-trips the job id and the engine's state", () => {
    expect(openContinuation(sealContinuation(base, ENV), ENV)).toEqual(base);
  });

  it("stays within 2,048 characters however many finished ids there are, counting those it drops", () => {
    fc.assert(
      fc.property(fc.array(fc.array(id, { maxLength: 300 }), { minLength: 1, maxLength: 5 }), (lists) => {
        const distributions = lists.map((ids, i) => ({
          distributionId: `E${String(i).padStart(13, "0")}`,
          nextBatch: ids.length,
          invalidations: ids.map((x, batchIndex) => ({ id: x, batchIndex, completed: true })),
        }));
        const token = sealContinuation({ ...base, state: { ...state, distributions } }, ENV);
        expect(token.length).toBeLessThanOrEqual(CONTINUATION_TOKEN_LIMIT);
        const back = openContinuation(token, ENV).state;
        const kept = back.distributions.reduce((n, d) => n + d.invalidations.length, 0);
        expect(kept + back.omittedCompleted).toBe(lists.reduce((n, d) => n + d.length, 0));
      }),
    );
  });

  it("offers room only for as many new ids as fit, so running invalidations are never dropped", () => {
    let current: Continuation = {
      ...base,
      state: { ...state, distributions: [{ ...state.distributions[0]!, invalidations: [] }] },
    };
    let room = roomForIds(current);
    expect(room).toBeGreaterThan(10);
    while (room > 0) {
      const d = current.state.distributions[0]!;
      const invalidations = [...d.invalidations, { id: `I${"X".repeat(13)}`, batchIndex: 0, completed: false }];
      current = { ...current, state: { ...current.state, distributions: [{ ...d, invalidations }] } };
      room = roomForIds(current);
    }
    // Full of running invalidations: still sealable, and none of them lost.
    const token = sealContinuation(current, ENV);
    expect(token.length).toBeLessThanOrEqual(CONTINUATION_TOKEN_LIMIT);
    expect(openContinuation(token, ENV).state.distributions[0]!.invalidations).toEqual(
      current.state.distributions[0]!.invalidations,
    );
  });

  const sealed = sealContinuation(base, ENV);
  const [payload, mac] = [sealed.slice(0, sealed.lastIndexOf(".")), sealed.slice(sealed.lastIndexOf(".") + 1)];
  it.each([
    ["not ours at all", "garbage", /signature does not match/],
    ["an edited invalidation id", sealed.replace("I2J0I21PCUYOIK", "I9999999999999"), /signature does not match/],
    ["an edited deadline", sealed.replace("1790001800000", "1790086400000"), /signature does not match/],
    ["truncated", sealed.slice(0, -5), /signature does not match/],
    ["without its MAC", payload, /signature does not match/],
    [
      "re-signed with another key",
      sealContinuation(base, { CONTINUATION_TOKEN_KEY: "o".repeat(40) }),
      /signature does not match/,
    ],
    ["far too long", `${"x".repeat(3000)}.${mac}`, /3\d{3} characters/],
  ])("refuses a token that is %s, as a ConfigurationError", (_name, token, message) => {
    expect(() => openContinuation(token, ENV)).toThrow(ConfigurationError);
    expect(() => openContinuation(token, ENV)).toThrow(message);
  });

  it("refuses, even when correctly signed, fields out of bounds: an id not in CloudFront's form", () => {
    const odd = {
      ...base,
      state: {
        ...state,
        distributions: [
          { ...state.distributions[0]!, invalidations: [{ id: "i-lower", batchIndex: 0, completed: true }] },
        ],
      },
    };
    expect(() => openContinuation(sealContinuation(odd, ENV), ENV)).toThrow(/does not hold what this function writes/);
  });

  it("needs the key the stack provisions, and says so", () => {
    expect(() => sealContinuation(base, {})).toThrow(/CONTINUATION_TOKEN_KEY is not set/);
    expect(() => openContinuation(sealed, { CONTINUATION_TOKEN_KEY: "short" })).toThrow(/shorter than 32/);
  });
});
