#!/usr/bin/env node
// The bin: wires the process to `main`. The version is read from package.json at build time
// (ncc inlines the JSON), so the bundle needs no package.json beside it.
import packageJson from "../package.json" with { type: "json" };
import { defaultDeps, main } from "./main.js";

process.exitCode = await main(process.argv.slice(2), defaultDeps(packageJson.version));
