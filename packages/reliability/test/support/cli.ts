import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ProcessRun, runNode } from "./processes.ts";

export const CLI_DIST = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "cli", "dist", "index.js");

/** Runs the bundled CLI as a CI job does. */
export function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
  options: { cwd?: string; stdin?: string | Uint8Array } = {},
): Promise<ProcessRun> {
  return runNode([CLI_DIST, ...args], env, options);
}
