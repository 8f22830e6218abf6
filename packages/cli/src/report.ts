import type { CreatedInvalidation, FailureKind, PlanOutcome, SendEvent } from "invalidation-core";

/** A stream as the CLI writes to it; `isTTY` decides between a rewritten progress line and log lines. */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Everything the CLI knows at the end of a run, successful or not. */
export interface RunReport {
  readonly dryRun: boolean;
  readonly distributionIds: readonly string[];
  readonly outcome: PlanOutcome;
  /** Absent on a dry run; the ones created so far when the run failed. */
  readonly invalidations?: readonly CreatedInvalidation[];
  /** Every invalidation is known to have completed (only ever true with --wait). */
  readonly completed?: boolean;
  readonly error?: { readonly kind: FailureKind; readonly message: string };
}

export interface JsonInvalidation {
  readonly distributionId: string;
  readonly id: string;
  readonly status: string;
  readonly paths: readonly string[];
  readonly callerReference: string;
  readonly batchIndex: number;
}

/** The `--json` document. Field names are part of the CLI's interface: add, never rename. */
export interface JsonReport {
  readonly dryRun: boolean;
  readonly distributionIds: readonly string[];
  readonly paths: readonly string[];
  readonly batches: readonly (readonly string[])[];
  readonly pathCount: number;
  readonly wildcardCount: number;
  readonly collapsedCount: number;
  readonly unchangedHit?: number;
  readonly changedPathCount: number;
  readonly nothingChanged: boolean;
  readonly warnings: readonly string[];
  readonly invalidations?: readonly JsonInvalidation[];
  readonly completed?: boolean;
  readonly error?: { readonly kind: FailureKind; readonly message: string };
}

export function toJsonReport(report: RunReport): JsonReport {
  const { plan } = report.outcome;
  return {
    dryRun: report.dryRun,
    distributionIds: report.distributionIds,
    paths: plan.paths,
    batches: plan.batches,
    pathCount: plan.pathCount,
    wildcardCount: plan.wildcardCount,
    collapsedCount: plan.collapsedCount,
    ...(plan.unchangedHit === undefined ? {} : { unchangedHit: plan.unchangedHit }),
    changedPathCount: report.outcome.changedPaths.length,
    nothingChanged: report.outcome.nothingChanged,
    warnings: report.outcome.warnings,
    ...(report.invalidations === undefined
      ? {}
      : {
          invalidations: report.invalidations.map((inv) => ({
            distributionId: inv.distributionId,
            id: inv.id,
            status: inv.status,
            paths: inv.paths,
            callerReference: inv.callerReference,
            batchIndex: inv.batchIndex,
          })),
          completed: report.completed ?? false,
        }),
    ...(report.error === undefined ? {} : { error: report.error }),
  };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : /(ch|s)$/.test(word) ? "es" : "s"}`;

/** The plan, for people. */
export function formatPlan(report: RunReport): string {
  const { plan, changedPaths, nothingChanged } = report.outcome;
  if (nothingChanged) return "Nothing changed: no invalidation needed.\n";
  const lines: string[] = [];
  const collapsed = plan.collapsedCount > 0 ? `, ${plural(plan.collapsedCount, "changed path")} collapsed` : "";
  const hit = plan.unchangedHit === undefined ? "" : `, hits ${plural(plan.unchangedHit, "unchanged path")}`;
  lines.push(
    `Plan: ${plural(plan.pathCount, "path")} (${plural(plan.wildcardCount, "wildcard")}) for ${plural(changedPaths.length, "changed path")} in ${plural(plan.batches.length, "batch")}${collapsed}${hit}`,
  );
  for (const path of plan.paths) lines.push(`  ${path}`);
  return `${lines.join("\n")}\n`;
}

/** The outcome after sending, for people. */
export function formatInvalidations(report: RunReport): string {
  const invalidations = report.invalidations ?? [];
  if (invalidations.length === 0) return "";
  const lines = invalidations.map(
    (inv) =>
      `Invalidation ${inv.id} on ${inv.distributionId}: ${inv.status} (${plural(inv.paths.length, "path")}, batch ${inv.batchIndex + 1})`,
  );
  if (report.completed) lines.push("All invalidations completed.");
  return `${lines.join("\n")}\n`;
}

/**
 * Turns the core's send events into progress on `stream`: on a terminal one line rewritten with
 * `\r`; elsewhere (CI logs) one line per event, since `\r` makes a mess of a log file.
 */
export function progressReporter(
  stream: OutputStream,
  now: () => number,
): {
  onEvent: (event: SendEvent) => void;
  finish: () => void;
} {
  let open = false;
  const line = (text: string): void => {
    if (stream.isTTY) {
      stream.write(`\r\x1b[2K${text}`);
      open = true;
    } else {
      stream.write(`${text}\n`);
    }
  };
  const closeLine = (): void => {
    if (open) stream.write("\n");
    open = false;
  };
  const started = now();
  return {
    onEvent(event) {
      switch (event.type) {
        case "created":
          closeLine();
          stream.write(
            `Created invalidation ${event.invalidation.id} on ${event.invalidation.distributionId} (${event.invalidation.status}, ${plural(event.invalidation.paths.length, "path")})\n`,
          );
          break;
        case "waiting-for-slot":
          line(
            `${event.distributionId}: too many invalidations in progress; batch ${event.batchIndex + 1} retries in ${Math.ceil(event.retryInMs / 1000)} s`,
          );
          break;
        case "progress": {
          const seconds = Math.round((event.elapsedMs || now() - started) / 1000);
          line(`Waiting: ${event.completed}/${event.total} completed (${seconds} s)`);
          break;
        }
      }
    },
    finish: closeLine,
  };
}
