// Runs the bundled dist/ the way the Lambda runtime does: a separate Node process imports
// dist/index.js as ESM and awaits handler(event), with only the environment the test gives it.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runNode } from "test-utils";

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

export async function invokeBundle(event: unknown, env: Record<string, string>): Promise<Invocation> {
  const run = await runNode(["--input-type=module", "-e", RUNTIME], {
    // Only what the Lambda runtime would set: no inherited AWS settings from this machine.
    env: {
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      HANDLER_FILE: bundle,
      HANDLER_EVENT: JSON.stringify(event),
      ...env,
    },
  });
  const line = run.stdout.split("\n").find((l) => l.startsWith("HANDLER_RESULT "));
  return { result: line ? JSON.parse(line.slice("HANDLER_RESULT ".length)) : undefined, ...run };
}
