import type { PlanOutcome } from "./build-plan.js";
import type { SendEvent } from "./cloudfront.js";
import type { FailureKind } from "./errors.js";
import type { PlanCost } from "./plan-cost.js";

/**
 * Words every adapter uses when it tells people what happened, so that the CLI, the action and
 * the Lambda say the same thing the same way.
 */

/** `1 path`, `2 paths`, `3 batches`. */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : /(ch|sh|s|x|z)$/.test(word) ? "es" : "s"}`;
}

/** How a failure of each kind is headed in logs and summaries. */
export const FAILURE_HEADLINE: Readonly<Record<FailureKind, string>> = {
  configuration: "Configuration error",
  permission: "Permission error",
  transient: "Transient error",
  timeout: "Timeout",
};

const usd = (amount: number): string => `USD ${amount.toFixed(amount < 1 ? 3 : 2)}`;
const count = (n: number): string => n.toLocaleString("en-US");

/**
 * One line on what a plan costs and saves, the same in the CLI, the action's summary and the
 * Lambda's summary: paths billed (and USD beyond the free 1,000 a month when this run alone
 * exceeds them), against one path per changed file, and with a site listing the unchanged URLs
 * kept cached against `/*`.
 *
 * @example describeCost(planCost(plan)) // "Cost: 7 paths billed (free: 142 deploys like this a month fit the 1,000 free paths); one path per file would bill 11; keeps 1,204 of 1,210 unchanged URLs cached, where /* would drop them all"
 */
export function describeCost(cost: PlanCost): string {
  const billed = `${count(cost.pathsBilled)} ${cost.pathsBilled === 1 ? "path" : "paths"} billed`;
  const price =
    cost.usd > 0
      ? `${usd(cost.usd)} beyond the free 1,000 a month`
      : `free: ${count(cost.freeDeploysPerMonth)} ${cost.freeDeploysPerMonth === 1 ? "deploy" : "deploys"} like this a month fit the 1,000 free paths`;
  const perFile =
    cost.perFile.pathsSaved > 0
      ? `; one path per file would bill ${count(cost.perFile.pathsBilled)}${cost.perFile.usd > 0 ? ` (${usd(cost.perFile.usd)})` : ""}`
      : "";
  const warm = cost.keptWarm;
  const kept =
    warm === undefined
      ? ""
      : `; keeps ${count(warm.vsEverything)} of ${count(warm.vsEverything + warm.lostVsPerFile)} unchanged URLs cached, where /* would drop them all`;
  return `Cost: ${billed} (${price})${perFile}${kept}`;
}

/**
 * What a run leaves unfinished, for the line after a timeout: what is still in progress in
 * CloudFront (it goes on there) and how many batches were never sent (running again with the same
 * caller reference sends them, and only them).
 */
export function describeUnfinished(report: {
  readonly invalidations: readonly { readonly id: string; readonly distributionId: string; readonly status: string }[];
  readonly unsent: readonly unknown[];
}): string {
  const running = report.invalidations
    .filter((i) => i.status !== "Completed")
    .map((i) => `${i.id} on ${i.distributionId}`);
  const still = running.length > 0 ? `still in progress in CloudFront: ${running.join(", ")}` : "nothing in progress";
  const unsent =
    report.unsent.length > 0
      ? `; ${plural(report.unsent.length, "batch")} not sent: run again (same caller reference) to send ${report.unsent.length === 1 ? "it" : "them"}`
      : "";
  return `${still}${unsent}`;
}

/**
 * The plan in one line, printed as soon as it is made (the CLI, the action's log), so that a long
 * wait shows what it waits for.
 *
 * @example describePlan(outcome) // "Plan: 7 paths (2 wildcards) for 11 changed paths in 1 batch, 6 changed paths collapsed, hits 3 unchanged paths"
 */
export function describePlan({ plan, changedPaths }: PlanOutcome): string {
  const collapsed = plan.collapsedCount > 0 ? `, ${plural(plan.collapsedCount, "changed path")} collapsed` : "";
  const hit = plan.unchangedHit === undefined ? "" : `, hits ${plural(plan.unchangedHit, "unchanged path")}`;
  const shape = `${plural(plan.pathCount, "path")} (${plural(plan.wildcardCount, "wildcard")})`;
  return `Plan: ${shape} for ${plural(changedPaths.length, "changed path")} in ${plural(plan.batches.length, "batch")}${collapsed}${hit}`;
}

/**
 * A line for each of the engine's events, the same in the CLI and the action; `batches` is the
 * plan's batch count (for "batch 2/3").
 */
export function describeSendEvent(event: SendEvent, batches: number): string {
  if (event.type === "created") {
    const { id, distributionId, batchIndex, paths, status, callerReference } = event.invalidation;
    const where = `batch ${batchIndex + 1}/${batches}, ${plural(paths.length, "path")}`;
    return `Created invalidation ${id} on ${distributionId} (${where}): ${status}; caller reference ${callerReference}`;
  }
  if (event.type === "waiting-for-slot") {
    const next = Math.ceil(event.retryInMs / 1000);
    return `${event.distributionId}: too many invalidations in progress; batch ${event.batchIndex + 1}/${batches} waits, next try in ${next} s`;
  }
  return `Waiting for completion: ${event.completed}/${event.total} completed after ${Math.round(event.elapsedMs / 1000)} s`;
}

/**
 * The key prefix read from the distribution's origin path, said before the plan that uses it;
 * `unset` names the setting left empty (`no --s3-prefix`, `s3-prefix is empty`).
 */
export function describeKeyPrefix(value: string, unset: string): string {
  return `Key prefix ${JSON.stringify(value)}, from the distribution's origin path (${unset}).`;
}
