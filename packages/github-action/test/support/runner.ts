import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runNode } from "test-utils";
import { actionDefaults } from "./action-io.js";

// The bundle as committed: check-dist.yml keeps it equal to a fresh build of src/.
export const DIST = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

/**
 * Reads a GITHUB_OUTPUT or GITHUB_STATE file as the runner does: `name<<DELIMITER` heredocs, or
 * `name=value` lines (@actions/core writes both files the same way).
 */
export function parseFileCommand(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name = "", delimiter] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? "");
      if (i >= lines.length) throw new Error(`${name}: delimiter ${delimiter} never closed`);
      values[name] = value.join("\n");
    } else if (line.includes("=")) {
      values[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
    }
  }
  return values;
}

/** One job on a runner: a workspace, RUNNER_TEMP, and the variables every step of the job sees. */
export interface Job {
  readonly root: string;
  readonly workspace: string;
  readonly temp: string;
}

export async function newJob(): Promise<Job> {
  const root = await mkdtemp(join(tmpdir(), "gha-job-"));
  const workspace = join(root, "workspace");
  const temp = join(root, "runner-temp");
  await mkdir(workspace);
  await mkdir(temp);
  return { root, workspace, temp };
}

export interface StepRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  /** What the step saved for the post step (its GITHUB_STATE file). */
  readonly state: Record<string, string>;
  readonly summary: string;
}

let stepNumber = 0;

/**
 * Runs dist/index.js as the runner runs one step of an action: a fresh environment with
 * INPUT_<NAME> for every input (action.yml defaults filled in), fresh GITHUB_OUTPUT,
 * GITHUB_STATE and GITHUB_STEP_SUMMARY files, the workspace as working directory. For a post step
 * pass the main step's `state`: the runner hands each saved value over as STATE_<name>, with the
 * same INPUT_* variables as the main step.
 */
export async function runStep(
  job: Job,
  inputs: Record<string, string>,
  env: Record<string, string>,
  state: Record<string, string> = {},
): Promise<StepRun> {
  const step = ++stepNumber;
  const outputFile = join(job.temp, `output-${step}.txt`);
  const stateFile = join(job.temp, `state-${step}.txt`);
  const summaryFile = join(job.temp, `summary-${step}.md`);
  for (const file of [outputFile, stateFile, summaryFile]) await writeFile(file, "");
  const inputEnv = Object.fromEntries(
    Object.entries({ ...actionDefaults(), ...inputs }).map(([name, value]) => [
      `INPUT_${name.replace(/ /g, "_").toUpperCase()}`,
      value,
    ]),
  );
  const stateEnv = Object.fromEntries(Object.entries(state).map(([name, value]) => [`STATE_${name}`, value]));
  const { code, stdout, stderr } = await runNode([DIST], {
    cwd: job.workspace,
    env: {
      HOME: job.root,
      // Keep the SDK away from any real AWS config of the machine running the tests.
      AWS_CONFIG_FILE: join(job.root, "no-aws-config"),
      AWS_SHARED_CREDENTIALS_FILE: join(job.root, "no-aws-credentials"),
      AWS_EC2_METADATA_DISABLED: "true",
      GITHUB_ACTIONS: "true",
      CI: "true",
      RUNNER_TEMP: job.temp,
      GITHUB_WORKSPACE: job.workspace,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STATE: stateFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_RUN_ID: "555000111",
      GITHUB_RUN_ATTEMPT: "1",
      GITHUB_JOB: "deploy",
      GITHUB_ACTION: "__owner_repo",
      ...inputEnv,
      ...stateEnv,
      ...env,
    },
  });
  return {
    code,
    stdout,
    stderr,
    outputs: parseFileCommand(await readFile(outputFile, "utf8")),
    state: parseFileCommand(await readFile(stateFile, "utf8")),
    summary: await readFile(summaryFile, "utf8"),
  };
}
