/**
 * What an artifact may hold, from the function's memory, so that past it comes a clear failure
 * (ArtifactError `too-large`, reported as JobFailed) instead of an out-of-memory crash that reports
 * nothing. Measured (see the README's "Limits" table): a diff holds about 1.3 KB per artifact entry at
 * its peak (directory, two manifests, the site keys and the plan), a sync log about 6 times its size
 * (the inflated member, its decoding and the distinct keys). The factors keep half the memory spare.
 */
export interface ArtifactLimits {
  readonly memoryMb: number;
  readonly directory: {
    readonly maxEntries: number;
    readonly maxCentralDirectoryBytes: number;
    readonly memoryMb: number;
  };
  readonly member: { readonly maxBytes: number; readonly memoryMb: number };
  readonly manifestBytes: number;
}

/** Lambda sets this; elsewhere (tests, local runs) the template's default is assumed. */
export const MEMORY_ENV = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE";
export const DEFAULT_MEMORY_MB = 1024;
const MIB = 1024 * 1024;

export function artifactLimits(env: Readonly<Record<string, string | undefined>>): ArtifactLimits {
  const given = Number(env[MEMORY_ENV]);
  const memoryMb = Number.isInteger(given) && given >= 128 ? given : DEFAULT_MEMORY_MB;
  const maxEntries = Math.min(1_000_000, memoryMb * 250);
  return {
    memoryMb,
    directory: { maxEntries, maxCentralDirectoryBytes: Math.min(256 * MIB, maxEntries * 512), memoryMb },
    member: { maxBytes: Math.min(512 * MIB, Math.floor((memoryMb * MIB) / 8)), memoryMb },
    manifestBytes: Math.min(256 * MIB, maxEntries * 512),
  };
}
