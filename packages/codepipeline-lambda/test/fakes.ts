// Test doubles at the edges: a CloudFront that behaves like the real one where the handler
// depends on it (CallerReference idempotency, in-progress limits, statuses), a CodePipeline
// that takes one result per job, a manual clock and a log capture.
import {
  AccessDenied,
  CloudFrontClient,
  CreateInvalidationCommand,
  type CreateInvalidationCommandInput,
  GetInvalidationCommand,
  NoSuchDistribution,
  TooManyInvalidationsInProgress,
} from "@aws-sdk/client-cloudfront";
import {
  CodePipelineClient,
  InvalidJobStateException,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
} from "@aws-sdk/client-codepipeline";
import { mockClient } from "aws-sdk-client-mock";
import type { Clock } from "invalidation-core";
import { createHandler, type HandlerDeps } from "../src/handler.js";
import { createJsonLogger } from "../src/logger.js";

export const DISTRIBUTION = "E2QWRUHAPOMQZL";
/** The key the template provisions, as the function's environment holds it. */
export const TOKEN_ENV = { CONTINUATION_TOKEN_KEY: "test-key-0123456789abcdefghijklmnopqrstuv" };
export const OTHER_DISTRIBUTION = "E1A2B3C4D5E6F7";
export const CREDENTIALS = { accessKeyId: "AKIAFAKEFORTESTS0001", secretAccessKey: "fake/secret+for+tests" };
// What an event's artifactCredentials hold: none of it may reach a log line.
export const ARTIFACT_SECRETS = {
  accessKeyId: "ASIAARTIFACTKEY00001",
  secretAccessKey: "artifactSecretNeverLogged0000000000000000",
  sessionToken: "artifactSessionTokenNeverLogged000000000000",
};

const metadata = (httpStatusCode: number) => ({ httpStatusCode, attempts: 1, totalRetryDelay: 0 });

export function awsError(name: string, httpStatusCode: number, message = `${name} (test)`): Error {
  switch (name) {
    case "AccessDenied":
      return new AccessDenied({ message, $metadata: metadata(httpStatusCode) });
    case "NoSuchDistribution":
      return new NoSuchDistribution({ message, $metadata: metadata(httpStatusCode) });
    case "TooManyInvalidationsInProgress":
      return new TooManyInvalidationsInProgress({ message, $metadata: metadata(httpStatusCode) });
    case "InvalidJobStateException":
      return new InvalidJobStateException({ message, $metadata: metadata(httpStatusCode) });
    default:
      return Object.assign(new Error(message), { name, $metadata: metadata(httpStatusCode), $fault: "server" });
  }
}

export interface FakeInvalidation {
  readonly distributionId: string;
  readonly id: string;
  status: "InProgress" | "Completed";
  readonly paths: readonly string[];
  readonly callerReference: string;
}

/** A CloudFront with CallerReference idempotency and (optional) in-progress limits. */
export class FakeCloudFront {
  readonly client = new CloudFrontClient({ region: "us-east-1", credentials: CREDENTIALS });
  readonly mock = mockClient(this.client);
  readonly invalidations: FakeInvalidation[] = [];
  /** In-progress limits per distribution, as CloudFront applies them. */
  limits = { maxFilePaths: Number.POSITIVE_INFINITY, maxWildcardPaths: Number.POSITIVE_INFINITY };
  completeAtOnce = false;
  createError: Error | undefined;
  getError: Error | undefined;
  createCalls: CreateInvalidationCommandInput[] = [];
  private counter = 0;

  constructor() {
    this.mock.on(CreateInvalidationCommand).callsFake(async (input: CreateInvalidationCommandInput) => {
      this.createCalls.push(input);
      if (this.createError) throw this.createError;
      const distributionId = input.DistributionId ?? "";
      const batch = input.InvalidationBatch;
      const paths = batch?.Paths?.Items ?? [];
      const callerReference = batch?.CallerReference ?? "";
      const existing = this.invalidations.find(
        (i) => i.distributionId === distributionId && i.callerReference === callerReference,
      );
      if (existing) {
        if (JSON.stringify(existing.paths) !== JSON.stringify(paths))
          throw awsError("InvalidationBatchAlreadyExists", 400);
        return this.response(existing);
      }
      const running = this.invalidations.filter(
        (i) => i.distributionId === distributionId && i.status === "InProgress",
      );
      const wild = (list: readonly string[]) => list.filter((p) => p.endsWith("*")).length;
      const files = (list: readonly string[]) => list.length - wild(list);
      if (
        running.reduce((n, i) => n + files(i.paths), 0) + files(paths) > this.limits.maxFilePaths ||
        running.reduce((n, i) => n + wild(i.paths), 0) + wild(paths) > this.limits.maxWildcardPaths
      ) {
        throw awsError("TooManyInvalidationsInProgress", 400);
      }
      this.counter += 1;
      const created: FakeInvalidation = {
        distributionId,
        id: `I${String(this.counter).padStart(13, "0")}`,
        status: this.completeAtOnce ? "Completed" : "InProgress",
        paths: [...paths],
        callerReference,
      };
      this.invalidations.push(created);
      return this.response(created);
    });
    this.mock.on(GetInvalidationCommand).callsFake(async (input: { DistributionId?: string; Id?: string }) => {
      if (this.getError) throw this.getError;
      const found = this.invalidations.find((i) => i.distributionId === input.DistributionId && i.id === input.Id);
      if (!found) throw awsError("NoSuchInvalidation", 404);
      return this.response(found);
    });
  }

  completeAll(): void {
    for (const invalidation of this.invalidations) invalidation.status = "Completed";
  }

  private response(i: FakeInvalidation) {
    return {
      Location: `https://cloudfront.amazonaws.com/2020-05-31/distribution/${i.distributionId}/invalidation/${i.id}`,
      Invalidation: {
        Id: i.id,
        Status: i.status,
        CreateTime: new Date(0),
        InvalidationBatch: {
          CallerReference: i.callerReference,
          Paths: { Quantity: i.paths.length, Items: [...i.paths] },
        },
      },
    };
  }
}

export interface ReportedResult {
  readonly operation: "PutJobSuccessResult" | "PutJobFailureResult";
  // biome-ignore lint/suspicious/noExplicitAny: the recorded command input, read loosely by tests
  readonly input: any;
}

/** A CodePipeline that records results and, like the real one, takes one result per job. */
export class FakeCodePipeline {
  readonly client = new CodePipelineClient({ region: "us-east-1", credentials: CREDENTIALS });
  readonly mock = mockClient(this.client);
  /** Every call, refused ones included. */
  readonly calls: ReportedResult[] = [];
  readonly accepted = new Map<string, ReportedResult>();
  /** Errors thrown by the next calls, in order. */
  readonly failures: Error[] = [];

  constructor() {
    const handle = (operation: ReportedResult["operation"]) => async (input: { jobId?: string }) => {
      const call = { operation, input };
      this.calls.push(call);
      const failure = this.failures.shift();
      if (failure) throw failure;
      const jobId = input.jobId ?? "";
      if (this.accepted.has(jobId)) throw awsError("InvalidJobStateException", 400);
      this.accepted.set(jobId, call);
      return {};
    };
    this.mock.on(PutJobSuccessResultCommand).callsFake(handle("PutJobSuccessResult"));
    this.mock.on(PutJobFailureResultCommand).callsFake(handle("PutJobFailureResult"));
  }
}

/** A clock that only moves when told to (or when slept on). */
export class ManualClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public time = Date.UTC(2026, 10, 27, 10, 0, 0)) {}
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

let jobCounter = 0;
/** A fresh job id shaped like CodePipeline's (a UUID). */
export function newJobId(): string {
  jobCounter += 1;
  return `11111111-2222-4333-8444-${String(jobCounter).padStart(12, "0")}`;
}

/** A CodePipeline Invoke event, shaped as the service sends it; by default one artifact nobody reads. */
export function codePipelineEvent(
  options: {
    jobId?: string;
    userParameters?: string | undefined;
    continuationToken?: string;
    /** The input artifact, a zip in the artifact store (its revision is the key). */
    artifact?: { readonly name: string; readonly bucket: string; readonly key: string };
  } = {},
) {
  const configuration: Record<string, string> = { FunctionName: "invalidate-cloudfront" };
  if (options.userParameters !== undefined) configuration.UserParameters = options.userParameters;
  const { name, bucket, key } = options.artifact ?? {
    name: "BuildOutput",
    bucket: "artifact-bucket",
    key: "pipeline/BuildOutput/abc.zip",
  };
  return {
    "CodePipeline.job": {
      id: options.jobId ?? newJobId(),
      accountId: "111122223333",
      data: {
        actionConfiguration: { configuration },
        inputArtifacts: [
          {
            name,
            revision: options.artifact === undefined ? null : key,
            location: { type: "S3", s3Location: { bucketName: bucket, objectKey: key } },
          },
        ],
        outputArtifacts: [],
        artifactCredentials: ARTIFACT_SECRETS,
        ...(options.continuationToken === undefined ? {} : { continuationToken: options.continuationToken }),
      },
    },
  };
}

export interface Harness {
  readonly cloudFront: FakeCloudFront;
  readonly codePipeline: FakeCodePipeline;
  readonly clock: ManualClock;
  readonly logLines: string[];
  readonly handler: ReturnType<typeof createHandler>;
}

export function harness(overrides: Partial<HandlerDeps> = {}): Harness {
  const cloudFront = new FakeCloudFront();
  const codePipeline = new FakeCodePipeline();
  const clock = new ManualClock();
  const logLines: string[] = [];
  const handler = createHandler({
    cloudFront: cloudFront.client,
    codePipeline: codePipeline.client,
    clock,
    logger: createJsonLogger({ write: (line) => logLines.push(line), now: () => clock.now() }),
    env: TOKEN_ENV,
    ...overrides,
  });
  return { cloudFront, codePipeline, clock, logLines, handler };
}
