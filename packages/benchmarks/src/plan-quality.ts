import { buildPlan, CLOUDFRONT_LIMITS, keysToPaths, planInvalidation, splitIntoBatches } from "invalidation-core";
import type { Deploy } from "./sites.js";
import { formatInt, formatPercent } from "./stats.js";
import { renderTable } from "./table.js";

/**
 * Budgets our planner is run at, up to the 3,000 paths CloudFront allows in progress: 30 is the
 * default (30 deploys x 30 paths fit the free 1,000).
 */
export const BUDGETS = [15, 30, 100, 1000, 3000] as const;

/** CloudFront bills nothing for the first 1,000 paths a month per account. */
const FREE_PATHS_PER_MONTH = 1000;

/** The popular deploy tools' rule: individual paths up to this many changed files, `/*` beyond. */
export const TOOL_RULE_THRESHOLD = 8;

export interface StrategyResult {
  readonly strategy: string;
  /** Paths CloudFront bills (a wildcard counts as one). */
  readonly billed: number;
  /** Site paths (URLs the cache can hold) that did not change but that the plan invalidates. */
  readonly unchangedHit: number;
  /** unchangedHit over every unchanged site path: the share of the still-valid cache thrown away. */
  readonly unchangedShare: number;
  /** CreateInvalidation calls: batches within CloudFront's in-progress limits. */
  readonly calls: number;
  /** Waits for earlier batches to complete before the next may start (3,000 file paths in progress). */
  readonly waits: number;
  /** Changed paths the plan does not cover: stale content left in the cache. Must be 0. */
  readonly missed: number;
  /** For our plans: the fewest unchanged site paths any plan within the budget can hit (paths free, urlsPerPath 0). */
  readonly leastHit?: number;
}

export interface DeployResult {
  readonly deploy: Deploy;
  readonly sitePathCount: number;
  readonly changedPathCount: number;
  readonly results: readonly StrategyResult[];
}

/**
 * Whether a path is covered by one of `patterns`, by CloudFront's matching: a trailing `*` matches
 * every path that starts with what precedes it, anything else only itself. Measured here
 * independently of the planner, and as plainly as the rule reads, so that a planner bug shows up as
 * a miss rather than being trusted.
 */
export function coveredBy(patterns: readonly string[]): (path: string) => boolean {
  const exact = new Set<string>();
  const prefixes = new Set<string>();
  for (const pattern of patterns) {
    if (pattern.endsWith("*")) prefixes.add(pattern.slice(0, -1));
    else exact.add(pattern);
  }
  // A path starts with a prefix only if its first prefix.length characters are it: trying the few
  // lengths the wildcards have is enough, rather than every length of every path.
  const lengths = [...new Set([...prefixes].map((prefix) => prefix.length))];
  return (path) =>
    exact.has(path) || lengths.some((length) => length <= path.length && prefixes.has(path.slice(0, length)));
}

function evaluate(
  strategy: string,
  patterns: readonly string[],
  sitePaths: readonly string[],
  changed: ReadonlySet<string>,
  unchangedTotal: number,
): StrategyResult {
  const covered = coveredBy(patterns);
  let unchangedHit = 0;
  for (const path of sitePaths) if (covered(path) && !changed.has(path)) unchangedHit++;
  let missed = 0;
  for (const path of changed) if (!covered(path)) missed++;
  const batches = splitIntoBatches(patterns, CLOUDFRONT_LIMITS);
  return {
    strategy,
    billed: patterns.length,
    unchangedHit,
    unchangedShare: unchangedTotal === 0 ? 0 : unchangedHit / unchangedTotal,
    calls: batches.length,
    // Every batch after the first holds paths that only fit once the earlier ones have completed.
    waits: Math.max(0, batches.length - 1),
    missed,
  };
}

/** A deploy's scoring: the cache's contents and the true changes, to score any plan against. */
export interface DeployScoring {
  /** Every URL the site serves after the deploy, directory forms included, sorted. */
  readonly sitePaths: readonly string[];
  /** One path per changed file (directory forms included): the true changes. */
  readonly perFile: readonly string[];
  /** Scores one plan's paths against the true changes. */
  score(strategy: string, patterns: readonly string[]): StrategyResult;
}

/** Scores plans for `deploy` against its true changes (the generator's content diff). */
export function scoreAgainst(deploy: Deploy): DeployScoring {
  // The cache's contents: every URL the site serves, directory forms included (`/a/`, `/a`, `/a/index.html`).
  const sitePaths = [...keysToPaths(deploy.siteKeys).paths].sort();
  // One path per changed file, directory forms included: what a careful user would have to list.
  const perFile = keysToPaths([...deploy.uploaded, ...deploy.deleted]).paths;
  const changed = new Set(perFile);
  let unchangedTotal = 0;
  for (const path of sitePaths) if (!changed.has(path)) unchangedTotal++;
  return {
    sitePaths,
    perFile,
    score: (strategy, patterns) => evaluate(strategy, patterns, sitePaths, changed, unchangedTotal),
  };
}

/** Runs every strategy on one deploy. */
export function measureDeploy(deploy: Deploy): DeployResult {
  const { sitePaths, perFile, score: run } = scoreAgainst(deploy);

  const results: StrategyResult[] = [];
  for (const budget of BUDGETS) {
    // As an adapter calls the core: the sync log, the synced folder's listing, index documents on.
    const outcome = buildPlan({ changes: deploy.syncLog, siteKeys: deploy.siteKeys, maxPaths: budget });
    // The exact optimum of cache kept when paths cost nothing: what the default price of a path gives up.
    const least = planInvalidation(perFile, { maxPaths: budget, sitePaths, urlsPerPath: 0, distinctPaths: true });
    results.push({
      ...run(`ours, max ${budget}${budget === 30 ? " (default)" : ""}`, outcome.plan.paths),
      leastHit: least.unchangedHit!,
    });
  }
  // Issue #9's case: a fresh CI build gives every file a new mtime, so `aws s3 sync` uploads (and logs) all of them.
  const freshLog = `${[...deploy.siteKeys.map((key) => `upload: public/${key} to s3://example-site/${key}`), ...deploy.syncLog.split("\n").filter((line) => line.startsWith("delete: "))].join("\n")}\n`;
  const fresh = buildPlan({ changes: freshLog, siteKeys: deploy.siteKeys, maxPaths: 30 });
  results.push(run("ours, max 30, fresh-build sync log", fresh.plan.paths));
  results.push(run("/* (original setup)", ["/*"]));
  results.push(run("one path per changed file", perFile));
  const changedFiles = deploy.uploaded.length + deploy.deleted.length;
  results.push(
    run(
      `tools' rule (<= ${TOOL_RULE_THRESHOLD} files, else /*)`,
      changedFiles <= TOOL_RULE_THRESHOLD ? perFile : ["/*"],
    ),
  );
  return { deploy, sitePathCount: sitePaths.length, changedPathCount: perFile.length, results };
}

export function renderPlanQuality(measured: readonly DeployResult[]): string {
  const rows: string[][] = [
    [
      "deploy",
      "strategy",
      "paths billed",
      "free deploys/mo",
      "unchanged invalidated",
      "least (paths free)",
      "of unchanged cache",
      "API calls",
      "missed",
    ],
  ];
  for (const { deploy, sitePathCount, changedPathCount, results } of measured) {
    const files = deploy.uploaded.length + deploy.deleted.length;
    const title = `${deploy.site}: ${deploy.scenario}`;
    const detail = `${formatInt(files)} files changed, ${formatInt(changedPathCount)} paths; site ${formatInt(sitePathCount)} paths`;
    results.forEach((result, i) => {
      rows.push([
        i === 0 ? title : i === 1 ? `  ${detail}` : "",
        result.strategy,
        formatInt(result.billed),
        formatInt(Math.floor(FREE_PATHS_PER_MONTH / result.billed)),
        formatInt(result.unchangedHit),
        result.leastHit === undefined ? "" : formatInt(result.leastHit),
        formatPercent(result.unchangedShare),
        result.waits > 0 ? `${result.calls} (${result.waits} waits)` : String(result.calls),
        String(result.missed),
      ]);
    });
  }
  return renderTable("1. Plan quality on realistic deploys", rows, [
    "paths billed: what CloudFront bills (a wildcard counts as one); free deploys/mo: how many such deploys fit the",
    "  1,000 free paths a month (per account, all distributions together), USD 0.005 a path beyond.",
    "unchanged invalidated: site paths (URLs, directory forms included) that did not change but are invalidated;",
    "  'of unchanged cache' is their share of all unchanged site paths (/* = 100%).",
    "least (paths free): the fewest unchanged paths any plan within the budget and 15 wildcards invalidates (the exact",
    "  optimum with urlsPerPath 0); ours spends a path only where it keeps at least one more URL cached (the default).",
    "API calls: CreateInvalidation batches; a wait means the next batch must wait for the earlier ones to complete",
    "  (at most 3,000 file paths and 15 wildcards in progress per distribution; typically minutes each).",
    "missed: changed paths the plan leaves stale (must be 0).",
    "fresh-build sync log: the same deploy when CI rebuilt the site, so `aws s3 sync` uploads every file (new mtimes).",
  ]);
}
