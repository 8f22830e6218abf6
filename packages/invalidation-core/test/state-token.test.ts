import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../src/errors.js";
import { type SendState, startSending } from "../src/send-engine.js";
import { openState, roomForIds, sealState } from "../src/state-token.js";

const carrier = { maxLength: 2048, key: "k".repeat(32), refusalHint: "Run again." };
const withIds = (count: number): SendState => {
  const state = startSending({
    distributionIds: ["E2QWRUHAPOMQZL"],
    batches: [["/a"]],
    wait: true,
    now: 1_000,
    deadline: 61_000,
  });
  return {
    ...state,
    distributions: state.distributions.map((d) => ({
      ...d,
      nextBatch: 1,
      invalidations: Array.from({ length: count }, (_, i) => ({
        id: `I${i}ABCDEFGHIJK`,
        batchIndex: 0,
        completed: true,
      })),
    })),
  };
};

describe("state tokens", () => {
  it("seal and open the same state", () => {
    const sealed = { origin: "job-1", state: withIds(2) };
    expect(openState(sealState(sealed, carrier), carrier)).toEqual(sealed);
  });

  it("refuse a token whose payload or signature was edited, or that another key signed", () => {
    const token = sealState({ origin: "job-1", state: withIds(1) }, carrier);
    const edited = token.replace('"job-1"', '"job-2"');
    expect(() => openState(edited, carrier)).toThrow(/signature does not match. Run again\.$/);
    expect(() => openState(token.slice(0, -1), carrier)).toThrow(ConfigurationError);
    expect(() => openState(token, { ...carrier, key: "x".repeat(32) })).toThrow(/signature does not match/);
  });

  it("stay within the carrier's length, counting what they leave out", () => {
    const token = sealState({ origin: "job-1", state: withIds(200) }, carrier);
    expect(token.length).toBeLessThanOrEqual(carrier.maxLength);
    const opened = openState(token, carrier).state;
    expect(opened.omittedCompleted + (opened.distributions[0]?.invalidations.length ?? 0)).toBe(200);
    expect(roomForIds({ origin: "job-1", state: withIds(0) }, 2048)).toBeGreaterThan(40);
  });
});
