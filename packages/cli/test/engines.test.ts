// package.json's engines.node tells npm users the oldest Node the CLI runs on. This runs the bundle
// on exactly that version and compares it with the current Node, so a newer API in the code (or a
// dependency's) makes this fail instead of breaking users: raise the floor or avoid the API.
// .ci/run installs that Node from the npm registry (bash .ci/install-node.sh X.Y.Z) and passes it
// in CF_INVALIDATE_FLOOR_NODE.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { BUNDLE, FIXTURES, PACKAGE_DIR } from "./run-cli.ts";

const exec = promisify(execFile);
const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")) as {
  readonly version: string;
  readonly engines: { readonly node: string };
};
const floor = /^>=\s*(\d+\.\d+\.\d+)$/.exec(manifest.engines.node)?.[1];
const floorNode = process.env.CF_INVALIDATE_FLOOR_NODE ?? "";
const missing = floorNode
  ? ""
  : `CF_INVALIDATE_FLOOR_NODE is not set: install Node ${floor} with \`bash .ci/install-node.sh ${floor}\` and set it to that node binary (.ci/run does both)`;
if (missing && process.env.CI !== "true") console.warn(`skipping the engines test: ${missing}`);

/** Runs the bundle on `node` the way a user's shell would: no AWS settings, no network needed. */
async function cli(node: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(node, [BUNDLE, ...args], {
      cwd: FIXTURES,
      env: { PATH: process.env.PATH ?? "", HOME: "/nonexistent-home-for-cli-tests", AWS_EC2_METADATA_DISABLED: "true" },
      timeout: 50_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describe("engines.node", () => {
  it("is a plain lower bound (>=X.Y.Z) that npm and this test can read", () => {
    expect(floor).toBeDefined();
  });

  describe.skipIf(missing !== "" && process.env.CI !== "true")(`the bundle on Node ${floor}`, () => {
    it("is that exact version", async () => {
      expect(missing).toBe("");
      const { stdout } = await exec(floorNode, ["--version"]);
      expect(stdout.trim()).toBe(`v${floor}`);
    });

    it.each([
      ["--version", ["--version"]],
      ["--help", ["--help"]],
      [
        "a dry run of a sync log over a site folder, planned within a small budget",
        [
          "--dry-run",
          "--json",
          "--sync-log",
          "sync-sample.log",
          "--s3-prefix",
          "site",
          "--site-dir",
          "site",
          "--max-paths",
          "3",
        ],
      ],
      ["a dry run of a paths file", ["--dry-run", "--json", "--paths-file", "paths.txt"]],
      ["bad usage (exit 2)", ["--max-paths", "many"]],
    ])("gives the same as the current Node for %s", async (_name, args) => {
      expect(missing).toBe("");
      const [onFloor, onCurrent] = await Promise.all([cli(floorNode, args), cli(process.execPath, args)]);
      expect(onFloor.stderr).toBe(onCurrent.stderr);
      expect(onFloor).toEqual(onCurrent);
    });
  });
});
