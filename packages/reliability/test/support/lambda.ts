import { randomUUID } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CodePipelineStandIn } from "test-utils";
import { type ProcessRun, runNode } from "./processes.ts";

export const LAMBDA_DIST = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  "codepipeline-lambda",
  "dist",
  "index.js",
);

/** What a CodePipeline event's artifactCredentials hold in these tests: no log line may carry them. */
export const ARTIFACT_SECRETS = {
  accessKeyId: "ASIARELIABILITYART01",
  secretAccessKey: "reliabilityArtifactSecret000000000000000",
  sessionToken: "reliabilityArtifactSessionToken00000000000",
} as const;

/** The key that signs continuation tokens, as the template's generated secret puts it in the environment. */
export const TOKEN_KEY = { CONTINUATION_TOKEN_KEY: "reliability-continuation-token-key-000000000" } as const;

/** One input artifact of an event: a zip in the artifact store. */
export interface EventArtifact {
  readonly name: string;
  readonly bucket: string;
  readonly key: string;
}

/** A real-shaped CodePipeline Invoke event; without `inputArtifacts` the job gives explicit paths. */
export function codePipelineEvent(
  jobId: string,
  userParameters: string | undefined,
  continuationToken?: string,
  inputArtifacts: readonly EventArtifact[] = [],
) {
  return {
    "CodePipeline.job": {
      id: jobId,
      accountId: "111122223333",
      data: {
        actionConfiguration: {
          configuration: {
            FunctionName: "site-invalidator",
            ...(userParameters === undefined ? {} : { UserParameters: userParameters }),
          },
        },
        inputArtifacts: inputArtifacts.map(({ name, bucket, key }) => ({
          name,
          revision: key,
          location: { type: "S3", s3Location: { bucketName: bucket, objectKey: key } },
        })),
        outputArtifacts: [],
        artifactCredentials: ARTIFACT_SECRETS,
        ...(continuationToken === undefined ? {} : { continuationToken }),
      },
    },
  };
}

export type Handler = (event: unknown, context?: unknown) => Promise<unknown>;

export interface PipelineOutcome {
  /** Job ids in the order CodePipeline created them (the first, then one per continuation). */
  readonly jobs: string[];
  /** The final result: a success without continuation token, or a failure. */
  readonly final?: { readonly operation: string; readonly body: Record<string, unknown> };
  /** Jobs that got no accepted result (CodePipeline would time them out after 20 minutes). */
  readonly withoutResult: string[];
  /** Jobs with more than one accepted result (the stand-in refuses that; counted to prove it). */
  readonly withTwoResults: string[];
  readonly invocations: number;
  readonly threw: number;
}

/**
 * Plays CodePipeline: invokes the handler for a job, reads the job's result from the stand-in,
 * and for a success with a continuation token invokes it again for a NEW job carrying that
 * token. `duplicate(n)` says whether the n-th event is delivered twice (Lambda's at-least-once
 * delivery), `concurrent` whether the two deliveries overlap.
 */
export async function playPipeline(
  handler: Handler,
  standIn: CodePipelineStandIn,
  userParameters: string | undefined,
  options: { duplicate: (n: number) => boolean; concurrent: boolean; maxJobs?: number },
): Promise<PipelineOutcome> {
  const jobs: string[] = [];
  const withoutResult: string[] = [];
  const withTwoResults: string[] = [];
  let invocations = 0;
  let threw = 0;
  let token: string | undefined;
  for (let n = 0; n < (options.maxJobs ?? 50); n++) {
    const jobId = randomUUID();
    jobs.push(jobId);
    const event = codePipelineEvent(jobId, userParameters, token);
    const deliveries = options.duplicate(n) ? 2 : 1;
    const invoke = async () => {
      invocations++;
      try {
        await handler(structuredClone(event), { functionName: "site-invalidator" });
      } catch {
        threw++;
      }
    };
    if (options.concurrent) await Promise.all(Array.from({ length: deliveries }, invoke));
    else for (let i = 0; i < deliveries; i++) await invoke();
    const accepted = standIn.calls.filter((c) => c.status === 200 && c.body.jobId === jobId);
    if (accepted.length > 1) withTwoResults.push(jobId);
    const result = standIn.results.get(jobId);
    if (!result) {
      withoutResult.push(jobId);
      return { jobs, withoutResult, withTwoResults, invocations, threw };
    }
    const next = result.body.continuationToken;
    if (result.operation === "PutJobSuccessResult" && typeof next === "string") {
      token = next;
      continue;
    }
    return { jobs, final: result, withoutResult, withTwoResults, invocations, threw };
  }
  return { jobs, withoutResult, withTwoResults, invocations, threw };
}

// The runtime's way, in a process of its own: import the bundle as ESM, await handler(event).
const RUNTIME = `
const { pathToFileURL } = await import("node:url");
const mod = await import(pathToFileURL(process.env.HANDLER_FILE).href);
const result = await mod.handler(JSON.parse(process.env.HANDLER_EVENT), { functionName: "site-invalidator" });
process.stdout.write("HANDLER_RESULT " + JSON.stringify(result) + "\\n");
`;

/** One invocation of the bundle in a fresh process (a cold start). */
export function invokeInProcess(event: unknown, env: Record<string, string>): Promise<ProcessRun> {
  return runNode(["--input-type=module", "-e", RUNTIME], {
    HANDLER_FILE: LAMBDA_DIST,
    HANDLER_EVENT: JSON.stringify(event),
    ...env,
  });
}

/** A handler that runs each invocation as its own process (same contract as the in-process one). */
export function processHandler(env: Record<string, string>, onRun: (run: ProcessRun) => void): Handler {
  return async (event) => {
    const run = await invokeInProcess(event, env);
    onRun(run);
    if (run.code !== 0) throw new Error(`the handler process exited ${run.code}: ${run.stderr.slice(-400)}`);
    return undefined;
  };
}
