// Lambda entry: wires clients and delegates. Clients live at module scope so warm invocations reuse them.
import { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { CALL_TIMEOUTS, createCloudFrontClient, systemClock } from "invalidation-core";
import { createS3Client } from "./artifacts/index.js";
import { createHandler } from "./handler.js";
import { createJobInputReader } from "./job-input.js";
import { createJsonLogger } from "./logger.js";

export const handler = createHandler({
  cloudFront: createCloudFrontClient(),
  // A stalled endpoint must not hold the result past the function's time: the handler also aborts each call.
  codePipeline: new CodePipelineClient({ requestHandler: CALL_TIMEOUTS }),
  clock: systemClock,
  logger: createJsonLogger(),
  env: process.env,
  // The function's own S3 client serves the artifact manifest only; input artifacts are read
  // with each job's artifactCredentials (a client per job, made in job-input.ts).
  readJobInput: createJobInputReader({ env: process.env, manifestS3: createS3Client() }),
});
