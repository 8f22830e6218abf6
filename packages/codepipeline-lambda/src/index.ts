// Lambda entry: wires clients and delegates. Clients live at module scope so warm invocations reuse them.
import { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { createCloudFrontClient, systemClock } from "invalidation-core";
import { createHandler } from "./handler.js";
import { createJsonLogger } from "./logger.js";
import { createManifestS3Client, createPlanRequestResolver } from "./plan-request.js";

export const handler = createHandler({
  cloudFront: createCloudFrontClient(),
  codePipeline: new CodePipelineClient({}),
  clock: systemClock,
  logger: createJsonLogger(),
  env: process.env,
  // The function's own S3 client serves the artifact manifest only; input artifacts are read
  // with each job's artifactCredentials (a client per job, made in plan-request.ts).
  resolvePlanRequest: createPlanRequestResolver({ env: process.env, manifestS3: createManifestS3Client() }),
});
