// `pnpm bench`: every section measured in one run, printed as one table each.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { measureEndToEnd, renderEndToEnd } from "./cli-end-to-end.js";
import { measureFreshBuilds, renderFreshBuilds } from "./fresh-build.js";
import { measureDeploy, renderPlanQuality } from "./plan-quality.js";
import { measureScale, renderScale } from "./scale.js";
import { generateDeploys, generateSitePairs } from "./sites.js";
import { measureBundles, measureStartup, REPO_ROOT, renderBundles, renderStartup } from "./startup.js";

const SECTIONS = ["plan", "fresh", "scale", "e2e", "startup"] as const;
type Section = (typeof SECTIONS)[number];

/** Sizes of the fresh-build section: every file is uploaded twice, so it keeps the sites moderate. */
const FRESH_BLOG_POSTS = 300;
const FRESH_DOCS_SCALE = 1;

const USAGE = `Usage: node packages/benchmarks/dist/run.js [--quick] [--only plan,fresh,scale,e2e,startup]
  --quick   a fast smoke run: smaller sites, sizes up to 10^5, 3 start-up runs
  --only    run only the named sections (fresh: section 1 through a real fresh-build
            aws s3 sync against moto_server; needs moto_server and aws on PATH)`;

/** Which core was measured: the commit, and whether its sources differ from it (read-only git calls). */
function coreVersion(): string {
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: REPO_ROOT,
      encoding: "utf8",
      env: { ...process.env, GIT_OPTIONAL_LOCKS: "0" },
    }).trim();
  try {
    const dirty = git("status", "--porcelain", "--", "packages/invalidation-core/src") !== "";
    return `invalidation-core at ${git("rev-parse", "--short", "HEAD")}${dirty ? " plus uncommitted changes" : ""}`;
  } catch {
    return "invalidation-core (git not available)";
  }
}

function machine(): string {
  const model =
    /^model name\s*:\s*(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpus()[0]?.model ?? "unknown";
  return `${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${cpus().length} CPUs (${model}), ${(totalmem() / 2 ** 30).toFixed(1)} GB RAM, ${process.platform}-${process.arch}, load average ${loadavg()[0]!.toFixed(1)} at start`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: "boolean" }, only: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const quick = values.quick ?? false;
  const only = (values.only ?? SECTIONS.join(",")).split(",").map((s) => s.trim());
  for (const name of only) {
    if (!SECTIONS.includes(name as Section))
      throw new Error(`--only: unknown section ${JSON.stringify(name)}\n${USAGE}`);
  }
  const wanted = (section: Section) => only.includes(section);

  process.stdout.write(`# pnpm bench${quick ? " --quick" : ""}\n\n${machine()}\n${coreVersion()}\n\n`);
  if (wanted("plan")) {
    const deploys = generateDeploys(quick ? { blogPosts: 300, docsScale: 0.25 } : { blogPosts: 3000, docsScale: 1 });
    process.stdout.write(`${renderPlanQuality(deploys.map(measureDeploy))}\n`);
  }
  if (wanted("fresh")) {
    // The blog is scaled down here: every file goes through a real upload to moto_server, twice.
    const blogPosts = quick ? 100 : FRESH_BLOG_POSTS;
    const docsScale = quick ? 0.25 : FRESH_DOCS_SCALE;
    // Issue #9 names four cases: the blog's three deploys and the docs page added.
    const pairs = generateSitePairs({ blogPosts, docsScale }).slice(0, 4);
    const note = `Sizes: blog scaled down to ${blogPosts} posts (section 1: 3,000), docs at scale ${docsScale}.`;
    process.stdout.write(`${renderFreshBuilds(await measureFreshBuilds(pairs, quick ? 1 : 5), note)}\n`);
  }
  if (wanted("scale")) {
    const sizes = quick ? [1e3, 1e4, 1e5] : [1e3, 1e4, 1e5, 1e6];
    const runs = (n: number) => (quick ? 3 : n >= 1e6 ? 3 : 7);
    process.stdout.write(`${renderScale(await measureScale(sizes, runs))}\n`);
  }
  if (wanted("e2e")) {
    const keys = quick ? 10_000 : 100_000;
    process.stdout.write(`${renderEndToEnd(await measureEndToEnd(keys, quick ? 3 : 7), keys)}\n`);
  }
  if (wanted("startup")) {
    process.stdout.write(`${renderBundles(await measureBundles())}\n`);
    const { results, lambda } = await measureStartup(quick ? 3 : 7);
    process.stdout.write(`${renderStartup(results, lambda)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
