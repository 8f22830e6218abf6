import {
  AccessDenied,
  BatchTooLarge,
  CloudFrontServiceException,
  InvalidArgument,
  NoSuchDistribution,
  TooManyInvalidationsInProgress,
} from "@aws-sdk/client-cloudfront";
import { describe, expect, it } from "vitest";
import {
  ConfigurationError,
  classifyError,
  DeadlineExceededError,
  errorName,
  type FailureKind,
  PermissionError,
  restated,
  TransientError,
} from "../src/errors.js";

// Errors shaped as the SDK throws them: modeled exceptions of @aws-sdk/client-cloudfront, and
// unmodeled ones as the generic service exception with the AWS error code as `name`.
function serviceError(name: string, status: number, fault: "client" | "server" = status >= 500 ? "server" : "client") {
  return new CloudFrontServiceException({
    name,
    $fault: fault,
    message: `${name} happened`,
    $metadata: { httpStatusCode: status },
  });
}

const cases: [string, unknown, FailureKind][] = [
  [
    "AccessDenied",
    new AccessDenied({ message: "User is not authorized", $metadata: { httpStatusCode: 403 } }),
    "permission",
  ],
  ["ExpiredToken", serviceError("ExpiredToken", 400), "permission"],
  ["InvalidClientTokenId", serviceError("InvalidClientTokenId", 403), "permission"],
  ["SignatureDoesNotMatch", serviceError("SignatureDoesNotMatch", 403), "permission"],
  ["an unknown error answered with 403", serviceError("Forbidden", 403), "permission"],
  [
    "no credentials found",
    Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }),
    "permission",
  ],
  [
    "NoSuchDistribution",
    new NoSuchDistribution({
      message: "The specified distribution does not exist.",
      $metadata: { httpStatusCode: 404 },
    }),
    "configuration",
  ],
  [
    "InvalidArgument",
    new InvalidArgument({ message: "Invalid path", $metadata: { httpStatusCode: 400 } }),
    "configuration",
  ],
  ["BatchTooLarge", new BatchTooLarge({ message: "too large", $metadata: { httpStatusCode: 413 } }), "configuration"],
  ["InvalidationBatchAlreadyExists (unmodeled)", serviceError("InvalidationBatchAlreadyExists", 400), "configuration"],
  ["Throttling, after the SDK's retries", serviceError("Throttling", 400), "transient"],
  ["a 500", serviceError("InternalError", 500), "transient"],
  ["a 503 without a known name", serviceError("Unknown", 503), "transient"],
  [
    "TooManyInvalidationsInProgress",
    new TooManyInvalidationsInProgress({ message: "busy", $metadata: { httpStatusCode: 400 } }),
    "transient",
  ],
  [
    "a refused connection",
    Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
    "transient",
  ],
  ["the SDK's request timeout", Object.assign(new Error("socket timed out"), { name: "TimeoutError" }), "transient"],
  ["a thrown string", "boom", "transient"],
];

describe("classifyError", () => {
  it.each(cases)("classifies %s", (_label, error, kind) => {
    expect(classifyError(error).kind).toBe(kind);
  });

  it("keeps the original error as cause and names the context, the AWS error and what to do", () => {
    const original = new AccessDenied({ message: "User is not authorized", $metadata: { httpStatusCode: 403 } });
    const classified = classifyError(original, "CreateInvalidation on E2QWRUHAPOMQZL");
    expect(classified).toBeInstanceOf(PermissionError);
    expect(classified.cause).toBe(original);
    expect(classified.message).toMatch(
      /^CreateInvalidation on E2QWRUHAPOMQZL failed: AccessDenied: User is not authorized/,
    );
    expect(classified.message).toMatch(/grant cloudfront:CreateInvalidation/);
  });

  it("returns the core's own errors unchanged", () => {
    const own = new ConfigurationError("bad id");
    expect(classifyError(own, "anything")).toBe(own);
    const deadline = new DeadlineExceededError("late");
    expect(classifyError(deadline).kind).toBe("timeout");
  });

  it("prefers an AWS Code over the generic name", () => {
    const error = Object.assign(new Error("x"), { name: "Error", Code: "NoSuchDistribution" });
    expect(errorName(error)).toBe("NoSuchDistribution");
    expect(classifyError(error)).toBeInstanceOf(ConfigurationError);
  });

  it("wraps the unexpected as transient, never as a permanent failure", () => {
    expect(classifyError(new Error("something odd"))).toBeInstanceOf(TransientError);
  });
});

/** An invalidation as a deadline leaves it: created, still in progress. */
const invalidation = {
  distributionId: "E1",
  id: "I1",
  status: "InProgress",
  paths: ["/a"],
  callerReference: "r",
  batchIndex: 0,
};

describe("DeadlineExceededError", () => {
  it("carries what was created and what was never sent, empty when not given", () => {
    const error = new DeadlineExceededError("late", {
      invalidations: [invalidation],
      unsent: [{ distributionId: "E1", batchIndex: 1, paths: ["/b"] }],
    });
    expect(error.name).toBe("DeadlineExceededError");
    expect(error.invalidations).toEqual([invalidation]);
    expect(error.unsent).toHaveLength(1);
    expect(new DeadlineExceededError("late").invalidations).toEqual([]);
  });
});

describe("restated", () => {
  it("keeps the kind, the cause and a timeout's invalidations and unsent batches", () => {
    const unsent = [{ distributionId: "E1", batchIndex: 1, paths: ["/b"] }];
    const timeout = new DeadlineExceededError("late", { invalidations: [invalidation], unsent });
    const again = restated(timeout, "Timed out after waitTimeoutMinutes=1");
    expect(again).toBeInstanceOf(DeadlineExceededError);
    expect(again.message).toBe("Timed out after waitTimeoutMinutes=1");
    expect(again.cause).toBe(timeout);
    expect((again as DeadlineExceededError).invalidations).toEqual([invalidation]);
    expect((again as DeadlineExceededError).unsent).toEqual(unsent);
    for (const error of [new ConfigurationError("c"), new PermissionError("p"), new TransientError("t")]) {
      expect(restated(error, "other words")).toMatchObject({ kind: error.kind, message: "other words", cause: error });
    }
  });
});
