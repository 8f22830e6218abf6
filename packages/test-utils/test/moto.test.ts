import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDistribution, hasMoto, type MotoServer, startMoto } from "../src/index.ts";
import { spawnMoto } from "../src/moto-process.js";

describe.skipIf(!hasMoto())("startMoto", () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMoto();
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
  }, 30_000);

  it("serves CloudFront on loopback and creates distributions with moto-shaped ids", async () => {
    expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const id = await createTestDistribution(moto);
    expect(id).toMatch(/^[A-Z][A-Z0-9]{12}$/);
  });
});

describe.skipIf(!hasMoto())("spawnMoto", () => {
  it("takes another port when its port is taken before moto binds it, and never mistakes the taker for moto", async () => {
    // Another test's server on the port: it answers every request, as a proxy in front of moto would.
    const taker = createServer((_req, res) => res.end("not moto"));
    await new Promise<void>((resolve) => taker.listen(0, "127.0.0.1", resolve));
    const taken = (taker.address() as { port: number }).port;
    try {
      const moto = await spawnMoto({ firstPort: taken });
      try {
        expect(moto.port).not.toBe(taken);
        expect(await (await fetch(`${moto.endpoint}/moto-api/`)).text()).not.toBe("not moto");
      } finally {
        await moto.stop();
      }
    } finally {
      taker.close();
    }
  }, 60_000);
});
