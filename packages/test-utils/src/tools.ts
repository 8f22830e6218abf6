import { spawnSync } from "node:child_process";

/** Whether `tool` is on PATH. */
export function onPath(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0;
}

/**
 * Checks that a tool a test needs is installed. Under `CI=true` a missing tool fails (throws with
 * what to install); elsewhere the test is skipped and the reason printed. Use with `describe.skipIf`.
 */
export function hasTool(tool: string, installHint: string): boolean {
  if (onPath(tool)) return true;
  const message = `${tool} is not on PATH; install it with: ${installHint}`;
  if (process.env.CI === "true") throw new Error(message);
  console.warn(`skipping: ${message}`);
  return false;
}

export const MOTO_HINT = 'pip install "moto[server]"';
export const hasMoto = (): boolean => hasTool("moto_server", MOTO_HINT);
