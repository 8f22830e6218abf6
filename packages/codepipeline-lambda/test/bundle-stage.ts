// What the end-to-end tests of the bundle stand on: the bundle itself, moto_server (CloudFront and
// S3) and the CodePipeline job API stand-in, reset before each test to one fresh distribution.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import {
  type CodePipelineStandIn,
  createTestDistribution,
  type MotoServer,
  resetMoto,
  startCodePipelineStandIn,
  startMoto,
} from "test-utils";
import { bundle, packageDir } from "./invoke-bundle.js";

export interface Servers {
  readonly moto: MotoServer;
  readonly standIn: CodePipelineStandIn;
}

/** Builds dist/ when it is missing (turbo builds before testing; a direct `vitest run` on a fresh checkout does not). */
export function ensureBundle(): void {
  if (!existsSync(bundle)) execFileSync("pnpm", ["build"], { cwd: packageDir, stdio: "inherit" });
}

/** Ensures the bundle, then starts moto_server and the CodePipeline stand-in side by side. */
export async function startServers(): Promise<Servers> {
  ensureBundle();
  const [moto, standIn] = await Promise.all([startMoto(), startCodePipelineStandIn()]);
  return { moto, standIn };
}

/** Stops what `startServers` started (either may be missing when it failed half-way). */
export async function stopServers(servers: Partial<Servers>): Promise<void> {
  await Promise.all([servers.moto?.stop(), servers.standIn?.stop()]);
}

/**
 * Forgets every earlier test's state (moto's resources, the stand-in's calls and results), creates
 * one distribution, and returns the environment the Lambda runtime would give the function: the
 * test credentials, CloudFront at moto, CodePipeline at the stand-in, and the distribution id.
 */
export async function freshStage({
  moto,
  standIn,
}: Servers): Promise<{ distributionId: string; env: Record<string, string> }> {
  await resetMoto(moto);
  standIn.reset();
  const distributionId = await createTestDistribution(moto);
  const env = {
    ...moto.env,
    AWS_ENDPOINT_URL_CLOUDFRONT: moto.endpoint,
    AWS_ENDPOINT_URL_CODEPIPELINE: standIn.endpoint,
    CLOUDFRONT_DISTRIBUTION_ID: distributionId,
    // What the template provisions (a generated secret, resolved into the function's environment).
    CONTINUATION_TOKEN_KEY: "e2e-continuation-token-key-0123456789abcdef",
  };
  return { distributionId, env };
}
