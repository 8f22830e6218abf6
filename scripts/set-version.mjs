#!/usr/bin/env node
// Usage: node scripts/set-version.mjs X.Y.Z
//
// One version for the three deliverables: sets it in the CLI's, the action's and the Lambda's
// package.json and in the Lambda template's SemanticVersion (Serverless Application Repository).
// Then rebuild (the CLI bundle prints its version) and commit, as RELEASING.md says.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const version = process.argv[2] ?? "";
if (!/^\d+\.\d+\.\d+$/.test(version)) {
  console.error(`usage: node scripts/set-version.mjs X.Y.Z (got ${JSON.stringify(version)})`);
  process.exit(2);
}

for (const pkg of ["cli", "github-action", "codepipeline-lambda"]) {
  const path = join(ROOT, "packages", pkg, "package.json");
  const text = readFileSync(path, "utf8");
  // Only the version line changes: the rest of the file (and its formatting) stays as it is.
  const updated = text.replace(/^( {2}"version": )"[^"]*"/m, `$1"${version}"`);
  if (updated === text && !text.includes(`"version": "${version}"`)) throw new Error(`no version in ${path}`);
  writeFileSync(path, updated);
}

const template = join(ROOT, "packages/codepipeline-lambda/template.yaml");
const text = readFileSync(template, "utf8");
const updated = text.replace(/^( {4}SemanticVersion: )\S+$/m, `$1${version}`);
if (!/^ {4}SemanticVersion: /m.test(text)) throw new Error(`no SemanticVersion in ${template}`);
writeFileSync(template, updated);

console.log(`set-version: ${version}. Now: pnpm turbo run build, commit, tag v${version} (see RELEASING.md).`);
