import type { InvalidationPlan } from "./plan.js";

/** CloudFront bills nothing for the first 1,000 invalidation paths a month, per AWS account. */
export const FREE_PATHS_PER_MONTH = 1000;
/** USD per invalidation path beyond the free ones (a wildcard counts as one path). */
export const USD_PER_PATH = 0.005;

/** What a plan costs and what it keeps cached, against the two plans a user would otherwise send. */
export interface PlanCost {
  /** Paths CloudFront bills for the plan (a wildcard counts as one). */
  readonly pathsBilled: number;
  /** USD the plan costs beyond the month's free paths, given the paths already billed this month. */
  readonly usd: number;
  /** How many deploys like this one fit the 1,000 free paths a month. */
  readonly freeDeploysPerMonth: number;
  /** Against one path per changed file: the paths it bills, what they cost, and the paths the plan saves. */
  readonly perFile: { readonly pathsBilled: number; readonly usd: number; readonly pathsSaved: number };
  /**
   * With a site listing: `vsEverything`, the unchanged URLs the plan keeps cached that `/*` would
   * invalidate; `lostVsPerFile`, those it invalidates that one path per file would keep (its
   * `unchangedHit`), the price of the `perFile.pathsSaved` paths it saves.
   */
  readonly keptWarm?: { readonly vsEverything: number; readonly lostVsPerFile: number };
}

/**
 * Reports what a plan costs (paths billed, USD beyond CloudFront's free 1,000 paths a month at USD
 * 0.005 a path) and what it saves against `/*` and against one path per changed file. Pure: the
 * plan carries the counts it needs (`changedPathCount`, and with a site listing `unchangedHit` and
 * `unchangedSitePathCount`).
 *
 * @param pathsBilledThisMonth paths the account was already billed for this month, all distributions
 *   together (default 0: the free paths are all left).
 * @example
 * const plan = planInvalidation(changed, { maxPaths: 30, sitePaths });
 * planCost(plan, 990);
 * // → { pathsBilled: 14, usd: 0.02, freeDeploysPerMonth: 71,
 * //     perFile: { pathsBilled: 1037, usd: 5.135, pathsSaved: 1023 },
 * //     keptWarm: { vsEverything: 11683, lostVsPerFile: 0 } }
 */
export function planCost(plan: InvalidationPlan, pathsBilledThisMonth = 0): PlanCost {
  const changed = plan.changedPathCount ?? plan.pathCount;
  const usdFor = (paths: number) =>
    roundUsd(
      (Math.max(0, pathsBilledThisMonth + paths - FREE_PATHS_PER_MONTH) -
        Math.max(0, pathsBilledThisMonth - FREE_PATHS_PER_MONTH)) *
        USD_PER_PATH,
    );
  const { unchangedHit, unchangedSitePathCount } = plan;
  return {
    pathsBilled: plan.pathCount,
    usd: usdFor(plan.pathCount),
    freeDeploysPerMonth:
      plan.pathCount === 0 ? Number.POSITIVE_INFINITY : Math.floor(FREE_PATHS_PER_MONTH / plan.pathCount),
    perFile: { pathsBilled: changed, usd: usdFor(changed), pathsSaved: changed - plan.pathCount },
    ...(unchangedHit === undefined || unchangedSitePathCount === undefined
      ? {}
      : { keptWarm: { vsEverything: unchangedSitePathCount - unchangedHit, lostVsPerFile: unchangedHit } }),
  };
}

/** To a tenth of a cent, so that sums of 0.005 read as money, not as floating-point noise. */
function roundUsd(usd: number): number {
  return Math.round(usd * 1000) / 1000;
}
