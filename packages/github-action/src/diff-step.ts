import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { classifyError, FAILURE_HEADLINE, plural } from "invalidation-core";
import {
  type ContentDiffOptions,
  type ContentDiffReport,
  changedKeys,
  createS3Client,
  diffSiteAgainstBucket,
  formatChangeList,
} from "invalidation-core/content-diff";
import type { ActionConfig, DiffConfig } from "./inputs.js";
import type { ActionIO } from "./main.js";
import { STATE, saveDiff, stepDirectory } from "./state.js";
import { type DiffSummary, renderDiffSummary } from "./summary.js";

export { parseSavedDiff, STATE } from "./state.js";

/** The S3 client the diff lists the bucket with (needs `s3:ListBucket` only). */
export type S3Lister = ContentDiffOptions["s3"];

/**
 * Same-size objects whose ETag is not the local file's MD5: if any object matched its file, the
 * bucket's ETags are MD5s and these were edited with their size kept, plain modifications. Only
 * when none matched may no ETag be an MD5 (SSE-KMS, SSE-C): then they cannot be verified, and a
 * warning says so.
 */
export function sameSizeVerdict(report: Pick<ContentDiffReport, "unverifiable" | "unchanged" | "modified">) {
  const sameSize = report.unverifiable.filter((u) => u.reason === "same-size-etag-mismatch");
  const unverifiableEtags = sameSize.length > 0 && report.unchanged === 0;
  const n = sameSize.length;
  const [one, s] = [n === 1, (singular: string, many: string) => (n === 1 ? singular : many)];
  return {
    modified: report.modified.length + (unverifiableEtags ? 0 : n),
    unverifiable: unverifiableEtags ? report.unverifiable : report.unverifiable.filter((u) => !sameSize.includes(u)),
    warning: !unverifiableEtags
      ? undefined
      : `${plural(n, "object")} ${s("has", "have")} the size of ${s("its", "their")} local file but another ETag, and no object ` +
        `matched its file's hash: ${s("it is", "they are")} probably encrypted with SSE-KMS or SSE-C, whose ETags are not MD5s, ` +
        `so ${s("its", "their")} content cannot be compared. ${one ? "It counts" : "They count"} as changed.`,
  };
}

const MAX_LOGGED_KEYS = 200;

/**
 * Diff mode's main step, before the user's sync: compares the folder with the bucket by content,
 * writes the change list (`changes-file`), sets the outputs and saves the changed keys for the
 * post step. Never throws: failures end in `setFailed`.
 */
export async function runDiffStep(
  io: ActionIO,
  config: ActionConfig,
  diff: DiffConfig,
  dependencies: { readonly createS3Client?: () => S3Lister; readonly env: NodeJS.ProcessEnv },
): Promise<void> {
  const where = `${diff.siteDirectory} against ${diff.s3Uri}`;
  const summary = (found: Pick<DiffSummary, "keys" | "counts" | "failure">) =>
    io
      .writeSummary(renderDiffSummary({ ...diff, ...found }))
      .catch((error: Error) => io.warning(`could not write the job summary: ${error.message}`));
  try {
    const s3 = (dependencies.createS3Client ?? (() => createS3Client({}, dependencies.env)))();
    const { partSizeBytes, bucket, prefix, includeDeletions, siteDirectory } = diff;
    const options = { s3, siteDirectory, bucket, prefix, includeDeletions };
    const report = await diffSiteAgainstBucket(partSizeBytes ? { ...options, partSizeBytes } : options).finally(() =>
      s3.destroy(),
    );
    const verdict = sameSizeVerdict(report);
    // The core's note on same-size mismatches warns on every same-size edit: the verdict's replaces it.
    for (const warning of report.warnings) if (!/^\d+ objects? of the same size/.test(warning)) io.warning(warning);
    if (verdict.warning !== undefined) io.warning(verdict.warning);

    const keys = changedKeys(report);
    const directory = await stepDirectory(dependencies.env);
    const changesFile = join(directory, "changes.txt");
    // Every key has a line (a JSON string where a plain line cannot hold it): extra-paths stays empty.
    await writeFile(changesFile, formatChangeList(keys));

    const counts = `${report.added.length} added, ${verdict.modified} modified, ${report.deleted.length} deleted, ${verdict.unverifiable.length} unverifiable`;
    io.info(
      `Content diff of ${where}: ${plural(keys.length, "changed key")} (${counts}), ${report.unchanged} unchanged; hashed ${plural(report.hashedFiles, "file")} (${report.hashedBytes} bytes).`,
    );
    if (!diff.includeDeletions && report.remoteOnly > 0) {
      io.info(
        `${plural(report.remoteOnly, "object")} not in the folder left out (delete: false: the sync keeps them).`,
      );
    }
    if (keys.length > 0) {
      io.startGroup(`Changed keys (${keys.length})`);
      for (const key of keys.slice(0, MAX_LOGGED_KEYS)) io.info(`  ${JSON.stringify(key).slice(1, -1)}`);
      if (keys.length > MAX_LOGGED_KEYS) io.info(`  ... and ${keys.length - MAX_LOGGED_KEYS} more (${changesFile})`);
      io.endGroup();
    }
    for (const u of verdict.unverifiable.slice(0, 20))
      io.info(`Counted as changed: ${JSON.stringify(u.key)}: ${u.detail}`);
    if (diff.prefix !== "" && config.s3Prefix === undefined) {
      // The keys keep the sync's prefix; only s3-prefix says whether the distribution serves it.
      const bare = diff.prefix.slice(0, -1);
      io.info(
        `The changed keys start with ${JSON.stringify(diff.prefix)} and s3-prefix is empty, so the paths will too. If the distribution's origin path is /${bare}, set s3-prefix: ${bare}.`,
      );
    }
    io.info(
      diff.diffOnly
        ? `Diff only: invalidate in a later step with changes-file: ${changesFile}`
        : "The post step invalidates at the end of the job, after your sync, if the job succeeds.",
    );
    const outputs = {
      ...{
        "change-count": String(keys.length),
        "changes-file": changesFile,
        "extra-paths": "",
      },
      ...{ "invalidation-ids": "", paths: "", "path-count": "0", status: "diffed" },
    };
    for (const [name, value] of Object.entries(outputs)) io.setOutput(name, value);
    if (!diff.diffOnly) io.saveState(STATE.diff, await saveDiff(keys, directory));
    await summary({ counts: `${counts}, ${report.unchanged} unchanged`, keys });
  } catch (caught) {
    const error = classifyError(caught, `content diff of ${where}`);
    const message = `${FAILURE_HEADLINE[error.kind]}: ${error.message}`;
    io.setOutput("status", "failed");
    await summary({ keys: [], failure: message });
    io.setFailed(message);
  }
}
