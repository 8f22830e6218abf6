import {
  type CodePipelineClient,
  type FailureType,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
} from "@aws-sdk/client-codepipeline";
import { type Clock, classifyError, errorName, type FailureKind } from "invalidation-core";
import type { Logger } from "./logger.js";

// CodePipeline's field limits (characters).
export const SUMMARY_LIMIT = 2048;
export const MESSAGE_LIMIT = 5000;
export const EXTERNAL_ID_LIMIT = 1500;
// Output variable values: kept short for the `#{ns.var}` references of later actions.
export const OUTPUT_VARIABLE_LIMIT = 1000;

/** The job's one result, as CodePipeline takes it. */
export type JobResult =
  | {
      readonly type: "success";
      readonly summary: string;
      readonly invalidationIds: readonly string[];
      /** Set: the work goes on in a new job carrying it. Output variables only without it. */
      readonly continuationToken?: string;
      readonly percentComplete?: number;
      /** A list becomes its items joined with commas, as many whole items as fit. */
      readonly outputVariables?: Readonly<Record<string, string | readonly string[]>>;
    }
  | { readonly type: "failure"; readonly failureType: FailureType; readonly message: string };

/** The one mapping from the core's failure kinds to CodePipeline's failure types. */
export function failureTypeFor(kind: FailureKind): FailureType {
  if (kind === "configuration") return "ConfigurationError";
  return kind === "permission" ? "PermissionError" : "JobFailed";
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

const nonEmpty = (text: string, fallback: string) => (text.trim() === "" ? fallback : text);

function command(jobId: string, result: JobResult): PutJobSuccessResultCommand | PutJobFailureResultCommand {
  if (result.type === "failure") {
    const message = truncate(nonEmpty(result.message, "failed"), MESSAGE_LIMIT);
    return new PutJobFailureResultCommand({ jobId, failureDetails: { type: result.failureType, message } });
  }
  const externalExecutionId = joinIds(result.invalidationIds, EXTERNAL_ID_LIMIT);
  const executionDetails = {
    summary: truncate(nonEmpty(result.summary, "done"), SUMMARY_LIMIT),
    ...(externalExecutionId === "" ? {} : { externalExecutionId }),
    ...(result.percentComplete === undefined ? {} : { percentComplete: result.percentComplete }),
  };
  if (result.continuationToken !== undefined) {
    return new PutJobSuccessResultCommand({ jobId, continuationToken: result.continuationToken, executionDetails });
  }
  const outputVariables = Object.fromEntries(
    Object.entries(result.outputVariables ?? {}).map(([key, value]) => [
      key,
      typeof value === "string" ? truncate(value, OUTPUT_VARIABLE_LIMIT) : joinIds(value, OUTPUT_VARIABLE_LIMIT),
    ]),
  );
  return new PutJobSuccessResultCommand({ jobId, executionDetails, outputVariables });
}

export interface ReportDeps {
  readonly codePipeline: CodePipelineClient;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Epoch ms by which reporting must be over: every call is aborted then, and no retry starts that cannot finish. */
  readonly endAt: number;
  /** Attempts per result call, on top of the SDK's own retries. Default 4. */
  readonly attempts?: number;
  /** Delay before the 2nd attempt; doubles each time. Default 1,000 ms. */
  readonly baseDelayMs?: number;
}

/** How reporting ended: the job got its result, already had one, or could not be told. */
export type ReportStatus = "reported" | "already-answered" | "not-reported";

// The job already has its result (a duplicate delivery) or is gone: nothing left to tell it.
const ALREADY_ANSWERED = new Set(["InvalidJobStateException", "JobNotFoundException"]);
// Less than this left: an attempt could not finish, so none is started.
const MIN_ATTEMPT_MS = 250;

/**
 * Sends the job's one result. Transient failures are retried (bounded by attempts and by `endAt`,
 * sleeping on the injected clock); "already answered" is logged and accepted. A success the service
 * refuses as invalid is replaced by a failure, so that the job still gets exactly one result. Never throws.
 */
export async function reportJobResult(deps: ReportDeps, jobId: string, result: JobResult): Promise<ReportStatus> {
  const status = await send(deps, command(jobId, result));
  if (status !== "invalid") return status;
  if (result.type === "failure") return "not-reported";
  const fallback: JobResult = {
    type: "failure",
    failureType: "JobFailed",
    message: "CodePipeline refused this function's success result as invalid (see the function's logs)",
  };
  return (await send(deps, command(jobId, fallback))) === "reported" ? "reported" : "not-reported";
}

async function send(
  deps: ReportDeps,
  call: PutJobSuccessResultCommand | PutJobFailureResultCommand,
): Promise<ReportStatus | "invalid"> {
  const attempts = deps.attempts ?? 4;
  const operation = call instanceof PutJobSuccessResultCommand ? "PutJobSuccessResult" : "PutJobFailureResult";
  for (let attempt = 1; ; attempt++) {
    const left = deps.endAt - deps.clock.now();
    try {
      if (left < MIN_ATTEMPT_MS) throw new Error(`no time left to report (${left} ms)`);
      // The client's type is narrowed per command; both return nothing we need.
      await deps.codePipeline.send(call as PutJobSuccessResultCommand, { abortSignal: AbortSignal.timeout(left) });
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
      if (
        name === "ValidationException" ||
        name === "OutputVariablesSizeExceededException" ||
        kind === "configuration"
      ) {
        deps.logger.error("job result refused", { operation, error });
        return "invalid";
      }
      const delay = (deps.baseDelayMs ?? 1000) * 2 ** (attempt - 1);
      const timeLeft = deps.endAt - deps.clock.now() - delay;
      if (kind === "permission" || attempt >= attempts || timeLeft < MIN_ATTEMPT_MS) {
        deps.logger.error("job result could not be reported; CodePipeline will time the action out", {
          operation,
          attempt,
          error,
        });
        return "not-reported";
      }
      deps.logger.warn("reporting the job result failed; retrying", { operation, attempt, delayMs: delay, error });
      await deps.clock.sleep(delay);
    }
  }
}
