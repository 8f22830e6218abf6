import type { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import type { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { type Clock, classifyError, type WaitTiming } from "invalidation-core";
import { readCodePipelineJob } from "./codepipeline-event.js";
import { runJob } from "./job.js";
import { createJobInputReader, type ReadJobInput } from "./job-input.js";
import { failureTypeFor, type JobResult, type ReportStatus, reportJobResult } from "./job-result.js";
import type { Logger } from "./logger.js";

export interface HandlerDeps {
  /** Made once, outside the handler, so warm invocations reuse it (the core never closes it). */
  readonly cloudFront: CloudFrontClient;
  readonly codePipeline: CodePipelineClient;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** What to invalidate: explicit paths, a sync log or an artifact diff. Default: `createJobInputReader({ env })`. */
  readonly readJobInput?: ReadJobInput;
  readonly timing?: WaitTiming;
  /** Attempts and first delay for reporting the result (see reportJobResult). */
  readonly reportAttempts?: number;
  readonly reportBaseDelayMs?: number;
}

/** The part of Lambda's context this function reads. */
export interface LambdaContext {
  getRemainingTimeInMillis?(): number;
}

/** What the handler returns: for logs and tests; CodePipeline reads nothing from it. */
export interface HandlerResult {
  readonly jobId?: string;
  readonly result: "success" | "continuation" | "failure" | "not-a-job";
  readonly report: ReportStatus | "none";
}

/** Without a context (tests, local runs): the template's Timeout. */
const DEFAULT_REMAINING_MS = 60_000;
/** Reporting ends this long before the function's time does, for the runtime to hand back. */
const END_MARGIN_MS = 500;
/** Time kept for reporting the result: a quarter of what is left, between 2 and 10 s. */
const reportReserve = (remaining: number) => Math.min(10_000, Math.max(2_000, Math.floor(remaining / 4)));

/**
 * The Lambda handler, over injected clients. Every job gets exactly one result, whatever happens,
 * before its time runs out: the work is aborted early enough to leave time for reporting, and
 * reporting itself ends before the function's time. The handler never throws (a throw would make
 * Lambda invoke it again).
 */
export function createHandler(deps: HandlerDeps): (event: unknown, context?: LambdaContext) => Promise<HandlerResult> {
  const readJobInput = deps.readJobInput ?? createJobInputReader({ env: deps.env });
  return async (event, context) => {
    const remaining = context?.getRemainingTimeInMillis?.() ?? DEFAULT_REMAINING_MS;
    const endAt = deps.clock.now() + remaining - END_MARGIN_MS;
    const job = readCodePipelineJob(event);
    if (job === undefined) {
      // Nothing to report to; throwing would only make Lambda retry the same useless event.
      deps.logger.error("the event is not a CodePipeline job event; ignored", {
        eventKeys: typeof event === "object" && event !== null ? Object.keys(event) : typeof event,
      });
      return { result: "not-a-job", report: "none" };
    }
    const logger = deps.logger.child({ jobId: job.id });
    let result: JobResult;
    try {
      result = await runJob({ ...deps, logger, readJobInput }, job, endAt - reportReserve(remaining));
      logger.info(
        result.type === "success" && result.continuationToken === undefined ? "job succeeded" : "job continues",
        {
          summary: result.type === "success" ? result.summary : undefined,
        },
      );
    } catch (error) {
      // The one top-level catch: any failure, expected or not, becomes the job's failure result.
      const classified = classifyError(error);
      const failureType = failureTypeFor(classified.kind);
      logger.error("job failed", { failureType, kind: classified.kind, error: classified });
      result = { type: "failure", failureType, message: classified.message };
    }
    const report = await reportJobResult(
      {
        codePipeline: deps.codePipeline,
        clock: deps.clock,
        logger,
        endAt,
        ...(deps.reportAttempts === undefined ? {} : { attempts: deps.reportAttempts }),
        ...(deps.reportBaseDelayMs === undefined ? {} : { baseDelayMs: deps.reportBaseDelayMs }),
      },
      job.id,
      result,
    );
    const kind =
      result.type === "failure" ? "failure" : result.continuationToken === undefined ? "success" : "continuation";
    return { jobId: job.id, result: kind, report };
  };
}
