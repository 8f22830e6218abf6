// The npm package as a user gets it: `npm pack` of this folder, installed from the tarball into an
// empty project with no registry access (the bundle has no dependencies to fetch), then the
// installed `cf-invalidate` command run through its bin link, shebang and all.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PACKAGE_DIR } from "./run-cli.ts";

const exec = promisify(execFile);

interface PackResult {
  readonly filename: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: readonly { readonly path: string }[];
}

const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")) as {
  readonly name: string;
  readonly version: string;
};

describe("the cf-invalidate npm package", () => {
  let work: string;
  let pack: PackResult;
  let installed: string;
  let bin: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "cf-invalidate-pack-"));
    // --ignore-scripts: the package has no pack scripts, and a test must not build behind our back.
    const { stdout } = await exec("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], {
      cwd: PACKAGE_DIR,
    });
    [pack] = JSON.parse(stdout) as [PackResult];

    const project = join(work, "project");
    await mkdir(project);
    await writeFile(join(project, "package.json"), '{ "private": true }\n');
    // --offline: nothing may come from the registry. A dependency in the packed manifest fails here.
    await exec("npm", ["install", "--offline", "--no-audit", "--no-fund", join(work, pack.filename)], {
      cwd: project,
    });
    installed = join(project, "node_modules", manifest.name);
    bin = join(project, "node_modules", ".bin", "cf-invalidate");
  }, 120_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  }, 30_000);

  it("holds the bundle, its licence texts, the licence and the README, and nothing else", () => {
    expect(pack.files.map((file) => file.path).sort()).toEqual([
      "LICENSE",
      "README.md",
      "dist/THIRD-PARTY-LICENSES.txt",
      "dist/index.js",
      "dist/package.json",
      "package.json",
    ]);
    // The bundle is about 1 MB, minified; a few MB more would mean something unintended got in.
    expect(pack.unpackedSize).toBeLessThan(3_000_000);
  });

  it("declares no dependencies, the bin, engines and the repository", async () => {
    const packed = JSON.parse(await readFile(join(installed, "package.json"), "utf8"));
    expect(packed.name).toBe("cf-invalidate");
    expect(packed.private).toBeUndefined();
    expect(packed.dependencies ?? {}).toEqual({});
    expect(packed.bin).toEqual({ "cf-invalidate": "dist/index.js" });
    expect(packed.engines.node).toMatch(/^>=\d+\.\d+\.\d+$/);
    expect(packed.repository.url).toContain("github.com/cloudfront-invalidate/cloudfront-invalidate");
    expect(packed.license).toBe("MIT");
  });

  it("ships the repository's licence (packages/cli/LICENSE is a copy npm can pack)", async () => {
    const licence = await readFile(join(installed, "LICENSE"), "utf8");
    expect(licence).toBe(await readFile(join(PACKAGE_DIR, "..", "..", "LICENSE"), "utf8"));
  });

  it("ships the licence texts of the AWS SDK it bundles", async () => {
    const licences = await readFile(join(installed, "dist", "THIRD-PARTY-LICENSES.txt"), "utf8");
    expect(licences).toContain("@aws-sdk/client-cloudfront@");
    expect(licences).toContain("Apache License");
  });

  it("installs a cf-invalidate command that prints the package's version", async () => {
    const { stdout } = await exec(bin, ["--version"], { cwd: work });
    expect(stdout.trim()).toBe(manifest.version);
  });

  it("installs a cf-invalidate command whose --help shows the usage and exits 0", async () => {
    const { stdout } = await exec(bin, ["--help"], { cwd: work });
    expect(stdout).toContain("cf-invalidate --distribution-id");
    expect(stdout).toContain("cf-invalidate diff");
  });
});
