// Runs the bundled dist/ the way the Lambda runtime does: a separate Node process imports
// dist/index.js as ESM and awaits handler(event), with only the environment the test gives it.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
export const bundle = join(packageDir, "dist", "index.js");

export interface Invocation {
  readonly result: unknown;
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
}

// The runtime's way: import the file as a module, call the exported async handler.
const RUNTIME = `
const { pathToFileURL } = await import("node:url");
const mod = await import(pathToFileURL(process.env.HANDLER_FILE).href);
const result = await mod.handler(JSON.parse(process.env.HANDLER_EVENT), { functionName: "e2e" });
process.stdout.write("HANDLER_RESULT " + JSON.stringify(result) + "\\n");
`;

export function invokeBundle(event: unknown, env: Record<string, string>): Promise<Invocation> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", RUNTIME], {
      // Only what the Lambda runtime would set: no inherited AWS settings from this machine.
      env: {
        PATH: process.env.PATH ?? "",
        AWS_CONFIG_FILE: "/dev/null",
        AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
        HANDLER_FILE: bundle,
        HANDLER_EVENT: JSON.stringify(event),
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
    child.on("error", reject);
    child.on("close", (code) => {
      const line = stdout.split("\n").find((l) => l.startsWith("HANDLER_RESULT "));
      resolve({ result: line ? JSON.parse(line.slice("HANDLER_RESULT ".length)) : undefined, stdout, stderr, code });
    });
  });
}
