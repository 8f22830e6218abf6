// Lambda entry: wires clients and delegates. Clients live at module scope so warm invocations reuse them.
import { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { createCloudFrontClient, systemClock } from "invalidation-core";
import { createHandler } from "./handler.js";
import { createJsonLogger } from "./logger.js";

export const handler = createHandler({
  cloudFront: createCloudFrontClient(),
  codePipeline: new CodePipelineClient({}),
  clock: systemClock,
  logger: createJsonLogger(),
  env: process.env,
});
