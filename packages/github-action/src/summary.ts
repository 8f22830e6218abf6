/**
 * The action's `status` output. `diffed`: the main step of diff mode computed the change list;
 * the post step (or, in the two-step form, a later step) invalidates.
 */
export type ActionStatus = "completed" | "in-progress" | "dry-run" | "skipped" | "failed" | "diffed";

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
  /** What told the changes, for people (`the content diff`); overrides `syncLog` in the text. */
  readonly changeSource?: string;
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
    const source = report.changeSource ?? `the sync log${report.syncLog ? ` \`${cell(report.syncLog)}\`` : ""}`;
    out.push(`Nothing to invalidate: ${source} shows no change. No invalidation was created.`, "");
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

/** The diff summary names at most this many changed keys. */
export const MAX_SUMMARY_KEYS = 500;

/** What the main step of diff mode found, for the job summary. */
export interface DiffSummary {
  readonly s3Uri: string;
  readonly siteDirectory: string;
  readonly added: number;
  readonly modified: number;
  readonly deleted: number;
  readonly unverifiable: number;
  readonly unchanged: number;
  /** Objects not in the folder, left out because the sync runs without `--delete`. */
  readonly remoteOnlyIgnored: number;
  /** Changed keys, sorted. */
  readonly keys: readonly string[];
  /** The two-step form: no post-step invalidation. */
  readonly diffOnly: boolean;
  readonly failure?: string;
}

/** The job summary of the diff step: counts, then the changed keys (folded when many). Pure. */
export function renderDiffSummary(report: DiffSummary): string {
  const out: string[] = ["### CloudFront invalidation: content diff", ""];
  if (report.failure !== undefined) {
    out.push(`**Failed:** ${cell(report.failure)}`, "");
    return out.join("\n");
  }
  const changed = report.keys.length;
  out.push(
    `\`${cell(report.siteDirectory)}\` against \`${cell(report.s3Uri)}\`: **${changed} changed** (${report.added} added, ${report.modified} modified, ${report.deleted} deleted, ${report.unverifiable} unverifiable), ${report.unchanged} unchanged.`,
    "",
  );
  if (report.remoteOnlyIgnored > 0) {
    out.push(`${report.remoteOnlyIgnored} object(s) not in the folder are left out (\`delete: false\`).`, "");
  }
  out.push(
    report.diffOnly
      ? "Diff only: a later step invalidates with the `changes-file` output."
      : "The post step invalidates these at the end of the job, if the job succeeds.",
    "",
  );
  if (changed > 0) {
    // Keys are raw S3 keys and may hold backticks: a fence longer than any run of them inside.
    const longest = Math.max(
      2,
      ...report.keys.map((key) => Math.max(0, ...(key.match(/`+/g) ?? []).map((r) => r.length))),
    );
    const fence = "`".repeat(longest + 1);
    // The job summary is limited to 1 MiB a step: name the first keys, count the rest.
    const shown = report.keys.slice(0, MAX_SUMMARY_KEYS).map((key) => key.replace(/[\r\n]/g, " "));
    const more = changed > shown.length ? [`... and ${changed - shown.length} more (see the changes-file output)`] : [];
    const block = [fence, ...shown, ...more, fence].join("\n");
    const heading = `${changed} changed key${changed === 1 ? "" : "s"}`;
    if (changed > FOLD_PATHS_OVER) out.push(`<details><summary>${heading}</summary>`, "", block, "", "</details>", "");
    else out.push(`${heading}:`, "", block, "");
  }
  return out.join("\n");
}
