import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultProxy, seededRandom, startFaultProxy } from "../src/index.ts";

// A target that records what reaches it and answers CreateInvalidation like CloudFront.
let hits = 0;
const target = createServer((req, res) => {
  hits += 1;
  req.resume();
  req.on("end", () => {
    res.writeHead(201, { "content-type": "text/xml" });
    res.end(`<Invalidation><Id>I${hits}</Id></Invalidation>`);
  });
});
let targetUrl = "";

beforeAll(async () => {
  await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
  const address = target.address();
  targetUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}, 60_000);
afterAll(() => new Promise<void>((resolve) => target.close(() => resolve())), 30_000);

const createBody = (ref: string, path = "/a") =>
  `<InvalidationBatch><Paths><Quantity>1</Quantity><Items><Path>${path}</Path></Items></Paths><CallerReference>${ref}</CallerReference></InvalidationBatch>`;

async function post(proxy: FaultProxy, ref: string, path?: string): Promise<number | "reset"> {
  try {
    const response = await fetch(`${proxy.endpoint}/2020-05-31/distribution/E1/invalidation`, {
      method: "POST",
      body: createBody(ref, path),
    });
    await response.text();
    return response.status;
  } catch {
    return "reset";
  }
}

describe("seededRandom", () => {
  it("repeats its sequence for a seed and differs across seeds", () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const seqA = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(seqA);
    expect([c(), c(), c()]).not.toEqual(seqA);
    for (const value of seqA) expect(value).toBeGreaterThanOrEqual(0);
  });
});

describe("startFaultProxy", () => {
  it("forwards untouched when the fault rate is 0", async () => {
    const proxy = await startFaultProxy({ target: targetUrl, seed: 1, faultRate: 0, protocol: "rest-xml" });
    const before = hits;
    expect(await post(proxy, "r0")).toBe(201);
    expect(hits).toBe(before + 1);
    await proxy.stop();
  });

  it("injects each kind of fault it is given, with the documented status", async () => {
    const cases = [
      ["throttle", 400],
      ["http500", 500],
      ["http503", 503],
      ["too-many-invalidations", 400],
      ["reset-before", "reset"],
    ] as const;
    for (const [fault, expected] of cases) {
      const proxy = await startFaultProxy({
        target: targetUrl,
        seed: 1,
        faultRate: 1,
        faults: [fault],
        protocol: "rest-xml",
      });
      const before = hits;
      expect(await post(proxy, `r-${fault}`)).toBe(expected);
      expect(hits).toBe(before); // never reached the target
      expect(proxy.stats.injected[fault]).toBe(1);
      await proxy.stop();
    }
  });

  it("reset-after reaches the target but the caller never hears", async () => {
    const proxy = await startFaultProxy({
      target: targetUrl,
      seed: 1,
      faultRate: 1,
      faults: ["reset-after"],
      protocol: "rest-xml",
    });
    const before = hits;
    expect(await post(proxy, "r-after")).toBe("reset");
    expect(hits).toBe(before + 1);
    await proxy.stop();
  });

  it("replays a CallerReference like CloudFront instead of creating twice, and refuses other paths", async () => {
    const proxy = await startFaultProxy({
      target: targetUrl,
      seed: 1,
      faultRate: 1,
      faults: ["reset-after"],
      protocol: "rest-xml",
      cloudFrontIdempotency: true,
    });
    const before = hits;
    expect(await post(proxy, "same")).toBe("reset");
    proxy.setFaultRate(0);
    expect(await post(proxy, "same")).toBe(201);
    expect(hits).toBe(before + 1);
    expect(proxy.stats.idempotentReplays).toBe(1);
    expect(await post(proxy, "same", "/other")).toBe(400);
    await proxy.stop();
  });

  it("draws the same schedule for the same seed", async () => {
    const run = async () => {
      const proxy = await startFaultProxy({
        target: targetUrl,
        seed: 42,
        faultRate: 0.5,
        faults: ["http500"],
        protocol: "json",
      });
      const statuses = [];
      for (let i = 0; i < 12; i += 1) statuses.push(await post(proxy, `s${i}`));
      await proxy.stop();
      return statuses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first).toContain(500);
    expect(first).toContain(201);
  });
});

describe("startFaultProxy idempotency under concurrency", () => {
  it("creates once when two creates with one CallerReference are in flight together", async () => {
    const proxy = await startFaultProxy({
      target: targetUrl,
      seed: 1,
      faultRate: 0,
      protocol: "rest-xml",
      cloudFrontIdempotency: true,
    });
    const before = hits;
    const statuses = await Promise.all([post(proxy, "together"), post(proxy, "together"), post(proxy, "together")]);
    expect(statuses).toEqual([201, 201, 201]);
    expect(hits).toBe(before + 1);
    expect(proxy.stats.idempotentReplays).toBe(2);
    await proxy.stop();
  });
});
