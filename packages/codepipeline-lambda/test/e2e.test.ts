// Drives the bundled dist/ the way the Lambda runtime does: a separate Node process imports
// dist/index.js as ESM and awaits handler(event). CloudFront is moto_server; CodePipeline's job
// API is the stand-in from test-utils. Both sides are checked.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CloudFrontClient, GetInvalidationCommand, ListInvalidationsCommand } from "@aws-sdk/client-cloudfront";
import { callerReferences } from "invalidation-core";
import { type CodePipelineStandIn, hasMoto, type MotoServer, motoClientConfig } from "test-utils";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freshStage, startServers, stopServers } from "./bundle-stage.ts";
import { ARTIFACT_SECRETS, codePipelineEvent, newJobId } from "./fakes.js";
import { invokeBundle, packageDir } from "./invoke-bundle.js";

describe.skipIf(!hasMoto())(
  "bundled handler against moto_server and the CodePipeline stand-in",
  { timeout: 60_000 },
  () => {
    let moto: MotoServer;
    let standIn: CodePipelineStandIn;
    let cloudFront: CloudFrontClient;
    let distributionId: string;
    let env: Record<string, string>;

    beforeAll(async () => {
      ({ moto, standIn } = await startServers());
      cloudFront = new CloudFrontClient(motoClientConfig(moto));
    }, 180_000);

    afterAll(async () => {
      await stopServers({ moto, standIn });
    }, 30_000);

    beforeEach(async () => {
      ({ distributionId, env } = await freshStage({ moto, standIn }));
    });

    it("is an ES module the runtime loads (dist/package.json says type module)", () => {
      expect(JSON.parse(readFileSync(join(packageDir, "dist", "package.json"), "utf8"))).toEqual({ type: "module" });
    });

    it("invalidates in CloudFront and reports one success with the invalidation id and outputs", async () => {
      const jobId = newJobId();
      const event = codePipelineEvent({
        jobId,
        userParameters: JSON.stringify({ distributionId, paths: ["/index.html", "/about/*"], wait: true }),
      });
      const run = await invokeBundle(event, env);
      expect(run.code, run.stderr).toBe(0);
      expect(run.result).toEqual({ jobId, result: "success", report: "reported" });

      // CloudFront side: one invalidation with our paths and the job's caller reference.
      const list = await cloudFront.send(new ListInvalidationsCommand({ DistributionId: distributionId }));
      const summaries = list.InvalidationList?.Items ?? [];
      expect(summaries).toHaveLength(1);
      const id = summaries[0]!.Id!;
      const got = await cloudFront.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id }));
      expect([...(got.Invalidation?.InvalidationBatch?.Paths?.Items ?? [])].sort()).toEqual([
        "/about/*",
        "/index.html",
      ]);
      // Drift fix: the core's caller reference form (was `codepipeline-<job id>-<distribution>-0`).
      const batch = [["/about/*", "/index.html"]];
      expect(got.Invalidation?.InvalidationBatch?.CallerReference).toBe(
        callerReferences({ base: `codepipeline-${jobId}`, batches: batch })(distributionId, 0),
      );

      // CodePipeline side: exactly one result, a final success naming the invalidation.
      expect(standIn.calls.map((c) => [c.operation, c.status])).toEqual([["PutJobSuccessResult", 200]]);
      const body = standIn.results.get(jobId)!.body as {
        executionDetails: { summary: string; externalExecutionId: string };
        outputVariables: Record<string, string>;
        continuationToken?: string;
      };
      expect(body.continuationToken).toBeUndefined();
      expect(body.executionDetails.externalExecutionId).toBe(id);
      expect(body.executionDetails.summary).toContain(distributionId);
      expect(body.executionDetails.summary).toContain(id);
      expect(body.outputVariables).toEqual({ InvalidationIds: id, DistributionIds: distributionId, PathCount: "2" });

      // Logs: JSON lines, none with the event's artifact credentials.
      const logLines = run.stdout.split("\n").filter((l) => l !== "" && !l.startsWith("HANDLER_RESULT "));
      expect(logLines.length).toBeGreaterThan(0);
      for (const line of logLines) expect(JSON.parse(line)).toMatchObject({ level: expect.any(String), jobId });
      for (const secret of Object.values(ARTIFACT_SECRETS)) expect(run.stdout + run.stderr).not.toContain(secret);
    });

    it("falls back to CLOUDFRONT_DISTRIBUTION_ID and /* without UserParameters", async () => {
      const jobId = newJobId();
      const run = await invokeBundle(codePipelineEvent({ jobId }), env);
      expect(run.result).toMatchObject({ result: "success" });
      const list = await cloudFront.send(new ListInvalidationsCommand({ DistributionId: distributionId }));
      const id = list.InvalidationList?.Items?.[0]?.Id;
      const got = await cloudFront.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id }));
      expect(got.Invalidation?.InvalidationBatch?.Paths?.Items).toEqual(["/*"]);
    });

    it("reports a ConfigurationError for malformed UserParameters and creates nothing", async () => {
      const jobId = newJobId();
      const run = await invokeBundle(
        codePipelineEvent({ jobId, userParameters: '{"distributionId":"E1","wiat":true}' }),
        env,
      );
      expect(run.code).toBe(0);
      expect(run.result).toMatchObject({ result: "failure", report: "reported" });
      const body = standIn.results.get(jobId)!.body as { failureDetails: { type: string; message: string } };
      expect(body.failureDetails.type).toBe("ConfigurationError");
      expect(body.failureDetails.message).toContain('unknown key "wiat"');
      const list = await cloudFront.send(new ListInvalidationsCommand({ DistributionId: distributionId }));
      expect(list.InvalidationList?.Items ?? []).toHaveLength(0);
    });

    it("reports a failure when the distribution does not exist", async () => {
      const jobId = newJobId();
      const run = await invokeBundle(
        codePipelineEvent({ jobId, userParameters: '{"distributionId":"E0000000000000"}' }),
        env,
      );
      expect(run.result).toMatchObject({ result: "failure", report: "reported" });
      const body = standIn.results.get(jobId)!.body as { failureDetails: { type: string; message: string } };
      expect(body.failureDetails.type).toBe("ConfigurationError");
      expect(body.failureDetails.message).toContain("E0000000000000");
    });

    it("still reports once when CodePipeline answers 500 first, and a duplicate delivery changes nothing", async () => {
      const jobId = newJobId();
      const event = codePipelineEvent({
        jobId,
        userParameters: JSON.stringify({ distributionId, paths: ["/a.html"] }),
      });
      standIn.failNext(1);
      const first = await invokeBundle(event, env);
      expect(first.result).toMatchObject({ result: "success", report: "reported" });
      const second = await invokeBundle(event, env);
      expect(second.code).toBe(0);
      // The stand-in, like CodePipeline, refuses a second result; the handler accepts that.
      expect(second.result).toMatchObject({ report: "already-answered" });
      expect(standIn.results.size).toBe(1);
      expect(standIn.calls.map((c) => c.status)).toEqual([500, 200, 400]);
    });
  },
);
