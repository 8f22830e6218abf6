import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { spawnMoto } from "./moto-process.js";
import { hasTool } from "./tools.ts";

/** Fixed fake credentials for every emulator run; also what the log-scanning tests search for. */
export const TEST_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: "AKIATESTMOTO0000KEY1",
  AWS_SECRET_ACCESS_KEY: "testSecretKeyForMotoOnlyDoNotUse0000000",
  AWS_SESSION_TOKEN: "testSessionTokenForMotoOnly0000000000",
} as const;

export interface MotoServer {
  readonly endpoint: string;
  readonly port: number;
  /** Environment for a child process (SDK or AWS CLI) that should talk to this server. */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts `moto_server` on a free loopback port (sure the port is its own) and waits until it answers. */
export async function startMoto(): Promise<MotoServer> {
  const { endpoint, port, stop } = await spawnMoto();
  return {
    endpoint,
    port,
    env: {
      ...TEST_CREDENTIALS,
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_ENDPOINT_URL: endpoint,
      AWS_EC2_METADATA_DISABLED: "true",
    },
    stop,
  };
}

/** Resets all of moto's state (between tests sharing one server). */
export async function resetMoto(server: MotoServer): Promise<void> {
  await fetch(`${server.endpoint}/moto-api/reset`, { method: "POST" });
}

export interface AwsCliOptions {
  /** A folder of the test's own: HOME, and where the (absent) AWS config and credentials files are looked for. */
  readonly home: string;
  /** An AWS CLI config file to use (e.g. `multipart_chunksize`); default: none. */
  readonly configFile?: string;
  readonly env?: Record<string, string>;
}

/** The AWS CLI installed for the tests. */
export const AWS_CLI_HINT = "pip install awscli (AWS CLI v1 honours AWS_ENDPOINT_URL)";
export const hasAwsCli = (): boolean => hasTool("aws", AWS_CLI_HINT);

/**
 * Runs the real AWS CLI against `server`, isolated from the machine's `~/.aws` and AWS_PROFILE, so
 * what it uploads (and the ETags S3 computes) is exactly what a user's sync would produce. Throws
 * with the CLI's stderr when it fails; returns its stdout.
 */
export function runAwsCli(server: MotoServer, args: readonly string[], options: AwsCliOptions): string {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: options.home,
    ...server.env,
    AWS_CONFIG_FILE: options.configFile ?? join(options.home, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(options.home, "no-aws-credentials"),
    ...options.env,
  };
  const result = spawnSync("aws", [...args], { encoding: "utf8", env, timeout: 60_000 });
  if (result.status !== 0) throw new Error(`aws ${args.join(" ")} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}
