import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type NodeRun, runNode } from "test-utils";

export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
export const BUNDLE = join(PACKAGE_DIR, "dist", "index.js");
export const FIXTURES = join(PACKAGE_DIR, "test", "fixtures");
export const CORE_FIXTURES = join(PACKAGE_DIR, "..", "invalidation-core", "test", "fixtures");

export type CliRun = NodeRun;

export interface RunOptions {
  /** Added to a clean environment: the developer's own AWS settings must not leak into a test. */
  readonly env?: Record<string, string>;
  readonly stdin?: string;
  readonly cwd?: string;
  /** Another script to run instead of the bundle (a copy of it). */
  readonly script?: string;
  readonly timeoutMs?: number;
}

/** Runs the bundled CLI as a process, the way a CI job does, and collects its output. */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  return runNode([options.script ?? BUNDLE, ...args], {
    cwd: options.cwd ?? PACKAGE_DIR,
    env: {
      // No shared ~/.aws: a dry run must not need it, and a real run gets only what the test gives.
      HOME: "/nonexistent-home-for-cli-tests",
      AWS_CONFIG_FILE: "/nonexistent-aws-config",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent-aws-credentials",
      AWS_EC2_METADATA_DISABLED: "true",
      ...options.env,
    },
    // Always a pipe, closed at once when the test has nothing to say: `--changes -` sees an end.
    stdin: options.stdin ?? "",
    // Below the 60 s test timeout, so a stuck run fails with its output rather than a vitest timeout;
    // a process test takes up to ~25 s on a loaded 2-core machine.
    timeoutMs: options.timeoutMs ?? 50_000,
  });
}

export interface SpawnOptions {
  readonly env?: Record<string, string>;
  /** Piped to stdin as bytes (a UTF-16 or Windows-1252 log); runCli's `stdin` is text only. */
  readonly stdin?: Uint8Array;
  /** Close the reading end of stdout after its first chunk, as `cf-invalidate ... | head -1` does. */
  readonly closeStdoutEarly?: boolean;
}

/** The bundle as a process, for what runCli cannot do: bytes on stdin, a reader that goes away. */
export function spawnCli(args: readonly string[], options: SpawnOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BUNDLE, ...args], {
      cwd: PACKAGE_DIR,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: "/nonexistent-home-for-cli-tests",
        AWS_EC2_METADATA_DISABLED: "true",
        ...options.env,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (options.closeStdoutEarly) child.stdout.destroy();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(options.stdin ?? new Uint8Array());
  });
}
