import type { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import type { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { type Clock, classifyError } from "invalidation-core";
import { readCodePipelineJob } from "./codepipeline-event.js";
import { failureTypeFor, type ReportStatus, reportJobResult } from "./job-result.js";
import type { Logger } from "./logger.js";
import { createPlanRequestResolver, type ResolvePlanRequest } from "./plan-request.js";
import { runJob } from "./run-job.js";

export interface HandlerDeps {
  readonly cloudFront: CloudFrontClient;
  readonly codePipeline: CodePipelineClient;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** What to invalidate: explicit paths, a sync log or an artifact diff. Default: `createPlanRequestResolver({ env })`. */
  readonly resolvePlanRequest?: ResolvePlanRequest;
  /** Attempts and first delay for reporting the result (see reportJobResult). */
  readonly reportAttempts?: number;
  readonly reportBaseDelayMs?: number;
}

/** What the handler returns: for logs and tests; CodePipeline reads nothing from it. */
export interface HandlerResult {
  readonly jobId?: string;
  readonly result: "success" | "continuation" | "failure" | "not-a-job";
  readonly report: ReportStatus | "none";
}

/**
 * The Lambda handler, over injected clients. Every job gets exactly one result, whatever
 * happens; the handler itself never throws (a throw would make Lambda invoke it again).
 */
export function createHandler(deps: HandlerDeps): (event: unknown) => Promise<HandlerResult> {
  const resolvePlanRequest = deps.resolvePlanRequest ?? createPlanRequestResolver({ env: deps.env });
  return async (event) => {
    const job = readCodePipelineJob(event);
    if (job === undefined) {
      // Nothing to report to; throwing would only make Lambda retry the same useless event.
      deps.logger.error("the event is not a CodePipeline job event; ignored", {
        eventKeys: typeof event === "object" && event !== null ? Object.keys(event) : typeof event,
      });
      return { result: "not-a-job", report: "none" };
    }
    const logger = deps.logger.child({ jobId: job.id });
    const reportDeps = {
      codePipeline: deps.codePipeline,
      clock: deps.clock,
      logger,
      ...(deps.reportAttempts === undefined ? {} : { attempts: deps.reportAttempts }),
      ...(deps.reportBaseDelayMs === undefined ? {} : { baseDelayMs: deps.reportBaseDelayMs }),
    };
    try {
      const outcome = await runJob(
        {
          cloudFront: deps.cloudFront,
          clock: deps.clock,
          logger,
          env: deps.env,
          resolvePlanRequest,
        },
        job,
      );
      logger.info(outcome.type === "success" ? "job succeeded" : "job continues", {
        summary: outcome.summary,
        invalidationIds: outcome.invalidationIds,
        ...(outcome.type === "continue" && outcome.percentComplete !== undefined
          ? { percentComplete: outcome.percentComplete }
          : {}),
      });
      const report = await reportJobResult(reportDeps, job.id, { type: "success", outcome });
      return { jobId: job.id, result: outcome.type === "success" ? "success" : "continuation", report };
    } catch (error) {
      // The one top-level catch: any failure, expected or not, becomes the job's failure result.
      const classified = classifyError(error);
      const failureType = failureTypeFor(classified.kind);
      logger.error("job failed", { failureType, kind: classified.kind, error: classified });
      const report = await reportJobResult(reportDeps, job.id, {
        type: "failure",
        failureType,
        message: classified.message,
      });
      return { jobId: job.id, result: "failure", report };
    }
  };
}
