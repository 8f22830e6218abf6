import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDistribution, hasMoto, type MotoServer, startMoto } from "../src/index.ts";

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
