import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { classifyError, FAILURE_HEADLINE } from "invalidation-core";
import { runContentDiff, type S3Lister } from "invalidation-core/content-diff";
import type { ActionIO } from "./action-io.js";
import type { DiffConfig } from "./inputs.js";
import { STATE, saveDiff, stepDirectory } from "./state.js";
import { type DiffSummary, renderDiffSummary } from "./summary.js";

export type { S3Lister };

const MAX_LOGGED_KEYS = 200;

/**
 * Diff mode's main step, before the user's sync: runs the core's content diff, writes the change
 * list (`changes-file`), logs what was found, sets the outputs and saves the changed keys for the
 * post step. Never throws: failures end in `setFailed`.
 */
export async function runDiffStep(
  io: ActionIO,
  diff: DiffConfig,
  dependencies: { readonly createS3Client?: () => S3Lister; readonly env: NodeJS.ProcessEnv },
): Promise<void> {
  const summary = (found: Pick<DiffSummary, "keys" | "counts" | "failure">) =>
    io.writeSummary(renderDiffSummary({ ...diff, ...found }));
  try {
    const { diffOnly, ...request } = diff;
    const { report, keys, changeList, counts, lines } = await runContentDiff(
      { ...request, siteName: 'input "site-directory"', noDeleteName: "delete: false" },
      dependencies,
    );
    for (const warning of report.warnings) io.warning(warning);
    const directory = await stepDirectory(dependencies.env);
    const changesFile = join(directory, "changes.txt");
    // Every key has a line (a JSON string where a plain line cannot hold it): extra-paths stays empty.
    await writeFile(changesFile, changeList);

    for (const line of lines) io.info(line);
    if (keys.length > 0) {
      io.startGroup(`Changed keys (${keys.length})`);
      for (const key of keys.slice(0, MAX_LOGGED_KEYS)) io.info(`  ${JSON.stringify(key).slice(1, -1)}`);
      if (keys.length > MAX_LOGGED_KEYS) io.info(`  ... and ${keys.length - MAX_LOGGED_KEYS} more (${changesFile})`);
      io.endGroup();
    }
    io.info(
      diffOnly
        ? `Diff only: invalidate in a later step with changes-file: ${changesFile}`
        : "The post step invalidates at the end of the job, after your sync, if the job succeeds.",
    );
    const outputs = { "change-count": String(keys.length), "changes-file": changesFile, status: "diffed" };
    const none = { "extra-paths": "", "invalidation-ids": "", paths: "", "path-count": "0" };
    for (const [name, value] of Object.entries({ ...outputs, ...none })) io.setOutput(name, value);
    if (!diffOnly) io.saveState(STATE.diff, await saveDiff(keys, directory));
    await summary({ counts, keys });
  } catch (caught) {
    const error = classifyError(caught, `content diff of ${diff.siteDirectory} against ${diff.s3Uri}`);
    const message = `${FAILURE_HEADLINE[error.kind]}: ${error.message}`;
    io.setOutput("status", "failed");
    await summary({ keys: [], failure: message });
    io.setFailed(message);
  }
}
