import {
  describeCost,
  type InvalidationReport,
  type PlanOutcome,
  planCost,
  plural,
  type RunEvent,
} from "invalidation-core";

/** A stream as the CLI writes to it; `isTTY` decides between a rewritten progress line and log lines. */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * The `--json` document. Field names are part of the CLI's interface (README, "JSON"): add, never
 * rename. `invalidations` and `completed` are absent on a dry run.
 */
export function toJsonReport(report: InvalidationReport & { readonly outcome: PlanOutcome }, dryRun: boolean) {
  const { status, distributionIds, warnings, outcome, keyPrefix } = report;
  const { paths, batches, pathCount, wildcardCount, collapsedCount, unchangedHit } = outcome.plan;
  return {
    ...{ status, dryRun, distributionIds, paths, batches, pathCount, wildcardCount, collapsedCount },
    ...(unchangedHit === undefined ? {} : { unchangedHit }),
    ...(keyPrefix === undefined ? {} : { keyPrefix }),
    cost: planCost(outcome.plan),
    ...{ changedPathCount: outcome.changedPaths.length, nothingChanged: outcome.nothingChanged, warnings },
    ...(dryRun
      ? {}
      : {
          // CreatedInvalidation is exactly the documented shape: distributionId, id, status, paths, callerReference, batchIndex.
          invalidations: report.invalidations,
          completed: ["completed", "nothing-changed", "outside-prefix"].includes(report.status),
        }),
    ...(report.error === undefined ? {} : { error: { kind: report.error.kind, message: report.error.message } }),
  };
}

/** The plan and its cost, for people: printed as soon as it is made, so a long wait shows what it waits for. */
export function formatPlan({ plan, changedPaths }: PlanOutcome): string {
  const collapsed = plan.collapsedCount > 0 ? `, ${plural(plan.collapsedCount, "changed path")} collapsed` : "";
  const hit = plan.unchangedHit === undefined ? "" : `, hits ${plural(plan.unchangedHit, "unchanged path")}`;
  const head = `Plan: ${plural(plan.pathCount, "path")} (${plural(plan.wildcardCount, "wildcard")}) for ${plural(changedPaths.length, "changed path")} in ${plural(plan.batches.length, "batch")}${collapsed}${hit}`;
  return `${[head, ...plan.paths.map((path) => `  ${path}`), describeCost(planCost(plan))].join("\n")}\n`;
}

/** How the run ended, for people (stdout), after the key prefix when the distribution gave it. */
export function formatResult(report: InvalidationReport): string {
  const fromOrigin = report.keyPrefix?.from === "distribution";
  const lines = fromOrigin
    ? [`Key prefix ${JSON.stringify(report.keyPrefix?.value)} from the distribution's origin path.`]
    : [];
  if (report.status === "nothing-changed") lines.push("Nothing changed: no invalidation needed.");
  else if (report.status === "outside-prefix") {
    const prefix = fromOrigin ? "the distribution's origin path" : "--s3-prefix";
    lines.push(`Nothing invalidated: every changed key lies outside ${prefix} (see the warning).`);
  } else if (report.status === "dry-run") {
    const to = report.distributionIds.length > 0 ? ` to ${report.distributionIds.join(", ")}` : "";
    lines.push(`Dry run: nothing sent${to}.`);
  } else {
    for (const inv of report.invalidations) {
      const what = `${plural(inv.paths.length, "path")}, batch ${inv.batchIndex + 1}`;
      lines.push(`Invalidation ${inv.id} on ${inv.distributionId}: ${inv.status} (${what})`);
    }
    if (report.status === "completed" && report.invalidations.length > 0) lines.push("All invalidations completed.");
  }
  return lines.map((line) => `${line}\n`).join("");
}

/**
 * Renders the run's events: warnings and progress on stderr (also with --json: a CI log should show
 * a long wait moving), the plan on stdout for people. On a terminal, progress is one line rewritten
 * with `\r`; elsewhere (CI logs) one line per event, since `\r` makes a mess of a log file.
 */
export function eventRenderer(out: { stdout: OutputStream; stderr: OutputStream }, json: boolean, now: () => number) {
  const { stderr } = out;
  let open = false;
  const closeLine = () => {
    if (open) stderr.write("\n");
    open = false;
  };
  const line = (text: string) => {
    if (stderr.isTTY) stderr.write(`\r\x1b[2K${text}`);
    else stderr.write(`${text}\n`);
    open = stderr.isTTY === true;
  };
  const started = now();
  const onEvent = (event: RunEvent): void => {
    switch (event.type) {
      case "warning":
        closeLine();
        stderr.write(`warning: ${event.message}\n`);
        break;
      case "planned": {
        const { outcome } = event;
        if (!json && outcome.plan.batches.length > 0 && !outcome.outsidePrefix) out.stdout.write(formatPlan(outcome));
        break;
      }
      case "created": {
        const inv = event.invalidation;
        closeLine();
        stderr.write(
          `Created invalidation ${inv.id} on ${inv.distributionId} (${inv.status}, ${plural(inv.paths.length, "path")})\n`,
        );
        break;
      }
      case "waiting-for-slot":
        line(
          `${event.distributionId}: too many invalidations in progress; batch ${event.batchIndex + 1} retries in ${Math.ceil(event.retryInMs / 1000)} s`,
        );
        break;
      case "progress":
        line(
          `Waiting: ${event.completed}/${event.total} completed (${Math.round((event.elapsedMs || now() - started) / 1000)} s)`,
        );
        break;
    }
  };
  return { onEvent, finish: closeLine };
}
