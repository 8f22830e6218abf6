import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { BUNDLE, PACKAGE_DIR } from "./run-cli.ts";

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/**
 * The tests drive the bundle, so it must match the sources. `turbo run test` builds first; a plain
 * `npx vitest run` rebuilds here when any source (or the core's built JS) is newer than the bundle.
 */
export default function setup(): void {
  const sources = Math.max(
    newestMtime(join(PACKAGE_DIR, "src")),
    newestMtime(join(PACKAGE_DIR, "package.json")),
    newestMtime(join(PACKAGE_DIR, "..", "invalidation-core", "dist")),
  );
  if (existsSync(BUNDLE) && statSync(BUNDLE).mtimeMs >= sources) return;
  console.log("cli: bundle is missing or stale, running `pnpm run build`");
  execFileSync("pnpm", ["run", "build"], { cwd: PACKAGE_DIR, stdio: "inherit" });
}
