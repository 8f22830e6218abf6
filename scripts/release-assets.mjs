#!/usr/bin/env node
// Usage: node scripts/release-assets.mjs [OUT_DIR]   (default: release/)
//
// Writes what a GitHub release carries, from the committed bundles (run `pnpm turbo build` first):
//   cf-invalidate-V.mjs                            the CLI, one file that runs with node alone
//   cf-invalidate-V-THIRD-PARTY-LICENSES.txt       the licences of what it bundles
//   codepipeline-lambda-V.zip                      the Lambda's code: dist/ at the root, and LICENSE
//   codepipeline-lambda-V.template.yaml            the template, its Code pointing at that zip
//   SHA256SUMS                                     `sha256sum --check` format, for all of the above
// V is the one version of the three deliverables; the script refuses to run when the packages and
// the template disagree on it. The zip is byte-for-byte reproducible: fixed dates, sorted entries.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { crc32, deflateRawSync } from "node:zlib";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = resolve(process.argv[2] ?? join(ROOT, "release"));
const fail = (message) => {
  console.error(`release-assets: ${message}`);
  process.exit(1);
};

const version = JSON.parse(readFileSync(join(ROOT, "packages/cli/package.json"), "utf8")).version;
for (const pkg of ["codepipeline-lambda", "github-action"]) {
  const other = JSON.parse(readFileSync(join(ROOT, "packages", pkg, "package.json"), "utf8")).version;
  if (other !== version) fail(`packages/${pkg} is at ${other}, the CLI at ${version}: run scripts/set-version.mjs`);
}
const template = readFileSync(join(ROOT, "packages/codepipeline-lambda/template.yaml"), "utf8");
const templateVersion = /^ {4}SemanticVersion: (\S+)$/m.exec(template)?.[1];
if (templateVersion !== version) fail(`template.yaml's SemanticVersion is ${templateVersion}, not ${version}`);

const cliDist = join(ROOT, "packages/cli/dist");
const lambdaDist = join(ROOT, "packages/codepipeline-lambda/dist");
const lambdaFiles = ["THIRD-PARTY-LICENSES.txt", "index.js", "package.json"];
for (const file of [join(cliDist, "index.js"), join(cliDist, "THIRD-PARTY-LICENSES.txt")]) {
  if (!existsSync(file)) fail(`${relative(ROOT, file)} is missing: run pnpm turbo build`);
}
for (const file of lambdaFiles) {
  if (!existsSync(join(lambdaDist, file)))
    fail(`packages/codepipeline-lambda/dist/${file} is missing: run pnpm turbo build`);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const assets = [];
const write = (name, data) => {
  writeFileSync(join(out, name), data);
  assets.push(name);
};

write(`cf-invalidate-${version}.mjs`, readFileSync(join(cliDist, "index.js")));
write(`cf-invalidate-${version}-THIRD-PARTY-LICENSES.txt`, readFileSync(join(cliDist, "THIRD-PARTY-LICENSES.txt")));

const zipName = `codepipeline-lambda-${version}.zip`;
write(
  zipName,
  zip([
    ...lambdaFiles.map((name) => ({ name, data: readFileSync(join(lambdaDist, name)) })),
    { name: "LICENSE", data: readFileSync(join(ROOT, "LICENSE")) },
  ]),
);

// The deploy template: Code is the prebuilt zip beside it, and the publishing metadata (whose
// licence and README paths point into the repository) is left out: `aws cloudformation package`
// would look for those files.
if (template.split("\n").filter((line) => line === "      Code: ./dist").length !== 1) {
  fail("template.yaml has no single `      Code: ./dist` line to point at the zip");
}
const deployTemplate = template
  .replace("      Code: ./dist", `      Code: ./${zipName}`)
  .replace(/^ {2}# For publishing to the AWS Serverless.*\n(?: {2}#.*\n)*/m, "")
  .replace(/^ {2}AWS::ServerlessRepo::Application:\n(?: {4}.*\n|\n)*/m, "");
if (deployTemplate.includes("AWS::ServerlessRepo::Application")) fail("could not drop the SAR metadata");
write(`codepipeline-lambda-${version}.template.yaml`, deployTemplate);

const sha256 = (name) =>
  createHash("sha256")
    .update(readFileSync(join(out, name)))
    .digest("hex");
const sums = assets.map((name) => `${sha256(name)}  ${name}\n`);
writeFileSync(join(out, "SHA256SUMS"), sums.join(""));
console.log(`release-assets: ${version} -> ${relative(process.cwd(), out) || "."}/`);
for (const line of sums) console.log(`  ${line.trimEnd()}`);

/**
 * A zip archive (PKZIP 2.0, deflate) of the given files at its root. Entries are sorted and dated
 * 1980-01-01, so the same files give the same bytes; each is a regular file, mode 0644, which the
 * Lambda service needs to read it.
 */
function zip(files) {
  const local = [];
  const central = [];
  let offset = 0;
  for (const { name, data } of [...files].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const nameBytes = Buffer.from(name, "utf8");
    const deflated = deflateRawSync(data, { level: 9 });
    const crc = crc32(data);
    const dosTime = 0;
    const dosDate = (0 << 9) | (1 << 5) | 1; // 1980-01-01
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4); // version needed: 2.0
    header.writeUInt16LE(0x0800, 6); // UTF-8 names
    header.writeUInt16LE(8, 8); // deflate
    header.writeUInt16LE(dosTime, 10);
    header.writeUInt16LE(dosDate, 12);
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(deflated.length, 18);
    header.writeUInt32LE(data.length, 22);
    header.writeUInt16LE(nameBytes.length, 26);
    header.writeUInt16LE(0, 28);
    local.push(header, nameBytes, deflated);

    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0 (so the mode below counts)
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(0x0800, 8);
    entry.writeUInt16LE(8, 10);
    entry.writeUInt16LE(dosTime, 12);
    entry.writeUInt16LE(dosDate, 14);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(deflated.length, 20);
    entry.writeUInt32LE(data.length, 24);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt32LE(0o100644 * 0x10000, 38); // external attributes: regular file, rw-r--r--
    entry.writeUInt32LE(offset, 42);
    central.push(entry, nameBytes);
    offset += header.length + nameBytes.length + deflated.length;
  }
  const centralSize = central.reduce((sum, part) => sum + part.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...local, ...central, end]);
}
