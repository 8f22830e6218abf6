import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ProcessRun, runNode } from "./processes.ts";

export const ACTION_DIST = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  "github-action",
  "dist",
  "index.js",
);

/** action.yml's defaults: the runner passes them for every input a workflow leaves out. */
export const ACTION_DEFAULTS: Record<string, string> = {
  "distribution-id": "",
  paths: "",
  "sync-log": "",
  "site-directory": "",
  "s3-prefix": "",
  "index-document": "index.html",
  "max-paths": "30",
  wait: "false",
  "wait-timeout-seconds": "600",
  "caller-reference": "",
  "dry-run": "false",
};

export interface ActionRun extends ProcessRun {
  readonly outputs: Record<string, string>;
  readonly summary: string;
  /** The `::error::` lines (setFailed), decoded. */
  readonly errors: string[];
}

function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i] ?? "");
    if (!heredoc) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i] ?? "");
    outputs[heredoc[1] ?? ""] = value.join("\n");
  }
  return outputs;
}

/** Runs the committed dist/index.js as the runner does: INPUT_* variables, output and summary files. */
export async function runAction(
  inputs: Record<string, string>,
  env: Record<string, string>,
  files: Record<string, string | Buffer> = {},
): Promise<ActionRun> {
  const root = await mkdtemp(join(tmpdir(), "reliability-gha-"));
  const workspace = join(root, "workspace");
  await mkdir(workspace);
  for (const [name, content] of Object.entries(files)) await writeFile(join(workspace, name), content);
  const outputFile = join(root, "output.txt");
  const summaryFile = join(root, "summary.md");
  await writeFile(outputFile, "");
  await writeFile(summaryFile, "");
  const inputEnv = Object.fromEntries(
    Object.entries({ ...ACTION_DEFAULTS, ...inputs }).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]),
  );
  const run = await runNode(
    [ACTION_DIST],
    {
      GITHUB_ACTIONS: "true",
      GITHUB_WORKSPACE: workspace,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_RUN_ID: "1000",
      GITHUB_RUN_ATTEMPT: "1",
      GITHUB_JOB: "deploy",
      GITHUB_ACTION: "__owner_repo",
      ...inputEnv,
      ...env,
    },
    { cwd: workspace },
  );
  const errors = run.stdout
    .split("\n")
    .filter((line) => line.startsWith("::error::"))
    .map((line) =>
      line.slice("::error::".length).replaceAll("%0A", "\n").replaceAll("%0D", "\r").replaceAll("%25", "%"),
    );
  return {
    ...run,
    outputs: parseOutputs(await readFile(outputFile, "utf8")),
    summary: await readFile(summaryFile, "utf8"),
    errors,
  };
}
