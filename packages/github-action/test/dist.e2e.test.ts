import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CloudFrontClient, GetInvalidationCommand, ListInvalidationsCommand } from "@aws-sdk/client-cloudfront";
import { createTestDistribution, hasMoto, type MotoServer, startMoto, TEST_CREDENTIALS } from "test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actionDefaults } from "./support/action-io.js";

// The bundle as committed: check-dist.yml keeps it equal to a fresh build of src/.
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));

interface ActionRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
}

/** Reads GITHUB_OUTPUT as the runner does: `name<<DELIMITER` heredocs, or `name=value` lines. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name = "", delimiter] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? "");
      if (i >= lines.length) throw new Error(`output ${name}: delimiter ${delimiter} never closed`);
      outputs[name] = value.join("\n");
    } else if (line.includes("=")) {
      outputs[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
    }
  }
  return outputs;
}

/**
 * Runs dist/index.js the way the runner does: a fresh environment with INPUT_<NAME> for every
 * input (action.yml defaults filled in; upper case, spaces to `_`, hyphens kept), the
 * GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, and the workspace as the working directory.
 */
async function runAction(inputs: Record<string, string>, env: Record<string, string>): Promise<ActionRun> {
  const root = await mkdtemp(join(tmpdir(), "gha-e2e-"));
  const workspace = join(root, "workspace");
  const temp = join(root, "runner-temp");
  await mkdir(workspace);
  await mkdir(temp);
  for (const [name, content] of Object.entries(files)) await writeFile(join(workspace, name), content);
  const outputFile = join(temp, "output.txt");
  const summaryFile = join(temp, "summary.md");
  await writeFile(outputFile, "");
  await writeFile(summaryFile, "");
  const inputEnv = Object.fromEntries(
    Object.entries({ ...actionDefaults(), ...inputs }).map(([name, value]) => [
      `INPUT_${name.replace(/ /g, "_").toUpperCase()}`,
      value,
    ]),
  );
  const child = spawn(process.execPath, [DIST], {
    cwd: workspace,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: root,
      // Keep the SDK away from any real AWS config of the machine running the tests.
      AWS_CONFIG_FILE: join(root, "no-aws-config"),
      AWS_SHARED_CREDENTIALS_FILE: join(root, "no-aws-credentials"),
      AWS_EC2_METADATA_DISABLED: "true",
      GITHUB_ACTIONS: "true",
      CI: "true",
      RUNNER_TEMP: temp,
      GITHUB_WORKSPACE: workspace,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_RUN_ID: "987654321",
      GITHUB_RUN_ATTEMPT: "1",
      GITHUB_JOB: "deploy",
      GITHUB_ACTION: "__owner_repo",
      ...inputEnv,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputFile(await readFile(outputFile, "utf8")),
    summary: await readFile(summaryFile, "utf8"),
  };
}

const files: Record<string, string> = {
  "sync.log": [
    "Completed 1.2 KiB/3.4 KiB (2.1 KiB/s) with 2 file(s) remaining\r",
    "upload: public/index.html to s3://site-bucket/index.html",
    "upload: public/blog/my post.html to s3://site-bucket/blog/my post.html",
    "delete: s3://site-bucket/old.css",
    "",
  ].join("\n"),
};

/** Stands in for AWS where no request may arrive: counts every request and refuses it. */
async function startRecorder(): Promise<{ server: Server; endpoint: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { server, endpoint: `http://127.0.0.1:${port}`, requests };
}

describe("dist/index.js as the runner runs it", () => {
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  beforeAll(async () => {
    if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run \`pnpm --filter github-action build\``);
    recorder = await startRecorder();
  });
  afterAll(async () => {
    await new Promise((resolve) => recorder?.server.close(resolve));
  });

  it("plans a dry run without any credentials and sends nothing", async () => {
    const before = recorder.requests.length;
    const result = await runAction(
      { "distribution-id": "E2QWRUHAPOMQZL", "sync-log": "sync.log", "dry-run": "true" },
      { AWS_ENDPOINT_URL: recorder.endpoint },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(recorder.requests.length).toBe(before);
    expect(result.outputs.status).toBe("dry-run");
    expect(result.outputs["invalidation-ids"]).toBe("");
    expect(result.outputs.paths?.split("\n")).toEqual(expect.arrayContaining(["/blog/my%20post.html", "/old.css"]));
    expect(result.summary).toMatch(/Dry run/);
  });

  it("fails a bad input with exit code 1, naming the input, before any request", async () => {
    const before = recorder.requests.length;
    const result = await runAction(
      { "distribution-id": "E2QWRUHAPOMQZL", "max-paths": "plenty" },
      { ...TEST_CREDENTIALS, AWS_ENDPOINT_URL: recorder.endpoint },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^::error::Configuration error: input "max-paths".*"plenty"/m);
    expect(recorder.requests.length).toBe(before);
    expect(result.outputs.status).toBe("failed");
  });

  it("fails on a missing sync log naming the input and the file", async () => {
    const result = await runAction(
      { "distribution-id": "E2QWRUHAPOMQZL", "sync-log": "deploy/missing.log" },
      { ...TEST_CREDENTIALS, AWS_ENDPOINT_URL: recorder.endpoint },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/::error::Configuration error: input "sync-log".*deploy\/missing\.log/);
  });

  describe.skipIf(!hasMoto())("against moto_server", () => {
    let moto: MotoServer;
    beforeAll(async () => {
      moto = await startMoto();
    });
    afterAll(async () => {
      await moto?.stop();
    });

    it("creates the invalidation, writes the outputs and the job summary", async () => {
      const distributionId = await createTestDistribution(moto);
      const result = await runAction(
        { "distribution-id": distributionId, "sync-log": "sync.log", wait: "true" },
        moto.env,
      );
      // On Node 20 the SDK warns on stderr that later releases need Node 22; nothing else may appear.
      expect(result.stderr).not.toMatch(/error/i);
      expect(result.code).toBe(0);

      const client = new CloudFrontClient({
        region: "us-east-1",
        endpoint: moto.endpoint,
        credentials: {
          accessKeyId: TEST_CREDENTIALS.AWS_ACCESS_KEY_ID,
          secretAccessKey: TEST_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
        },
      });
      const listed = await client.send(new ListInvalidationsCommand({ DistributionId: distributionId }));
      const ids = (listed.InvalidationList?.Items ?? []).map((item) => item.Id);
      expect(ids).toHaveLength(1);
      expect(result.outputs["invalidation-ids"]).toBe(ids[0]);

      const created = await client.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: ids[0] }));
      const sentPaths = created.Invalidation?.InvalidationBatch?.Paths?.Items ?? [];
      expect(result.outputs.paths?.split("\n")).toEqual(sentPaths);
      expect(result.outputs["path-count"]).toBe(String(sentPaths.length));
      expect(sentPaths).toEqual(expect.arrayContaining(["/blog/my%20post.html", "/old.css"]));
      expect(created.Invalidation?.InvalidationBatch?.CallerReference).toMatch(
        new RegExp(`^gha-987654321-1-deploy-__owner_repo-${distributionId}-b1-`),
      );
      // moto completes invalidations at once.
      expect(result.outputs.status).toBe("completed");

      expect(result.summary).toContain(`| \`${distributionId}\` | \`${ids[0]}\` | Completed | ${sentPaths.length} |`);
      expect(result.stdout).toContain(`::group::CloudFront distribution ${distributionId}`);
      client.destroy();
    });
  });
});
