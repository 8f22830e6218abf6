import { ConfigurationError, parseDistributionId, parseInvalidationPath } from "invalidation-core";
import * as v from "valibot";

/** The action's configuration, validated. Everything the plan and the waiting depend on. */
export interface JobConfig {
  /** One or more distributions, unique, in the order given. */
  readonly distributionIds: readonly string[];
  /** Explicit paths, validated and normalized; undefined when none were given. */
  readonly paths: readonly string[] | undefined;
  readonly wait: boolean;
  readonly waitTimeoutMinutes: number;
  readonly maxPaths: number | undefined;
}

export const DEFAULT_WAIT_TIMEOUT_MINUTES = 30;
/** The whole Invoke action may last at most 24 hours, continuations included. */
export const MAX_WAIT_TIMEOUT_MINUTES = 24 * 60;
export const DISTRIBUTION_ENV = "CLOUDFRONT_DISTRIBUTION_ID";

// strictObject: an unknown key (a typo like "distributionID") is an error, never silently ignored.
// Issue #8 adds its artifact keys (syncLog, diffArtifact, ...) here.
const UserParametersSchema = v.strictObject({
  distributionId: v.optional(v.string()),
  distributionIds: v.optional(v.pipe(v.array(v.string()), v.minLength(1, "must list at least one distribution id"))),
  paths: v.optional(v.pipe(v.array(v.string()), v.minLength(1, "must list at least one path"))),
  wait: v.optional(v.boolean()),
  waitTimeoutMinutes: v.optional(
    v.pipe(
      v.number(),
      v.finite(),
      v.gtValue(0, "must be more than 0"),
      v.maxValue(
        MAX_WAIT_TIMEOUT_MINUTES,
        `must be at most ${MAX_WAIT_TIMEOUT_MINUTES} (24 hours, CodePipeline's limit)`,
      ),
    ),
  ),
  maxPaths: v.optional(v.pipe(v.number(), v.integer("must be a whole number"), v.minValue(1, "must be at least 1"))),
});

export type UserParameters = v.InferOutput<typeof UserParametersSchema>;

const KEYS = Object.keys(UserParametersSchema.entries).join(", ");

function describeIssue(issue: v.BaseIssue<unknown>): string {
  const path = v.getDotPath(issue);
  if (issue.type === "strict_object" && path !== null) {
    return `unknown key ${JSON.stringify(path)} (allowed: ${KEYS})`;
  }
  const where = path === null ? "UserParameters" : `UserParameters.${path}`;
  if (issue.kind === "schema") return `${where} must be ${article(issue.expected)}, got ${issue.received}`;
  return `${where} ${issue.message.startsWith("Invalid") ? `is invalid: ${issue.message}` : issue.message}, got ${issue.received}`;
}

function article(expected: string | null): string {
  if (expected === null) return "something else";
  if (expected === "Object") return "a JSON object";
  if (expected === "Array") return "an array";
  return /^[aeiou]/i.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/**
 * Parses the action's `UserParameters` (JSON) into a typed config. Without them, the distribution
 * comes from `CLOUDFRONT_DISTRIBUTION_ID` and the plan is `/*`. Throws ConfigurationError naming
 * the problem. Pure apart from reading `env`.
 */
export function parseUserParameters(
  text: string | undefined,
  env: Readonly<Record<string, string | undefined>> = {},
): JobConfig {
  let raw: unknown = {};
  if (text !== undefined) {
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new ConfigurationError(
        `UserParameters is not valid JSON (${(error as Error).message}): ${JSON.stringify(text.slice(0, 200))}. ` +
          `Give a JSON object such as {"distributionId":"E2QWRUHAPOMQZL","paths":["/*"]}`,
        { cause: error },
      );
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw new ConfigurationError(
        `UserParameters must be a JSON object, got ${JSON.stringify(raw)}. Allowed keys: ${KEYS}`,
      );
    }
  }
  const result = v.safeParse(UserParametersSchema, raw);
  if (!result.success) {
    throw new ConfigurationError(`Invalid UserParameters: ${result.issues.map(describeIssue).join("; ")}`);
  }
  const params = result.output;
  return {
    distributionIds: resolveDistributionIds(params, env),
    paths: params.paths?.map((path, index) =>
      withContext(`UserParameters.paths.${index}`, () => parseInvalidationPath(path)),
    ),
    wait: params.wait ?? false,
    waitTimeoutMinutes: params.waitTimeoutMinutes ?? DEFAULT_WAIT_TIMEOUT_MINUTES,
    maxPaths: params.maxPaths,
  };
}

function resolveDistributionIds(params: UserParameters, env: Readonly<Record<string, string | undefined>>): string[] {
  if (params.distributionId !== undefined && params.distributionIds !== undefined) {
    throw new ConfigurationError(
      "UserParameters has both distributionId and distributionIds: give one of them (distributionIds for several)",
    );
  }
  let ids: readonly string[];
  let source: string;
  if (params.distributionIds !== undefined) {
    ids = params.distributionIds;
    source = "UserParameters.distributionIds";
  } else if (params.distributionId !== undefined) {
    ids = [params.distributionId];
    source = "UserParameters.distributionId";
  } else {
    const fromEnv = env[DISTRIBUTION_ENV]?.trim();
    if (!fromEnv) {
      throw new ConfigurationError(
        `No distribution: UserParameters has no distributionId and the function's ${DISTRIBUTION_ENV} is not set. ` +
          `Set "distributionId" in the action's UserParameters or the template's DistributionId parameter`,
      );
    }
    ids = [fromEnv];
    source = DISTRIBUTION_ENV;
  }
  // A distribution listed twice would only repeat the same (idempotent) work: keep it once.
  return [
    ...new Set(
      ids.map((id, index) =>
        withContext(`${source}${ids.length > 1 ? `.${index}` : ""}`, () => parseDistributionId(id)),
      ),
    ),
  ];
}

/** Runs a core validator and prefixes its ConfigurationError with where the value came from. */
function withContext<T>(where: string, validate: () => T): T {
  try {
    return validate();
  } catch (error) {
    if (error instanceof ConfigurationError) {
      throw new ConfigurationError(`Invalid ${where}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
