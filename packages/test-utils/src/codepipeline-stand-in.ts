import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for CodePipeline's job API (moto has none): PutJobSuccessResult and
 * PutJobFailureResult over the JSON 1.1 protocol, on 127.0.0.1. It records every call,
 * enforces one result per job like the real service, checks the documented field limits,
 * and can be told to fail the next calls.
 */

export type JobResultOperation = "PutJobSuccessResult" | "PutJobFailureResult";

export interface RecordedJobCall {
  readonly operation: string;
  /** The parsed JSON body as the client sent it. */
  readonly body: Record<string, unknown>;
  /** The status this stand-in answered with. */
  readonly status: number;
  /** The error type answered, if any (`InvalidJobStateException`, ...). */
  readonly error?: string;
}

export interface AcceptedJobResult {
  readonly jobId: string;
  readonly operation: JobResultOperation;
  readonly body: Record<string, unknown>;
}

/** A failure to inject: an HTTP status alone (500 → InternalFailure) or a named service error. */
export interface InjectedFailure {
  readonly status?: number;
  readonly type?: string;
  readonly message?: string;
}

export interface CodePipelineStandIn {
  /** `http://127.0.0.1:PORT`: give it as AWS_ENDPOINT_URL_CODEPIPELINE. */
  readonly endpoint: string;
  readonly port: number;
  /** Every request, in order, failed ones included. */
  readonly calls: readonly RecordedJobCall[];
  /** Accepted results, one per job at most. */
  readonly results: ReadonlyMap<string, AcceptedJobResult>;
  /** Fails the next `count` calls with `failure` (default: HTTP 500 InternalFailure). */
  failNext(count: number, failure?: InjectedFailure): void;
  /** Forgets calls, results and pending failures. */
  reset(): void;
  stop(): Promise<void>;
}

const TARGET_PREFIX = "CodePipeline_20150709.";
const FAILURE_TYPES = new Set([
  "JobFailed",
  "ConfigurationError",
  "PermissionError",
  "RevisionOutOfSync",
  "RevisionUnavailable",
  "SystemUnavailable",
]);

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

function lengthBetween(value: unknown, field: string, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== "string" || value.length < min || value.length > max) {
    throw new ServiceError(
      "ValidationException",
      `${field} must be a string of ${min} to ${max} characters, got ${typeof value === "string" ? value.length : typeof value}`,
    );
  }
}

function validate(operation: JobResultOperation, body: Record<string, unknown>): string {
  const jobId = body.jobId;
  if (typeof jobId !== "string" || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(jobId)) {
    throw new ServiceError("ValidationException", `jobId must be a job id (UUID), got ${JSON.stringify(jobId)}`);
  }
  if (operation === "PutJobSuccessResult") {
    lengthBetween(body.continuationToken, "continuationToken", 1, 2048);
    const details = (body.executionDetails ?? {}) as Record<string, unknown>;
    lengthBetween(details.summary, "executionDetails.summary", 1, 2048);
    lengthBetween(details.externalExecutionId, "executionDetails.externalExecutionId", 1, 1500);
    const percent = details.percentComplete;
    if (percent !== undefined && (!Number.isInteger(percent) || (percent as number) < 0 || (percent as number) > 100)) {
      throw new ServiceError("ValidationException", `executionDetails.percentComplete must be 0-100, got ${percent}`);
    }
    if (body.continuationToken !== undefined && body.outputVariables !== undefined) {
      throw new ServiceError(
        "ValidationException",
        "outputVariables can only be given with the final success, not with a continuationToken",
      );
    }
  } else {
    const details = body.failureDetails as Record<string, unknown> | undefined;
    if (details === undefined) throw new ServiceError("ValidationException", "failureDetails is required");
    if (typeof details.type !== "string" || !FAILURE_TYPES.has(details.type)) {
      throw new ServiceError(
        "ValidationException",
        `failureDetails.type is not valid: ${JSON.stringify(details.type)}`,
      );
    }
    if (details.message === undefined)
      throw new ServiceError("ValidationException", "failureDetails.message is required");
    lengthBetween(details.message, "failureDetails.message", 1, 5000);
    lengthBetween(details.externalExecutionId, "failureDetails.externalExecutionId", 1, 1500);
  }
  return jobId;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/x-amz-json-1.1",
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": `stand-in-${Date.now()}`,
  });
  response.end(text);
}

/** Starts the stand-in on a free loopback port. */
export async function startCodePipelineStandIn(): Promise<CodePipelineStandIn> {
  const calls: RecordedJobCall[] = [];
  const results = new Map<string, AcceptedJobResult>();
  let pending: { count: number; failure: InjectedFailure } = { count: 0, failure: {} };

  const server = createServer((request, response) => {
    void (async () => {
      const text = await readBody(request);
      const target = String(request.headers["x-amz-target"] ?? "");
      const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
      let body: Record<string, unknown> = {};
      try {
        const parsed: unknown = text === "" ? {} : JSON.parse(text);
        if (typeof parsed === "object" && parsed !== null) body = parsed as Record<string, unknown>;
      } catch {
        // recorded with an empty body and refused below
      }
      const record = (status: number, error?: string) => {
        calls.push({ operation, body, status, ...(error === undefined ? {} : { error }) });
      };
      try {
        if (request.method !== "POST") throw new ServiceError("UnknownOperationException", "POST only", 404);
        if (pending.count > 0) {
          pending = { ...pending, count: pending.count - 1 };
          const status = pending.failure.status ?? (pending.failure.type ? 400 : 500);
          throw new ServiceError(
            pending.failure.type ?? "InternalFailure",
            pending.failure.message ?? "injected failure",
            status,
          );
        }
        if (operation !== "PutJobSuccessResult" && operation !== "PutJobFailureResult") {
          throw new ServiceError("UnknownOperationException", `the stand-in does not serve ${target}`);
        }
        const jobId = validate(operation, body);
        if (results.has(jobId)) {
          // The real service: a job takes one result; the second answer fails.
          throw new ServiceError("InvalidJobStateException", `job ${jobId} is not in a state that takes a result`);
        }
        results.set(jobId, { jobId, operation, body });
        record(200);
        reply(response, 200, {});
      } catch (error) {
        const failure = error instanceof ServiceError ? error : new ServiceError("InternalFailure", String(error), 500);
        record(failure.status, failure.type);
        reply(response, failure.status, { __type: failure.type, message: failure.message });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    calls,
    results,
    failNext(count, failure = {}) {
      pending = { count, failure };
    },
    reset() {
      calls.length = 0;
      results.clear();
      pending = { count: 0, failure: {} };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
