import { spawn } from "node:child_process";

export interface NodeRun {
  /** The exit code; null when the process was killed by a signal (e.g. at `timeoutMs`). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface NodeRunOptions {
  /**
   * The child's whole environment besides PATH: nothing else is inherited, so the machine's own
   * AWS settings (profiles, ~/.aws, credentials in the environment) cannot leak into a test.
   */
  readonly env?: Record<string, string>;
  /** Working directory; default: this process's. */
  readonly cwd?: string;
  /** Written to the child's stdin, which is then closed. Without it stdin is /dev/null. */
  readonly stdin?: string;
  /** SIGKILL the child after this long (its `code` is then null). Default: no limit. */
  readonly timeoutMs?: number;
}

/**
 * Spawns this Node binary with `args` (a script or `-e` code, then its arguments), the way a host
 * runs a bundle as a process of its own, and collects its output until it has exited and closed
 * its streams. Rejects only when the process cannot be started.
 *
 * @example const run = await runNode([bundle, "--help"], { env: { AWS_REGION: "eu-west-1" } });
 */
export function runNode(args: readonly string[], options: NodeRunOptions = {}): Promise<NodeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args], {
      cwd: options.cwd ?? process.cwd(),
      env: { PATH: process.env.PATH ?? "", ...options.env },
      stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer =
      options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  });
}
