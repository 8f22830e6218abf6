import { type PlanOutcome, plural } from "invalidation-core";
import { codeBlock, codeSpan, markdownText } from "./runner-text.js";

/** The `status` output (action.yml lists them). */
export type ActionStatus = "completed" | "in-progress" | "dry-run" | "skipped" | "outside-prefix" | "failed" | "diffed";

/** A row of the summary's table: an invalidation created, or a batch that would be (dry run) or was not sent. */
export interface SummaryRow {
  readonly distributionId: string;
  readonly invalidationId?: string;
  readonly status: string;
  readonly pathCount: number;
}

export interface SummaryReport {
  readonly status: ActionStatus;
  readonly rows: readonly SummaryRow[];
  /** The core's plan and the changes it covers; absent when nothing was planned (a failure before it). */
  readonly outcome?: Pick<PlanOutcome, "plan" | "changedPaths">;
  /** What told the changes (`the sync log`) and its file. */
  readonly source?: { readonly what: string; readonly file?: string };
  readonly failure?: string;
  /** The plan's cost line (`describeCost`). */
  readonly cost?: string;
  /** The key prefix read from the distribution's origin path, when s3-prefix was empty. */
  readonly keyPrefix?: string;
}

/** Beyond this many paths (or keys) the list is folded into a `<details>` block. */
export const FOLD_PATHS_OVER = 10;
/** The diff summary names at most this many keys (a step's summary may hold 1 MiB). */
export const MAX_SUMMARY_KEYS = 500;

function listing(heading: string, lines: readonly string[]): string[] {
  const block = codeBlock(lines);
  return lines.length > FOLD_PATHS_OVER
    ? [`<details><summary>${heading}</summary>`, "", block, "", "</details>", ""]
    : [`${heading}:`, "", block, ""];
}

/** The job summary: the invalidations as a table, then the planned paths. User values are escaped. Pure. */
export function renderSummary(report: SummaryReport): string {
  const out: string[] = ["### CloudFront invalidation", ""];
  if (report.keyPrefix !== undefined) {
    out.push(
      `Key prefix ${codeSpan(report.keyPrefix)}, from the distribution's origin path (\`s3-prefix\` is empty).`,
      "",
    );
  }
  if (report.status === "skipped" || report.status === "outside-prefix") {
    const source = `${report.source?.what ?? "the change list"}${report.source?.file ? ` ${codeSpan(report.source.file)}` : ""}`;
    const why = report.status === "skipped" ? "shows no change" : "shows changes only outside `s3-prefix`";
    return [...out, `Nothing to invalidate: ${source} ${why}. No invalidation was created.`, ""].join("\n");
  }
  if (report.status === "dry-run") out.push("**Dry run:** nothing was created.", "");
  if (report.failure !== undefined) out.push(`**Failed:** ${markdownText(report.failure)}`, "");
  if (report.rows.length > 0) out.push("| Distribution | Invalidation | Status | Paths |", "| --- | --- | --- | --- |");
  for (const row of report.rows) {
    const id = row.invalidationId === undefined ? "—" : codeSpan(row.invalidationId);
    out.push(`| ${codeSpan(row.distributionId)} | ${id} | ${markdownText(row.status)} | ${row.pathCount} |`);
  }
  if (report.rows.length > 0) out.push("");
  if (report.cost !== undefined) out.push(markdownText(report.cost), "");
  const paths = report.outcome?.plan.paths ?? [];
  if (paths.length === 0) return out.join("\n");
  const collapsedCount = report.outcome?.plan.collapsedCount ?? 0;
  const changedCount = report.outcome?.changedPaths.length ?? 0;
  const collapsed = collapsedCount
    ? `, ${collapsedCount} of ${changedCount} changed paths collapsed into wildcards`
    : "";
  return [...out, ...listing(`${plural(paths.length, "path")} planned${collapsed}`, paths)].join("\n");
}

/** What diff mode's main step found. */
export interface DiffSummary {
  readonly s3Uri: string;
  readonly siteDirectory: string;
  readonly counts?: string;
  readonly keys: readonly string[];
  readonly diffOnly: boolean;
  readonly failure?: string;
}

/** The job summary of diff mode's main step: counts, then the changed keys. Pure. */
export function renderDiffSummary(report: DiffSummary): string {
  const out = ["### CloudFront invalidation: content diff", ""];
  if (report.failure !== undefined) return [...out, `**Failed:** ${markdownText(report.failure)}`, ""].join("\n");
  const { keys } = report;
  out.push(
    `${codeSpan(report.siteDirectory)} against ${codeSpan(report.s3Uri)}: ${markdownText(report.counts ?? "")}.`,
    "",
    report.diffOnly
      ? "Diff only: a later step invalidates with the `changes-file` output."
      : "The post step invalidates these at the end of the job, if the job succeeds.",
    "",
  );
  if (keys.length === 0) return out.join("\n");
  const more =
    keys.length > MAX_SUMMARY_KEYS ? [`... and ${keys.length - MAX_SUMMARY_KEYS} more (see changes-file)`] : [];
  return [...out, ...listing(plural(keys.length, "changed key"), [...keys.slice(0, MAX_SUMMARY_KEYS), ...more])].join(
    "\n",
  );
}
