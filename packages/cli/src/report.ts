import {
  describeCost,
  describeKeyPrefix,
  describePlan,
  describeSendEvent,
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
export function formatPlan(outcome: PlanOutcome): string {
  const { plan } = outcome;
  return `${[describePlan(outcome), ...plan.paths.map((path) => `  ${path}`), describeCost(planCost(plan))].join("\n")}\n`;
}

/** How the run ended, for people (stdout). */
export function formatResult(report: InvalidationReport): string {
  const fromOrigin = report.keyPrefix?.from === "distribution";
  const lines: string[] = [];
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
 * a long wait moving), the key prefix read from the distribution and the plan on stdout for people. On a terminal, waiting is one line rewritten
 * with `\r`; elsewhere (CI logs) one line per event, since `\r` makes a mess of a log file.
 */
export function eventRenderer(out: { stdout: OutputStream; stderr: OutputStream }, json: boolean) {
  const { stderr } = out;
  let open = false;
  let batches = 0;
  const closeLine = () => {
    if (open) stderr.write("\n");
    open = false;
  };
  const onEvent = (event: RunEvent): void => {
    if (event.type === "planned") {
      const { outcome, keyPrefix } = event;
      batches = outcome.plan.batches.length;
      if (json) return;
      // The plan's paths depend on the prefix: say where it came from before them.
      if (keyPrefix?.from === "distribution")
        out.stdout.write(`${describeKeyPrefix(keyPrefix.value, "no --s3-prefix")}\n`);
      if (batches > 0 && !outcome.outsidePrefix) out.stdout.write(formatPlan(outcome));
      return;
    }
    const text = event.type === "warning" ? `warning: ${event.message}` : describeSendEvent(event, batches);
    if (event.type === "waiting-for-slot" || event.type === "progress") {
      if (stderr.isTTY) stderr.write(`\r\x1b[2K${text}`);
      else stderr.write(`${text}\n`);
      open = stderr.isTTY === true;
      return;
    }
    closeLine();
    stderr.write(`${text}\n`);
  };
  return { onEvent, finish: closeLine };
}
