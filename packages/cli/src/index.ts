#!/usr/bin/env node
// The bin: wires the process to `main`. The version is read from package.json at build time
// (ncc inlines the JSON), so the bundle needs no package.json beside it.
import packageJson from "../package.json" with { type: "json" };
import { defaultDeps, main } from "./main.js";

// A reader that went away (`cf-invalidate ... | head -1`) is no failure of the run: stop writing to
// that stream and let the work end with its own exit code, instead of dying on an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") process.exitCode = 1;
    stream.write = () => true;
  });
}

process.exitCode = (await main(process.argv.slice(2), defaultDeps(packageJson.version))) || process.exitCode;
