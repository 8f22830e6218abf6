/** The action's `status` output. */
export type ActionStatus = "completed" | "in-progress" | "dry-run" | "skipped" | "failed";

/** One row of the job summary: an invalidation that was (or, in a dry run, would be) created. */
export interface SummaryRow {
  readonly distributionId: string;
  /** Absent in a dry run, or for a batch never sent. */
  readonly invalidationId?: string;
  readonly status: string;
  readonly pathCount: number;
}

export interface SummaryReport {
  readonly status: ActionStatus;
  readonly rows: readonly SummaryRow[];
  /** The planned paths. */
  readonly paths: readonly string[];
  readonly changedCount: number;
  readonly collapsedCount: number;
  readonly syncLog?: string;
  readonly failure?: string;
}

/** Beyond this many paths the list is folded into a `<details>` block. */
export const FOLD_PATHS_OVER = 10;

// Markdown table cells: a `|` would end the cell and a newline the row.
const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

/**
 * Renders the job summary (GitHub-flavoured Markdown): a table of distribution, invalidation id,
 * status and path count, then the planned paths, folded when the list is long. Pure.
 */
export function renderSummary(report: SummaryReport): string {
  const out: string[] = ["### CloudFront invalidation", ""];
  if (report.status === "skipped") {
    out.push(
      `Nothing to invalidate: the sync log${report.syncLog ? ` \`${cell(report.syncLog)}\`` : ""} shows no change. No invalidation was created.`,
      "",
    );
    return out.join("\n");
  }
  if (report.status === "dry-run") out.push("**Dry run:** nothing was created.", "");
  if (report.failure !== undefined) out.push(`**Failed:** ${cell(report.failure)}`, "");
  if (report.rows.length > 0) {
    out.push("| Distribution | Invalidation | Status | Paths |", "| --- | --- | --- | --- |");
    for (const row of report.rows) {
      const id = row.invalidationId === undefined ? "—" : `\`${cell(row.invalidationId)}\``;
      out.push(`| \`${cell(row.distributionId)}\` | ${id} | ${cell(row.status)} | ${row.pathCount} |`);
    }
    out.push("");
  }
  if (report.paths.length > 0) {
    const collapsed =
      report.collapsedCount > 0
        ? `, ${report.collapsedCount} of ${report.changedCount} changed paths collapsed into wildcards`
        : "";
    const heading = `${report.paths.length} path${report.paths.length === 1 ? "" : "s"} planned${collapsed}`;
    // Paths are percent-encoded (backticks included), so they cannot break out of the code fence.
    const block = ["```", ...report.paths, "```"].join("\n");
    if (report.paths.length > FOLD_PATHS_OVER) {
      out.push(`<details><summary>${heading}</summary>`, "", block, "", "</details>", "");
    } else {
      out.push(`${heading}:`, "", block, "");
    }
  }
  return out.join("\n");
}
