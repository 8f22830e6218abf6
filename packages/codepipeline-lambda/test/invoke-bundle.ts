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
  /** How long the handler itself took (from its call to its return). */
  readonly handlerMs: number | undefined;
}

// The runtime's way: import the file as a module, call the exported async handler.
// With HANDLER_TIMEOUT_MS, the context counts down from the call as Lambda's does, and the handler's
// own duration is printed (HANDLER_MS) so a test can hold it to that time.
const RUNTIME = `
const { pathToFileURL } = await import("node:url");
const mod = await import(pathToFileURL(process.env.HANDLER_FILE).href);
const start = Date.now();
const timeout = Number(process.env.HANDLER_TIMEOUT_MS || 0);
const context = { functionName: "e2e", ...(timeout > 0 ? { getRemainingTimeInMillis: () => start + timeout - Date.now() } : {}) };
const result = await mod.handler(JSON.parse(process.env.HANDLER_EVENT), context);
process.stderr.write("HANDLER_MS " + (Date.now() - start) + "\\n");
process.stdout.write("HANDLER_RESULT " + JSON.stringify(result) + "\\n");
process.exit(0);
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
  const ms = run.stderr.split("\n").find((l) => l.startsWith("HANDLER_MS "));
  return {
    result: line ? JSON.parse(line.slice("HANDLER_RESULT ".length)) : undefined,
    handlerMs: ms ? Number(ms.slice("HANDLER_MS ".length)) : undefined,
    ...run,
  };
}
