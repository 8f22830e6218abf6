import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { startTimingEndpoint, type TimingEndpoint } from "./endpoint.js";
import { formatKB, formatMs, formatRatio, median } from "./stats.js";
import { renderTable } from "./table.js";
import { zipSize } from "./zip.js";

const execFileAsync = promisify(execFile);

/** The repository root, from packages/benchmarks/dist/startup.js. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const ACTION_DIST = join(REPO_ROOT, "packages/github-action/dist");
const ACTION_YML = join(REPO_ROOT, "packages/github-action/action.yml");
const LAMBDA_DIST = join(REPO_ROOT, "packages/codepipeline-lambda/dist");
const CLI_DIST = join(REPO_ROOT, "packages/cli/dist");

/** Targets from issue #7. */
export const STARTUP_TARGETS = { lambdaZipBytes: 300 * 1024, actionVsAwsCli: 0.5 } as const;

const DISTRIBUTION_ID = "E2QWRUHAPOMQZL";
const RUN_TIMEOUT_MS = 60_000;

async function folderBytes(folder: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

export interface BundleSize {
  readonly name: string;
  readonly file: string;
  readonly bytes?: number;
  readonly gzipBytes?: number;
  readonly zipBytes?: number;
  readonly note?: string;
}

export async function measureBundles(): Promise<BundleSize[]> {
  const sizes: BundleSize[] = [];
  const one = async (name: string, folder: string, zip: boolean) => {
    const file = join(folder, "index.js");
    const shown = file.slice(REPO_ROOT.length);
    if (!existsSync(file)) {
      sizes.push({ name, file: shown, note: "not built: run pnpm turbo run build" });
      return;
    }
    const data = await readFile(file);
    sizes.push({
      name,
      file: shown,
      bytes: data.length,
      gzipBytes: gzipSync(data, { level: 9 }).length,
      // The Lambda ships as a zip of its whole dist folder, as `aws cloudformation package` makes it.
      ...(zip ? { zipBytes: await zipSize(folder), note: `dist/ folder ${formatKB(await folderBytes(folder))}` } : {}),
    });
  };
  await one("GitHub Action", ACTION_DIST, false);
  await one("CodePipeline Lambda", LAMBDA_DIST, true);
  await one("CLI", CLI_DIST, false);
  return sizes;
}

/** The action's inputs with action.yml's defaults, as the runner fills them in. */
async function actionDefaults(): Promise<Record<string, string>> {
  const defaults: Record<string, string> = {};
  const text = await readFile(ACTION_YML, "utf8");
  const inputs = /^inputs:\n([\s\S]*?)^\S/m.exec(text)?.[1] ?? "";
  let current: string | undefined;
  for (const line of inputs.split("\n")) {
    const name = /^ {2}([A-Za-z0-9_-]+):\s*$/.exec(line);
    if (name) {
      current = name[1]!;
      defaults[current] = "";
      continue;
    }
    const value = /^ {4}default:\s*(.*)$/.exec(line);
    if (value && current !== undefined) defaults[current] = value[1]!.replace(/^"(.*)"$/, "$1");
  }
  return defaults;
}

/** The AWS CLI's real entry point: pyenv's shim adds a bash and a `pyenv exec` that users of other installs don't pay. */
export async function findAwsCli(): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync("pyenv", ["which", "aws"]);
    if (stdout.trim() !== "") return stdout.trim();
  } catch {
    // no pyenv: fall through to PATH
  }
  try {
    const { stdout } = await execFileAsync("sh", ["-c", "command -v aws"]);
    return stdout.trim() === "" ? undefined : stdout.trim();
  } catch {
    return undefined;
  }
}

interface Contender {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly cwd: string;
}

interface Timing {
  readonly firstRequestMs: number;
  readonly exitMs: number;
}

/** One run: spawn, note when the first request reaches the endpoint and when the process exits. */
async function timeOnce(contender: Contender, endpoint: TimingEndpoint): Promise<Timing> {
  const firstRequest = endpoint.expect(RUN_TIMEOUT_MS);
  const start = performance.now();
  const child = spawn(contender.command, [...contender.args], {
    cwd: contender.cwd,
    env: contender.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS).unref();
  // Handled here so that a run that fails before any request does not raise an unhandled rejection.
  firstRequest.catch(() => undefined);
  const code = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (exitCode) => resolve(exitCode ?? -1));
  });
  const end = performance.now();
  clearTimeout(killer);
  if (code !== 0) throw new Error(`${contender.name} exited with ${code}:\n${output.slice(0, 2000)}`);
  // Every contender waits for the response before it exits, so the request has arrived by now.
  const at = await Promise.race([
    firstRequest,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 500)),
  ]);
  if (at === undefined)
    throw new Error(`${contender.name} exited without sending a request:\n${output.slice(0, 2000)}`);
  return { firstRequestMs: at - start, exitMs: end - start };
}

export interface StartupResult {
  readonly name: string;
  readonly runs: number;
  readonly firstRequestMs?: number;
  readonly exitMs?: number;
  readonly skipped?: string;
}

export async function measureStartup(
  runs: number,
): Promise<{ results: StartupResult[]; lambda: LambdaLoad | undefined }> {
  const root = await mkdtemp(join(tmpdir(), "bench-startup-"));
  const endpoint = await startTimingEndpoint();
  try {
    const outputFile = join(root, "github-output");
    const summaryFile = join(root, "step-summary");
    await writeFile(outputFile, "");
    await writeFile(summaryFile, "");
    // The same clean environment for every contender: fake credentials, no config files, no IMDS lookup.
    const baseEnv: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: root,
      AWS_CONFIG_FILE: join(root, "no-aws-config"),
      AWS_SHARED_CREDENTIALS_FILE: join(root, "no-aws-credentials"),
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_ACCESS_KEY_ID: "AKIDBENCHMARK0000000",
      AWS_SECRET_ACCESS_KEY: "benchmark-secret-key",
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_ENDPOINT_URL_CLOUDFRONT: endpoint.url,
    };
    const contenders: Contender[] = [];
    const skipped: StartupResult[] = [];
    const actionFile = join(ACTION_DIST, "index.js");
    if (existsSync(actionFile)) {
      const inputs = { ...(await actionDefaults()), "distribution-id": DISTRIBUTION_ID, paths: "/a" };
      const inputEnv = Object.fromEntries(
        Object.entries(inputs).map(([name, value]) => [`INPUT_${name.replace(/ /g, "_").toUpperCase()}`, value]),
      );
      contenders.push({
        name: "GitHub Action (node dist/index.js)",
        command: process.execPath,
        args: [actionFile],
        cwd: root,
        env: {
          ...baseEnv,
          ...inputEnv,
          GITHUB_ACTIONS: "true",
          GITHUB_WORKSPACE: root,
          GITHUB_OUTPUT: outputFile,
          GITHUB_STEP_SUMMARY: summaryFile,
          GITHUB_RUN_ID: "1",
          GITHUB_RUN_ATTEMPT: "1",
          GITHUB_JOB: "deploy",
          GITHUB_ACTION: "bench",
        },
      });
    } else skipped.push({ name: "GitHub Action", runs: 0, skipped: "dist/index.js not built" });
    const cliFile = join(CLI_DIST, "index.js");
    if (existsSync(cliFile)) {
      contenders.push({
        name: "CLI (cf-invalidate)",
        command: process.execPath,
        args: [cliFile, "--distribution-id", DISTRIBUTION_ID, "--path", "/a"],
        cwd: root,
        env: baseEnv,
      });
    } else skipped.push({ name: "CLI", runs: 0, skipped: "dist/index.js not built" });
    const awsCli = await findAwsCli();
    if (awsCli !== undefined) {
      contenders.push({
        name: "aws cloudfront create-invalidation (CLI v1)",
        command: awsCli,
        args: [
          "cloudfront",
          "create-invalidation",
          "--distribution-id",
          DISTRIBUTION_ID,
          "--paths",
          "/a",
          "--endpoint-url",
          endpoint.url,
        ],
        cwd: root,
        env: baseEnv,
      });
    } else skipped.push({ name: "aws cloudfront create-invalidation", runs: 0, skipped: "aws not on PATH" });

    const timings = new Map<string, Timing[]>(contenders.map((c) => [c.name, []]));
    // One warm-up each (page cache, Python bytecode), then interleaved runs so drift hits all alike.
    for (const contender of contenders) await timeOnce(contender, endpoint);
    for (let r = 0; r < runs; r++) {
      for (const contender of contenders) timings.get(contender.name)!.push(await timeOnce(contender, endpoint));
    }
    const results: StartupResult[] = contenders.map((contender) => {
      const list = timings.get(contender.name)!;
      return {
        name: contender.name,
        runs: list.length,
        firstRequestMs: median(list.map((t) => t.firstRequestMs)),
        exitMs: median(list.map((t) => t.exitMs)),
      };
    });
    return { results: [...results, ...skipped], lambda: await measureLambdaLoad(runs, baseEnv) };
  } finally {
    await endpoint.close();
    await rm(root, { recursive: true, force: true });
  }
}

export interface LambdaLoad {
  readonly runs: number;
  /** Median time of `await import(dist/index.js)` inside a fresh process. */
  readonly importMs: number;
  /** Median wall time of the whole process (node start + import + exit). */
  readonly processMs: number;
  /** Median wall time of `node -e ""`: what node itself costs. */
  readonly bareNodeMs: number;
}

async function measureLambdaLoad(runs: number, env: Record<string, string>): Promise<LambdaLoad | undefined> {
  const file = join(LAMBDA_DIST, "index.js");
  if (!existsSync(file)) return undefined;
  const script =
    "const t0 = performance.now(); const m = await import(process.argv[1]);" +
    "if (typeof m.handler !== 'function') throw new Error('no handler export');" +
    "process.stdout.write(String(performance.now() - t0));";
  const lambdaEnv = { ...env, AWS_LAMBDA_FUNCTION_NAME: "bench", AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x" };
  const importMs: number[] = [];
  const processMs: number[] = [];
  const bareMs: number[] = [];
  for (let r = 0; r <= runs; r++) {
    let start = performance.now();
    const { stdout } = await execFileAsync(
      process.execPath,
      ["--input-type=module", "-e", script, pathToFileURL(file).href],
      {
        env: lambdaEnv,
      },
    );
    const wall = performance.now() - start;
    start = performance.now();
    await execFileAsync(process.execPath, ["-e", ""], { env: lambdaEnv });
    const bare = performance.now() - start;
    if (r === 0) continue; // warm-up
    importMs.push(Number(stdout));
    processMs.push(wall);
    bareMs.push(bare);
  }
  return { runs, importMs: median(importMs), processMs: median(processMs), bareNodeMs: median(bareMs) };
}

export function renderBundles(sizes: readonly BundleSize[]): string {
  const rows: string[][] = [["bundle", "file", "size", "gzip -9", "zip (as deployed)", "note"]];
  for (const s of sizes) {
    rows.push([
      s.name,
      s.file,
      s.bytes === undefined ? "-" : formatKB(s.bytes),
      s.gzipBytes === undefined ? "-" : formatKB(s.gzipBytes),
      s.zipBytes === undefined ? "-" : formatKB(s.zipBytes),
      s.note ?? "",
    ]);
  }
  const lambda = sizes.find((s) => s.zipBytes !== undefined);
  const verdict =
    lambda?.zipBytes === undefined
      ? "target (Lambda zip < 300 KB): not measured (bundle not built)"
      : `target: Lambda zip ${formatKB(lambda.zipBytes)} (< 300 KB: ${lambda.zipBytes < STARTUP_TARGETS.lambdaZipBytes ? "met" : "MISSED"})`;
  return renderTable("3a. Bundle size", rows, [
    "zip: the dist/ folder deflated (zlib level 6) as `aws cloudformation package` zips a Code: folder.",
    verdict,
  ]);
}

export function renderStartup(results: readonly StartupResult[], lambda: LambdaLoad | undefined): string {
  const aws = results.find((r) => r.name.startsWith("aws "));
  const rows: string[][] = [["process", "runs", "to first request ms", "vs AWS CLI", "to exit ms", "vs AWS CLI"]];
  for (const r of results) {
    if (r.skipped !== undefined || r.firstRequestMs === undefined || r.exitMs === undefined) {
      rows.push([r.name, "0", "-", "-", "-", `skipped: ${r.skipped ?? "no data"}`]);
      continue;
    }
    rows.push([
      r.name,
      String(r.runs),
      formatMs(r.firstRequestMs),
      aws?.firstRequestMs === undefined ? "-" : formatRatio(r.firstRequestMs / aws.firstRequestMs),
      formatMs(r.exitMs),
      aws?.exitMs === undefined ? "-" : formatRatio(r.exitMs / aws.exitMs),
    ]);
  }
  const action = results.find((r) => r.name.startsWith("GitHub Action"));
  const notes = [
    "Medians; each process is spawned with the same clean environment (fake credentials, no AWS config) and sends",
    "one CreateInvalidation for /a to a node:http endpoint on 127.0.0.1 that timestamps it. One warm-up run each",
    "first, then the contenders interleaved. The AWS CLI is started through its real entry point, not pyenv's shim.",
  ];
  if (action?.firstRequestMs !== undefined && aws?.firstRequestMs !== undefined) {
    const ratio = action.firstRequestMs / aws.firstRequestMs;
    notes.push(
      `target: action reaches its first request in ${formatRatio(ratio)} the AWS CLI's time (< 0.50x: ${ratio < STARTUP_TARGETS.actionVsAwsCli ? "met" : "MISSED"})`,
    );
  } else notes.push("target (action < half the AWS CLI's time): not measured in this run");
  let out = renderTable("3b. Start-up: process start to first request", rows, notes);
  const lambdaRows: string[][] = [["measure", "runs", "median ms"]];
  if (lambda === undefined) lambdaRows.push(["Lambda dist/index.js", "0", "skipped: not built"]);
  else {
    lambdaRows.push(["import of dist/index.js (in a fresh process)", String(lambda.runs), formatMs(lambda.importMs)]);
    lambdaRows.push(["whole process: node start + import + exit", String(lambda.runs), formatMs(lambda.processMs)]);
    lambdaRows.push(['bare `node -e ""` for reference', String(lambda.runs), formatMs(lambda.bareNodeMs)]);
  }
  out += `\n${renderTable("3c. Lambda module load (cold start share of our code)", lambdaRows)}`;
  return out;
}
