import { spawn } from "node:child_process";

export interface ProcessRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMs: number;
  /**
   * From the first byte of output to the exit. The adapters print the plan before any AWS call,
   * so this leaves out Node's start-up (0.3 s idle, seconds on a loaded machine) and measures the
   * work that the deadline bounds. Equal to wallMs when nothing was printed before the end.
   */
  readonly workMs: number;
}

/**
 * Every byte any spawned process wrote, per test file (vitest runs each file in its own worker):
 * the credential scan reads it.
 */
export const capturedLogs: string[] = [];

/** Spawns `node script args` with exactly `env` (nothing inherited but PATH), and collects its output. */
export function runNode(
  script: readonly string[],
  env: Record<string, string>,
  options: { cwd?: string; stdin?: string | Uint8Array; timeoutMs?: number } = {},
): Promise<ProcessRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, script, {
      cwd: options.cwd ?? process.cwd(),
      env: {
        PATH: process.env.PATH ?? "",
        HOME: "/nonexistent-home-for-reliability",
        AWS_CONFIG_FILE: "/nonexistent-aws-config",
        AWS_SHARED_CREDENTIALS_FILE: "/nonexistent-aws-credentials",
        AWS_EC2_METADATA_DISABLED: "true",
        ...env,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let firstOutput: number | undefined;
    child.stdout.on("data", (chunk: Buffer) => {
      firstOutput ??= Date.now();
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      // Node's own warnings are printed at start-up, before the adapter runs: not a sign of work.
      if (!chunk.toString().includes("NodeVersionSupportWarning")) firstOutput ??= Date.now();
      stderr += chunk.toString();
    });
    // A hang is a finding, not a stuck test run: kill it and let the wall-time assertion fail.
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      capturedLogs.push(stdout, stderr);
      const ended = Date.now();
      resolve({ code, stdout, stderr, wallMs: ended - started, workMs: ended - (firstOutput ?? started) });
    });
    child.stdin.end(options.stdin ?? "");
  });
}

/** Runs `tasks` with at most `limit` in flight, results in order. */
export async function pool<T>(limit: number, tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** Lines of a stack trace (`    at fn (file:1:2)`). A user-facing message must not be only these. */
export const STACK_LINE = /^\s+at .+/m;
