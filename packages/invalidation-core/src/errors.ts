/**
 * The one classification of failures. Every adapter maps these four kinds to its own world
 * (CodePipeline failure type, the action's `setFailed`, the CLI's exit code) and makes no
 * guess of its own.
 *
 * - `configuration`: the input is wrong; retrying the same input cannot succeed.
 * - `permission`: credentials are missing, expired or lack an IAM action.
 * - `transient`: throttling, 5xx, network, busy limits, or anything unexpected; a retry may succeed.
 * - `timeout`: a deadline passed (waiting for free slots or for completion).
 */
export type FailureKind = "configuration" | "permission" | "transient" | "timeout";

export interface InvalidationErrorOptions {
  readonly cause?: unknown;
}

/** Base of every error the core throws on purpose. `message` names the offending value and what to do. */
export abstract class InvalidationError extends Error {
  abstract readonly kind: FailureKind;

  constructor(message: string, options: InvalidationErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** Bad input: a malformed id, path, parameter or file. Fix the input; do not retry. */
export class ConfigurationError extends InvalidationError {
  readonly kind = "configuration";
}

/**
 * Runs a core validator and puts `name` in front of its ConfigurationError, so the message says
 * where the value came from. Other errors pass through unchanged. A validator that returns a
 * promise (one that reads a file or a folder) gets the same treatment when it rejects. Without a
 * name (a caller that did not say how its user named the value) the validator runs as it is.
 *
 * @example named("--path", () => parseInvalidationPath("docs")) // throws: --path: Invalidation path "docs" does not start with "/": ...
 */
export function named<T>(name: string | undefined, validate: () => T): T {
  if (name === undefined) return validate();
  const prefix = (error: unknown): never => {
    if (error instanceof ConfigurationError)
      throw new ConfigurationError(`${name}: ${error.message}`, { cause: error });
    throw error;
  };
  let value: T;
  try {
    value = validate();
  } catch (error) {
    return prefix(error);
  }
  return value instanceof Promise ? (value.catch(prefix) as T) : value;
}

/** Missing or insufficient credentials. Fix the role or policy; do not retry. */
export class PermissionError extends InvalidationError {
  readonly kind = "permission";
}

/** Throttling, server errors, network failures, a busy distribution. Retrying may succeed. */
export class TransientError extends InvalidationError {
  readonly kind = "transient";
}

/** An invalidation this package created (or CloudFront returned for its caller reference). */
export interface CreatedInvalidation {
  readonly distributionId: string;
  readonly id: string;
  /** `InProgress` or `Completed` (normalized from whatever case the endpoint used). */
  readonly status: string;
  readonly paths: readonly string[];
  readonly callerReference: string;
  /** Which batch of the plan this is. */
  readonly batchIndex: number;
}

/** A batch of the plan that was not sent to a distribution. */
export interface UnsentBatch {
  readonly distributionId: string;
  readonly batchIndex: number;
  readonly paths: readonly string[];
}

export interface DeadlineExceededErrorOptions extends InvalidationErrorOptions {
  /** Invalidations created before the deadline: they still exist and go on in CloudFront. */
  readonly invalidations?: readonly CreatedInvalidation[];
  /** Batches that were never sent (the distribution stayed busy until the deadline). */
  readonly unsent?: readonly UnsentBatch[];
}

/**
 * A deadline passed. Anything created before it still exists and goes on in CloudFront;
 * `invalidations` lists it and `unsent` what was never sent, so that adapters can report both.
 */
export class DeadlineExceededError extends InvalidationError {
  readonly kind = "timeout";
  readonly invalidations: readonly CreatedInvalidation[];
  readonly unsent: readonly UnsentBatch[];

  constructor(message: string, options: DeadlineExceededErrorOptions = {}) {
    super(message, options);
    this.invalidations = options.invalidations ?? [];
    this.unsent = options.unsent ?? [];
  }
}

// AWS error names, as the SDK sets `error.name`. Anything not listed is transient, since the
// SDK has already retried what it knows to be retryable and an unknown failure may pass.
const PERMISSION_ERRORS = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "CredentialsProviderError",
  "ExpiredToken",
  "ExpiredTokenException",
  "IncompleteSignature",
  "InvalidAccessKeyId",
  "InvalidClientTokenId",
  "InvalidSignatureException",
  "MissingAuthenticationToken",
  "NotAuthorized",
  "SignatureDoesNotMatch",
  "TokenRefreshRequired",
  "UnauthorizedOperation",
  "UnrecognizedClientException",
]);

const CONFIGURATION_ERRORS = new Set([
  "BatchTooLarge",
  "InconsistentQuantities",
  "InvalidArgument",
  "InvalidationBatchAlreadyExists",
  "MissingBody",
  "NoSuchDistribution",
  "NoSuchInvalidation",
  "ValidationException",
]);

const HINTS: Record<string, string> = {
  AccessDenied:
    "grant cloudfront:CreateInvalidation, GetInvalidation and ListInvalidations on the distribution to the role in use",
  AccessDeniedException: "grant the missing IAM action to the role in use",
  CredentialsProviderError:
    "no AWS credentials were found: set them in the environment (for GitHub, aws-actions/configure-aws-credentials)",
  ExpiredToken: "the session token expired: refresh the credentials",
  ExpiredTokenException: "the session token expired: refresh the credentials",
  InvalidClientTokenId: "the access key id is not valid: check the credentials in use",
  SignatureDoesNotMatch: "the secret access key does not match: check the credentials in use",
  NoSuchDistribution: "check the distribution id (CloudFront console, or `aws cloudfront list-distributions`)",
  InvalidationBatchAlreadyExists:
    "this caller reference was already used with other paths: use a new caller reference for a new deploy",
  BatchTooLarge: "send fewer paths per invalidation (the plan's batches respect the limits unless they were changed)",
};

function awsErrorName(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const name = (error as { name?: unknown }).name;
  const code = (error as { Code?: unknown }).Code;
  if (typeof code === "string" && code.length > 0) return code;
  return typeof name === "string" ? name : undefined;
}

function httpStatus(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const status = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  return typeof status === "number" ? status : undefined;
}

/**
 * The same failure in other words: an adapter says what it means for its run (a deadline named by
 * its own setting, a manifest that could not be stored after the invalidations), keeping the kind,
 * and with a timeout what was created and left unsent; the original is the cause.
 */
export function restated(error: InvalidationError, message: string): InvalidationError {
  const options = { cause: error };
  switch (error.kind) {
    case "configuration":
      return new ConfigurationError(message, options);
    case "permission":
      return new PermissionError(message, options);
    case "transient":
      return new TransientError(message, options);
    case "timeout": {
      const { invalidations = [], unsent = [] } = error instanceof DeadlineExceededError ? error : {};
      return new DeadlineExceededError(message, { ...options, invalidations, unsent });
    }
    default:
      return unknownKind(error.kind);
  }
}

/** Makes a new FailureKind a compile error in every switch that maps them. */
function unknownKind(kind: never): never {
  throw new Error(`unknown failure kind ${String(kind)}`);
}

/** The AWS error name of an SDK error (`TooManyInvalidationsInProgress`, ...), if it has one. */
export function errorName(error: unknown): string | undefined {
  return awsErrorName(error);
}

/**
 * Classifies any thrown value into one of the four kinds. Errors the core raised itself keep
 * their class; SDK and unknown errors are wrapped, keeping the original as `cause`.
 *
 * @param context what was being done, for the message: `"CreateInvalidation on E2QWRUHAPOMQZL"`.
 * @example
 * try { await client.send(cmd) } catch (e) { throw classifyError(e, `CreateInvalidation on ${id}`) }
 */
export function classifyError(error: unknown, context?: string): InvalidationError {
  if (error instanceof InvalidationError) return error;
  const name = awsErrorName(error);
  const status = httpStatus(error);
  const detail = error instanceof Error ? error.message : String(error);
  const prefix = context ? `${context} failed` : "AWS call failed";
  const hint = name ? HINTS[name] : undefined;
  const message = `${prefix}: ${name && !detail.startsWith(name) ? `${name}: ` : ""}${detail}${hint ? ` (${hint})` : ""}`;
  if (name && PERMISSION_ERRORS.has(name)) return new PermissionError(message, { cause: error });
  if (status === 401 || status === 403) return new PermissionError(message, { cause: error });
  if (name && CONFIGURATION_ERRORS.has(name)) return new ConfigurationError(message, { cause: error });
  return new TransientError(message, { cause: error });
}
