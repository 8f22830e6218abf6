import { CloudFrontClient, GetInvalidationCommand, ListInvalidationsCommand } from "@aws-sdk/client-cloudfront";
import { covers } from "invalidation-core";
import { type MotoServer, TEST_CREDENTIALS } from "test-utils";

/** One invalidation as moto stores it. */
export interface StoredInvalidation {
  readonly id: string;
  readonly callerReference: string;
  readonly paths: readonly string[];
}

/** A client straight to moto (no proxy): the ground truth of what was created. */
export function groundTruthClient(moto: MotoServer): CloudFrontClient {
  return new CloudFrontClient({
    region: "us-east-1",
    endpoint: moto.endpoint,
    credentials: {
      accessKeyId: TEST_CREDENTIALS.AWS_ACCESS_KEY_ID,
      secretAccessKey: TEST_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
    },
    maxAttempts: 5,
  });
}

/** Every invalidation moto holds for a distribution, with caller reference and paths. */
export async function invalidationsIn(client: CloudFrontClient, distributionId: string): Promise<StoredInvalidation[]> {
  const list = await client.send(new ListInvalidationsCommand({ DistributionId: distributionId, MaxItems: 1000 }));
  const out: StoredInvalidation[] = [];
  for (const summary of list.InvalidationList?.Items ?? []) {
    const got = await client.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: summary.Id }));
    const batch = got.Invalidation?.InvalidationBatch;
    out.push({ id: summary.Id ?? "", callerReference: batch?.CallerReference ?? "", paths: batch?.Paths?.Items ?? [] });
  }
  return out;
}

export interface CensusVerdict {
  /** Planned paths that no stored invalidation covers. */
  readonly uncovered: readonly string[];
  /** Invalidations beyond the first for the same caller reference or the same batch of paths. */
  readonly duplicates: number;
  readonly detail: string;
}

/**
 * Checks what moto holds against the plan: every planned path is covered by some invalidation,
 * and no batch (same paths) or caller reference was created twice.
 */
export function judge(stored: readonly StoredInvalidation[], planned: readonly string[]): CensusVerdict {
  const all = stored.flatMap((s) => s.paths);
  const uncovered = planned.filter((path) => !all.some((pattern) => covers(pattern, path)));
  const byReference = new Map<string, number>();
  const byBatch = new Map<string, number>();
  for (const s of stored) {
    byReference.set(s.callerReference, (byReference.get(s.callerReference) ?? 0) + 1);
    const key = [...s.paths].sort().join("\n");
    byBatch.set(key, (byBatch.get(key) ?? 0) + 1);
  }
  let duplicates = 0;
  for (const count of byReference.values()) duplicates += count - 1;
  let batchDuplicates = 0;
  for (const count of byBatch.values()) batchDuplicates += count - 1;
  duplicates = Math.max(duplicates, batchDuplicates);
  return {
    uncovered,
    duplicates,
    detail: stored.map((s) => `${s.id} ${s.callerReference} [${s.paths.length} paths]`).join("; "),
  };
}
