import {
  ConfigurationError,
  type InvalidationRequest,
  named,
  normalizeS3Prefix,
  parseCacheTags,
  parseDistributionIds,
  parseIndexDocument,
  parseInvalidationPath,
  parseKeyPrefix,
  parseTenants,
} from "invalidation-core";
import * as v from "valibot";

/** Where the changed files come from, when an input artifact tells. */
export type ArtifactInput =
  | {
      readonly kind: "syncLog";
      /** The input artifact's name; undefined: the action's only input artifact. */
      readonly artifact: string | undefined;
      /** Path of the log inside the artifact (`sync.log`). */
      readonly path: string;
    }
  | {
      readonly kind: "diffArtifact";
      /** The input artifact whose entries are compared with the stored manifest. */
      readonly artifact: string;
      /** Where the artifact is extracted in the bucket (the S3 deploy action's ObjectKey), normalized: `""` or `site/`. */
      readonly deployPrefix: string;
      readonly manifestKey: string | undefined;
      /** The bucket the artifact is extracted into (the S3 deploy action's BucketName), if given. */
      readonly deployBucket?: string;
    };

/**
 * The action's configuration, validated. Everything the plan and the waiting depend on. What goes
 * into the core's request as it is has the request's own fields and types (documented there;
 * `distributionIds` is empty only when tenants are the target).
 */
export interface JobConfig
  extends Pick<InvalidationRequest, "distributionIds" | "tenants" | "cacheTags" | "urlsPerPath" | "wait"> {
  /** Explicit paths, validated and normalized; undefined when none were given. */
  readonly paths: readonly string[] | undefined;
  readonly waitTimeoutMinutes: number;
  readonly maxPaths: number | undefined;
  /** Changed files from an input artifact; undefined: only `paths` (or `/*`). */
  readonly input?: ArtifactInput | undefined;
  /** Key prefix the distribution's origin path points at. */
  readonly s3Prefix?: string | undefined;
  /** Index document; `""` turns directory forms off. Undefined: the core's default (`index.html`). */
  readonly indexDocument?: string | undefined;
}

export const DEFAULT_WAIT_TIMEOUT_MINUTES = 30;
/** The whole Invoke action may last at most 24 hours, continuations included. */
export const MAX_WAIT_TIMEOUT_MINUTES = 24 * 60;
export const DISTRIBUTION_ENV = "CLOUDFRONT_DISTRIBUTION_ID";

// strictObject: an unknown key (a typo like "distributionID") is an error, never silently ignored.
const NonEmpty = v.pipe(v.string(), v.minLength(1, "must not be empty"));
const UserParametersSchema = v.strictObject({
  distributionId: v.optional(v.string()),
  distributionIds: v.optional(v.pipe(v.array(v.string()), v.minLength(1, "must list at least one distribution id"))),
  tenant: v.optional(NonEmpty),
  tenants: v.optional(v.pipe(v.array(NonEmpty), v.minLength(1, "must list at least one distribution tenant"))),
  cacheTags: v.optional(v.pipe(v.array(v.string()), v.minLength(1, "must list at least one cache tag"))),
  urlsPerPath: v.optional(v.pipe(v.number(), v.finite(), v.minValue(0, "must be at least 0"))),
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
  // Changed files from the input artifacts: a sync log inside an artifact, or a diff of the deployed
  // artifact against the manifest of the previous successful run.
  syncLog: v.optional(v.union([NonEmpty, v.strictObject({ artifact: NonEmpty, path: NonEmpty })])),
  diffArtifact: v.optional(NonEmpty),
  s3Prefix: v.optional(v.string()),
  deployPrefix: v.optional(v.string()),
  indexDocument: v.optional(v.string()),
  manifestKey: v.optional(NonEmpty),
  deployBucket: v.optional(
    v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name such as "my-site"')),
  ),
});

export type UserParameters = v.InferOutput<typeof UserParametersSchema>;

const KEYS = Object.keys(UserParametersSchema.entries).join(", ");

function describeIssue(issue: v.BaseIssue<unknown>): string {
  const path = v.getDotPath(issue);
  if (issue.type === "strict_object" && path !== null && issue.received === "undefined") {
    return `UserParameters.${path} is missing`;
  }
  if (issue.type === "strict_object" && path !== null) return `unknown key ${JSON.stringify(path)} (allowed: ${KEYS})`;
  const where = path === null ? "UserParameters" : `UserParameters.${path}`;
  if (issue.type === "union") {
    // An object given for syncLog: name what is wrong inside it, with the union's own path in front.
    const inner = (issue.issues ?? []).filter((i) => (i.path?.length ?? 0) > 0);
    if (inner.length > 0) {
      return inner
        .map((i) => describeIssue({ ...i, path: [...(issue.path ?? []), ...(i.path ?? [])] } as v.BaseIssue<unknown>))
        .join("; ");
    }
    return `${where} must be a path inside the input artifact ("sync.log") or {"artifact":"BuildOutput","path":"sync.log"}, got ${issue.received}`;
  }
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
 * Parses the action's `UserParameters` (JSON) into a typed config, with the core's validators, each
 * named after the key it checks. Without them, the distribution comes from `CLOUDFRONT_DISTRIBUTION_ID`
 * and the plan is `/*`. Throws ConfigurationError naming the problem. Pure apart from reading `env`.
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
  const tenants = oneOrMany(params, "tenant", "tenants");
  const cacheTags = params.cacheTags && parseCacheTags(params.cacheTags, "UserParameters.cacheTags");
  return {
    distributionIds: distributions(params, env, tenants !== undefined),
    paths: params.paths?.map((path, i) => named(`UserParameters.paths.${i}`, () => parseInvalidationPath(path))),
    wait: params.wait ?? false,
    waitTimeoutMinutes: params.waitTimeoutMinutes ?? DEFAULT_WAIT_TIMEOUT_MINUTES,
    maxPaths: params.maxPaths,
    ...(tenants === undefined ? {} : { tenants: parseTenants(tenants, "UserParameters.tenants") }),
    ...(cacheTags === undefined ? {} : { cacheTags }),
    ...(params.urlsPerPath === undefined ? {} : { urlsPerPath: params.urlsPerPath }),
    ...artifactSettings(params),
  };
}

/**
 * The artifact keys: which input, and the settings that only make sense with one. A setting that
 * would do nothing (s3Prefix without a change list, manifestKey without diffArtifact) is refused,
 * like an unknown key, so that a mistake never passes silently.
 */
function artifactSettings(params: UserParameters): Pick<JobConfig, "input" | "s3Prefix" | "indexDocument"> {
  if (params.syncLog !== undefined && params.diffArtifact !== undefined) {
    throw new ConfigurationError(
      "UserParameters has both syncLog and diffArtifact: give one of them (syncLog when the build writes an `aws s3 sync` log, diffArtifact when an S3 deploy action extracts the artifact)",
    );
  }
  const onlyWith = (key: keyof UserParameters, what: string) => {
    if (params[key] !== undefined) {
      throw new ConfigurationError(`UserParameters.${key} applies only with ${what}: remove it or add ${what}`);
    }
  };
  if (params.diffArtifact === undefined) {
    onlyWith("manifestKey", "diffArtifact");
    onlyWith("deployPrefix", "diffArtifact");
    onlyWith("deployBucket", "diffArtifact");
  }
  if (params.syncLog === undefined && params.diffArtifact === undefined) {
    onlyWith("s3Prefix", "syncLog or diffArtifact");
    onlyWith("indexDocument", "syncLog or diffArtifact");
    return {};
  }
  const prefix = (key: "s3Prefix" | "deployPrefix") => {
    const value = params[key];
    return value === undefined ? undefined : parseKeyPrefix(value, `UserParameters.${key}`);
  };
  const s3Prefix = prefix("s3Prefix");
  const indexDocument =
    params.indexDocument === undefined
      ? undefined
      : parseIndexDocument(params.indexDocument, "UserParameters.indexDocument");
  const common = {
    ...(s3Prefix === undefined ? {} : { s3Prefix }),
    ...(indexDocument === undefined ? {} : { indexDocument }),
  };
  const log = params.syncLog;
  if (log !== undefined) {
    const input = typeof log === "string" ? { artifact: undefined, path: log } : log;
    return { ...common, input: { kind: "syncLog", ...input } };
  }
  const served = normalizeS3Prefix(s3Prefix ?? "");
  // Default: the artifact is extracted where the distribution's origin path points.
  const deployPrefix = normalizeS3Prefix(prefix("deployPrefix") ?? s3Prefix ?? "");
  if (!deployPrefix.startsWith(served)) {
    // Every changed key would lie outside the served prefix and nothing would be invalidated.
    throw new ConfigurationError(
      `UserParameters.deployPrefix ${JSON.stringify(deployPrefix)} is not inside s3Prefix ${JSON.stringify(served)}: ` +
        "the distribution would serve none of the deployed files. deployPrefix is the S3 deploy action's ObjectKey; s3Prefix the key prefix the origin path points at",
    );
  }
  return {
    ...common,
    input: {
      kind: "diffArtifact",
      artifact: params.diffArtifact ?? "",
      deployPrefix,
      manifestKey: params.manifestKey,
      ...(params.deployBucket === undefined ? {} : { deployBucket: params.deployBucket }),
    },
  };
}

/** A key given as one value or as a list (`tenant` or `tenants`); both at once is refused. */
function oneOrMany(
  params: UserParameters,
  one: "distributionId" | "tenant",
  many: "distributionIds" | "tenants",
): readonly string[] | undefined {
  const single = params[one];
  if (single !== undefined && params[many] !== undefined) {
    throw new ConfigurationError(`UserParameters has both ${one} and ${many}: give one of them (${many} for several)`);
  }
  return single === undefined ? params[many] : [single];
}

/**
 * The distributions, as ids or domain names (the core's parseDistributionIds; runInvalidation
 * resolves names): UserParameters' own, else the function's CLOUDFRONT_DISTRIBUTION_ID, unless
 * tenants are the target (the stack's distribution is then their multi-tenant distribution, which
 * is not invalidated as a whole).
 */
function distributions(
  params: UserParameters,
  env: Readonly<Record<string, string | undefined>>,
  tenants: boolean,
): string[] {
  const given = oneOrMany(params, "distributionId", "distributionIds");
  if (given !== undefined) {
    const key = params.distributionIds === undefined ? "distributionId" : "distributionIds";
    const name = (i: number) => (given.length > 1 ? `UserParameters.${key}.${i}` : `UserParameters.${key}`);
    // Each value named on its own (`distributionIds.1`); a distribution listed twice is kept once.
    return [...new Set(given.flatMap((value, i) => parseDistributionIds([value], name(i))))];
  }
  if (tenants) return [];
  const fromEnv = env[DISTRIBUTION_ENV]?.trim();
  if (!fromEnv) {
    throw new ConfigurationError(
      `No distribution: UserParameters has no distributionId and the function's ${DISTRIBUTION_ENV} is not set. ` +
        `Set "distributionId" in the action's UserParameters or the template's DistributionId parameter`,
    );
  }
  return parseDistributionIds([fromEnv], DISTRIBUTION_ENV);
}
