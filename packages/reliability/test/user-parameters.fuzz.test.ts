// Fuzzing the Lambda's UserParameters parser (its source: the bundle exports only the handler).
// Whatever JSON CodePipeline delivers, the parser returns a valid config or throws
// ConfigurationError with a readable message; it never throws anything else, which the handler
// would report as a transient JobFailed.
import fc from "fast-check";
import { ConfigurationError } from "invalidation-core";
import { describe, expect, it } from "vitest";
import { parseUserParameters } from "../../codepipeline-lambda/src/user-parameters.ts";
import { STACK_LINE } from "./support/processes.ts";

const KEYS = [
  "distributionId",
  "distributionIds",
  "paths",
  "wait",
  "waitTimeoutMinutes",
  "maxPaths",
  "distributionID",
  "__proto__",
  "constructor",
];
const value = fc.oneof(
  fc.constantFrom(
    "E2QWRUHAPOMQZL",
    "e2qwruhapomqzl",
    "/*",
    "/index.html",
    "index.html",
    "#x",
    "",
    " ",
    0,
    -1,
    1.5,
    30,
    1e308,
    true,
    null,
  ),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(fc.constantFrom("/*", "/a b", "E1A2B3C4D5E6F7", "", "/a*b", 7), { maxLength: 4 }),
);
const parameters = fc.oneof(
  fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 5 }).map((object) => JSON.stringify(object)),
  fc.jsonValue({ maxDepth: 4 }).map((json) => JSON.stringify(json)),
  fc.string({ maxLength: 60 }),
);

// ConfigurationError from the copy bundled in the Lambda's source tree may be another class
// object than this package's: compare by kind and name.
function isConfigurationError(error: unknown): boolean {
  return error instanceof ConfigurationError || (error as { kind?: string; name?: string })?.kind === "configuration";
}

describe("parseUserParameters", () => {
  it("returns a valid config or throws ConfigurationError, for any JSON or text", () => {
    fc.assert(
      fc.property(parameters, fc.option(fc.constantFrom("E2QWRUHAPOMQZL", "bad id")), (text, fromEnv) => {
        try {
          const config = parseUserParameters(text, fromEnv === null ? {} : { CLOUDFRONT_DISTRIBUTION_ID: fromEnv });
          expect(config.distributionIds.length).toBeGreaterThan(0);
          for (const id of config.distributionIds) expect(id).toMatch(/^[A-Z0-9]{10,20}$/);
          for (const path of config.paths ?? []) expect(path.startsWith("/")).toBe(true);
          expect(config.waitTimeoutMinutes).toBeGreaterThan(0);
          expect(config.waitTimeoutMinutes).toBeLessThanOrEqual(1440);
        } catch (error) {
          expect(isConfigurationError(error), String(error)).toBe(true);
          expect((error as Error).message).not.toMatch(STACK_LINE);
          expect((error as Error).message.length).toBeGreaterThan(20);
        }
      }),
      { numRuns: 1000, seed: 8001 },
    );
  });
});
