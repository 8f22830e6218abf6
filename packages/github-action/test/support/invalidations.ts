import { type CloudFrontClient, GetInvalidationCommand, ListInvalidationsCommand } from "@aws-sdk/client-cloudfront";
import { expect } from "vitest";
import type { StepRun } from "./runner.js";

/** The paths of every invalidation created on the distribution (moto's answer), each batch sorted. */
export async function invalidatedPaths(cloudfront: CloudFrontClient, distributionId: string): Promise<string[][]> {
  const listed = await cloudfront.send(new ListInvalidationsCommand({ DistributionId: distributionId }));
  const result: string[][] = [];
  for (const item of listed.InvalidationList?.Items ?? []) {
    const got = await cloudfront.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: item.Id }));
    result.push([...(got.Invalidation?.InvalidationBatch?.Paths?.Items ?? [])].sort());
  }
  return result;
}

/** A step that succeeded: exit 0, no error annotation, nothing about an error on stderr. */
export function expectSuccess(step: StepRun): void {
  // On Node 20 the SDK warns on stderr that later releases need Node 22; no error may appear.
  expect(step.stdout).not.toMatch(/^::error::/m);
  expect(step.stderr).not.toMatch(/error/i);
  expect(step.code, step.stdout).toBe(0);
}
