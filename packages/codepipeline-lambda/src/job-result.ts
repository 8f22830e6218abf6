import {
  type CodePipelineClient,
  type FailureType,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
} from "@aws-sdk/client-codepipeline";
import { type Clock, classifyError, errorName, type FailureKind } from "invalidation-core";
import type { Logger } from "./logger.js";
import type { JobOutcome } from "./run-job.js";

// CodePipeline's field limits (characters).
export const SUMMARY_LIMIT = 2048;
export const MESSAGE_LIMIT = 5000;
export const EXTERNAL_ID_LIMIT = 1500;
// Output variable values: kept short for the `#{ns.var}` references of later actions.
export const OUTPUT_VARIABLE_LIMIT = 1000;

/** The job's result as CodePipeline takes it. */
export type JobResult =
  | { readonly type: "success"; readonly outcome: JobOutcome }
  | {
      readonly type: "failure";
      readonly failureType: FailureType;
      readonly message: string;
      readonly externalExecutionId?: string;
    };

/** The one mapping from the core's failure kinds to CodePipeline's failure types. */
export function failureTypeFor(kind: FailureKind): FailureType {
  switch (kind) {
    case "configuration":
      return "ConfigurationError";
    case "permission":
      return "PermissionError";
    default:
      return "JobFailed";
  }
}

/** Cuts `text` to `limit` characters without splitting a surrogate pair, marking the cut. */
export function truncate(text: string, limit: number): string {
  if (text.length <= limit) return text;
  let end = limit - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** Joins ids with commas, keeping only whole ids within `limit`. */
export function joinIds(ids: readonly string[], limit: number): string {
  let out = "";
  for (const id of ids) {
    const next = out === "" ? id : `${out},${id}`;
    if (next.length > limit) break;
    out = next;
  }
  return out;
}

function nonEmpty(text: string, fallback: string): string {
  return text.trim() === "" ? fallback : text;
}

function successCommand(jobId: string, outcome: JobOutcome): PutJobSuccessResultCommand {
  const externalExecutionId = joinIds(outcome.invalidationIds, EXTERNAL_ID_LIMIT);
  const executionDetails = {
    summary: truncate(nonEmpty(outcome.summary, "done"), SUMMARY_LIMIT),
    ...(externalExecutionId === "" ? {} : { externalExecutionId }),
    ...(outcome.type === "continue" && outcome.percentComplete !== undefined
      ? { percentComplete: outcome.percentComplete }
      : {}),
  };
  if (outcome.type === "continue") {
    return new PutJobSuccessResultCommand({ jobId, continuationToken: outcome.continuationToken, executionDetails });
  }
  const outputVariables = Object.fromEntries(
    Object.entries(outcome.outputVariables).map(([key, value]) => [
      key,
      key === "InvalidationIds" || key === "DistributionIds"
        ? joinIds(value.split(",").filter(Boolean), OUTPUT_VARIABLE_LIMIT)
        : truncate(value, OUTPUT_VARIABLE_LIMIT),
    ]),
  );
  // Output variables are allowed only on the final success, never with a continuation token.
  return new PutJobSuccessResultCommand({ jobId, executionDetails, outputVariables });
}

function failureCommand(jobId: string, failureType: FailureType, message: string, externalExecutionId?: string) {
  return new PutJobFailureResultCommand({
    jobId,
    failureDetails: {
      type: failureType,
      message: truncate(nonEmpty(message, "failed"), MESSAGE_LIMIT),
      ...(externalExecutionId ? { externalExecutionId: truncate(externalExecutionId, EXTERNAL_ID_LIMIT) } : {}),
    },
  });
}

export interface ReportDeps {
  readonly codePipeline: CodePipelineClient;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Attempts per result call, on top of the SDK's own retries. Default 4. */
  readonly attempts?: number;
  /** Delay before the 2nd attempt; doubles each time. Default 1,000 ms. */
  readonly baseDelayMs?: number;
}

/** How reporting ended: the job got its result, already had one, or could not be told. */
export type ReportStatus = "reported" | "already-answered" | "not-reported";

// The job already has its result (a duplicate delivery) or is gone: nothing left to tell it.
const ALREADY_ANSWERED = new Set(["InvalidJobStateException", "JobNotFoundException"]);

/**
 * Sends the job's one result. Transient failures are retried (bounded, with the injected clock);
 * "already answered" is logged and accepted. A success the service refuses as invalid is
 * replaced by a failure, so that the job still gets exactly one result. Never throws.
 */
export async function reportJobResult(deps: ReportDeps, jobId: string, result: JobResult): Promise<ReportStatus> {
  const first =
    result.type === "success"
      ? successCommand(jobId, result.outcome)
      : failureCommand(jobId, result.failureType, result.message, result.externalExecutionId);
  const status = await send(deps, first);
  if (status !== "invalid") return status;
  if (result.type === "success") {
    return (await send(
      deps,
      failureCommand(
        jobId,
        "JobFailed",
        "CodePipeline refused this function's success result as invalid (see the function's logs)",
      ),
    )) === "invalid"
      ? "not-reported"
      : "reported";
  }
  return "not-reported";
}

async function send(
  deps: ReportDeps,
  command: PutJobSuccessResultCommand | PutJobFailureResultCommand,
): Promise<ReportStatus | "invalid"> {
  const attempts = deps.attempts ?? 4;
  const baseDelayMs = deps.baseDelayMs ?? 1000;
  const operation = command instanceof PutJobSuccessResultCommand ? "PutJobSuccessResult" : "PutJobFailureResult";
  for (let attempt = 1; ; attempt++) {
    try {
      // The client's type is narrowed per command; both return nothing we need.
      await deps.codePipeline.send(command as PutJobSuccessResultCommand);
      deps.logger.info("job result reported", { operation, attempt });
      return "reported";
    } catch (error) {
      const name = errorName(error);
      if (name !== undefined && ALREADY_ANSWERED.has(name)) {
        deps.logger.warn("the job already has a result (duplicate delivery?); nothing to report", { operation, error });
        return "already-answered";
      }
      const kind = classifyError(error, operation).kind;
      // Refused as it stands (a field out of bounds): sending it again cannot help.
      if (name === "ValidationException" || name === "OutputVariablesSizeExceededException" || kind !== "transient") {
        deps.logger.error("job result refused", { operation, error });
        return kind === "permission" ? "not-reported" : "invalid";
      }
      if (attempt >= attempts) {
        deps.logger.error("job result could not be reported; CodePipeline will time the action out", {
          operation,
          attempts,
          error,
        });
        return "not-reported";
      }
      const delay = baseDelayMs * 2 ** (attempt - 1);
      deps.logger.warn("reporting the job result failed; retrying", { operation, attempt, delayMs: delay, error });
      await deps.clock.sleep(delay);
    }
  }
}
