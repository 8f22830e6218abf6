// Issue 16: hostile names as real files and objects, through the bundle as the runner runs it.
// The runner takes a line that starts with `::` (after its leading white space) as a command, and
// `##[` anywhere in a line (actions/runner ActionCommand.cs). Nothing a user controls may do either,
// and the job summary must render every value as text.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  createTestDistribution,
  hasAwsCli,
  hasMoto,
  type MotoServer,
  runAwsCli,
  startMoto,
  TEST_CREDENTIALS,
} from "test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newJob, runStep, type StepRun } from "./support/runner.js";

const ID = "E2QWRUHAPOMQZL";
const HOSTILE_FILES = [
  "::error title=X::pwned.html",
  "x ##[set-output name=y]z.html",
  "  ::add-mask::pwned.html",
  "<img src=x onerror=alert(1)>.html",
  "[click](https:__evil.example).html",
];

/** The lines the runner would take as commands, other than the action's own (group, warning, error). */
function forgedCommands(stdout: string): string[] {
  return stdout.split(/\r\n|\r|\n/).filter((line) => {
    const trimmed = line.replace(/^[\s\p{Cc}\p{Cf}]+/u, "");
    return line.includes("##[") || (trimmed.startsWith("::") && !/^::(group|endgroup|warning|error)::/.test(trimmed));
  });
}

function expectNoCommandsAndEscapedSummary(step: StepRun): void {
  expect(forgedCommands(step.stdout)).toEqual([]);
  expect(forgedCommands(step.stderr)).toEqual([]);
  expect(step.stdout.match(/^::error::/gm)?.length ?? 0).toBeLessThanOrEqual(1);
  // Outside code blocks (where nothing renders) no tag and no unescaped link may remain.
  const prose = step.summary.replace(/^(`{3,})\n[\s\S]*?\n\1$/gm, "");
  expect(prose).not.toMatch(/<img|(?<!\\)\]\(/);
  expect(Object.keys(step.outputs)).not.toContain("y");
}

describe("hostile names through dist/index.js", () => {
  it.each<[string, Record<string, string>, Record<string, string>]>([
    [
      "a sync log naming hostile files (dry run)",
      { "sync-log": "sync.log", "dry-run": "true" },
      {
        "sync.log": HOSTILE_FILES.map((f) => `upload: public/${f} to s3://site/${f}`)
          .concat("upload failed: public/##[add-mask]a.html to s3://site/##[add-mask]a.html An error occurred")
          .join("\n"),
      },
    ],
    ["a path holding markup and a command", { paths: "<img src=x onerror=alert(1)>\n::error::pwned" }, {}],
    ["a path holding a Markdown link", { paths: "/ok\n[click](https://evil.example) ##[add-mask]x" }, {}],
    ["a missing sync log with a hostile name", { "sync-log": "x ##[set-output name=y]z.log" }, {}],
    ["a caller reference that is a command", { "caller-reference": "::warning file=a::x\n##[add-mask]b" }, {}],
  ])("%s: no command reaches the runner, the summary shows text", async (_, inputs, files) => {
    const job = await newJob();
    for (const [name, content] of Object.entries(files)) await writeFile(join(job.workspace, name), content);
    const step = await runStep(job, { "distribution-id": ID, ...inputs }, TEST_CREDENTIALS);
    expectNoCommandsAndEscapedSummary(step);
    expect(step.outputs.status).toMatch(/^(dry-run|failed)$/);
  });

  describe.skipIf(!hasMoto() || !hasAwsCli())("diff mode against moto_server", () => {
    let moto: MotoServer;
    beforeAll(async () => {
      moto = await startMoto();
    }, 60_000);
    afterAll(async () => {
      await moto?.stop();
    }, 30_000);

    it("hostile files and objects: the changed keys are printed as text, then invalidated", async () => {
      const job = await newJob();
      const aws = (args: string[]) => runAwsCli(moto, args, { home: job.root });
      const bucket = `hostile-${process.pid}`;
      aws(["s3api", "create-bucket", "--bucket", bucket]);
      await writeFile(join(job.root, "body"), "old");
      for (const key of ["old/##[add-mask]deploy", "::notice::pwned.txt"]) {
        aws(["s3api", "put-object", "--bucket", bucket, "--key", key, "--body", join(job.root, "body")]);
      }
      await mkdir(join(job.workspace, "public"));
      for (const file of HOSTILE_FILES) await writeFile(join(job.workspace, "public", file), file);
      const distributionId = await createTestDistribution(moto, "hostile");
      const inputs = { "distribution-id": distributionId, "site-directory": "public", "s3-uri": `s3://${bucket}` };

      const main = await runStep(job, inputs, moto.env);
      expect(main.code, main.stdout).toBe(0);
      expect(main.outputs["change-count"]).toBe(String(HOSTILE_FILES.length + 2));
      expectNoCommandsAndEscapedSummary(main);
      // Readable: the names are there, escaped.
      expect(main.stdout).toContain("\\::error title=X::pwned.html");
      expect(main.stdout).toContain("old/##\\[add-mask]deploy");

      const post = await runStep(job, inputs, moto.env, main.state);
      expect(post.code, post.stdout).toBe(0);
      expectNoCommandsAndEscapedSummary(post);
      expect(post.outputs.paths?.split("\n")).toEqual(expect.arrayContaining(["/old/%23%23%5Badd-mask%5Ddeploy"]));
    });
  });
});
