// Issue 13: one reader of change logs for every adapter. The same sync log, written in several
// encodings and decorations, must give the same invalidation paths through the three bundles as
// their hosts run them: the CLI from a file and from stdin, the action from its `sync-log` input,
// and the Lambda from a sync log inside its input artifact (a zip in moto's S3).
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudFrontClient, GetInvalidationCommand, ListInvalidationsCommand } from "@aws-sdk/client-cloudfront";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  type CodePipelineStandIn,
  createTestDistribution,
  hasMoto,
  type MotoServer,
  motoClientConfig,
  motoS3Config,
  startCodePipelineStandIn,
  startMoto,
} from "test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildZip } from "../../codepipeline-lambda/test/artifacts/zip-writer.ts";
import { runAction } from "./support/action.ts";
import { runCli } from "./support/cli.ts";
import { codePipelineEvent, invokeInProcess } from "./support/lambda.ts";

// Names that need care: non-ASCII, a space, `~` (both forms), `?` and `#` (encoded), and a delete.
const LINES = [
  "upload: public/café.html to s3://site/café.html",
  "upload: public/a b.html to s3://site/a b.html",
  "copy: s3://site/x~y.css to s3://site/x~z.css",
  "upload: public/q?.html to s3://site/q?.html",
  "upload: public/#1.png to s3://site/#1.png",
  "delete: s3://site/gone.html",
];
const EXPECTED = [
  "/%231.png",
  "/a%20b.html",
  "/caf%C3%A9.html",
  "/gone.html",
  "/q%3F.html",
  "/x%7Ez.css",
  "/x~z.css",
].sort();

const text = (eol: string) => `${LINES.join(eol)}${eol}`;
const ESC = "\u001b";
/** Each encoding and decoration a CI system or a shell may hand over. */
const LOGS: Record<string, Buffer> = {
  "UTF-8": Buffer.from(text("\n")),
  "UTF-8 with BOM, CRLF": Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text("\r\n"))]),
  "UTF-16LE with BOM": Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text("\r\n"), "utf16le")]),
  "UTF-16BE with BOM": Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text("\n"), "utf16le").swap16()]),
  "Windows-1252": Buffer.from(text("\n"), "latin1"),
  "ANSI colours and CI timestamps": Buffer.from(
    LINES.map((line, i) => `${ESC}[90m2026-12-07T12:00:0${i}.123Z${ESC}[0m ${ESC}[32m${line}${ESC}[0m`).join("\n"),
  ),
};

const STORE = "artifact-store";
const dir = mkdtempSync(join(tmpdir(), "same-paths-"));

describe.skipIf(!hasMoto())("the same sync log gives the same paths through the CLI, the action and the Lambda", () => {
  let moto: MotoServer;
  let standIn: CodePipelineStandIn;
  let cloudFront: CloudFrontClient;
  let distributionId: string;

  beforeAll(async () => {
    [moto, standIn] = await Promise.all([startMoto(), startCodePipelineStandIn()]);
    cloudFront = new CloudFrontClient(motoClientConfig(moto));
    distributionId = await createTestDistribution(moto);
    await new S3Client(motoS3Config(moto)).send(new CreateBucketCommand({ Bucket: STORE }));
  }, 120_000);
  afterAll(async () => {
    await Promise.all([moto?.stop(), standIn?.stop()]);
  }, 30_000);

  const cliPaths = async (args: string[], stdin?: Buffer): Promise<string[]> => {
    const run = await runCli(
      ["--dry-run", "--json", "--max-paths", "100", "--distribution-id", "E2QWRUHAPOMQZL", ...args],
      {},
      stdin === undefined ? {} : { stdin },
    );
    expect(run.code, run.stderr).toBe(0);
    return [...(JSON.parse(run.stdout) as { paths: string[] }).paths].sort();
  };

  const actionPaths = async (log: Buffer): Promise<string[]> => {
    const run = await runAction(
      { "distribution-id": "E2QWRUHAPOMQZL", "sync-log": "sync.log", "max-paths": "100", "dry-run": "true" },
      {},
      { "sync.log": log },
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    return (run.outputs.paths ?? "").split("\n").filter(Boolean).sort();
  };

  /** One Invoke action run: the log zipped into the input artifact, the paths read back from moto. */
  const lambdaPaths = async (log: Buffer): Promise<string[]> => {
    const key = `build/${randomUUID()}.zip`;
    const s3 = new S3Client(motoS3Config(moto));
    await s3.send(
      new PutObjectCommand({
        Bucket: STORE,
        Key: key,
        Body: buildZip([{ name: "sync.log", data: log, method: 8 }]).bytes,
      }),
    );
    const before = await invalidationIds();
    const jobId = randomUUID();
    const userParameters = JSON.stringify({ distributionId, syncLog: "sync.log", maxPaths: 100 });
    const event = codePipelineEvent(jobId, userParameters, undefined, [{ name: "Build", bucket: STORE, key }]);
    const run = await invokeInProcess(event, {
      ...moto.env,
      AWS_ENDPOINT_URL_CLOUDFRONT: moto.endpoint,
      AWS_ENDPOINT_URL_S3: moto.endpoint,
      AWS_ENDPOINT_URL_CODEPIPELINE: standIn.endpoint,
      AWS_REGION: "us-east-1",
      CONTINUATION_TOKEN_KEY: "k".repeat(40),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(standIn.results.get(jobId)?.operation, run.stdout).toBe("PutJobSuccessResult");
    const paths: string[] = [];
    for (const id of (await invalidationIds()).filter((i) => !before.includes(i))) {
      const got = await cloudFront.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id }));
      paths.push(...(got.Invalidation?.InvalidationBatch?.Paths?.Items ?? []));
    }
    return paths.sort();
  };

  const invalidationIds = async (): Promise<string[]> => {
    const list = await cloudFront.send(new ListInvalidationsCommand({ DistributionId: distributionId }));
    return (list.InvalidationList?.Items ?? []).flatMap((item) => (item.Id === undefined ? [] : [item.Id]));
  };

  for (const [encoding, log] of Object.entries(LOGS)) {
    it(`${encoding}: from a file, from stdin, from the action's input and from the Lambda's artifact`, {
      timeout: 120_000,
    }, async () => {
      const file = join(dir, `${encoding.replace(/\W+/g, "-")}.log`);
      writeFileSync(file, log);
      const got = {
        cliFile: await cliPaths(["--sync-log", file]),
        cliStdin: await cliPaths(["--sync-log", "-"], log),
        action: await actionPaths(log),
        lambda: await lambdaPaths(log),
      };
      expect(got).toEqual({ cliFile: EXPECTED, cliStdin: EXPECTED, action: EXPECTED, lambda: EXPECTED });
    });
  }
});
