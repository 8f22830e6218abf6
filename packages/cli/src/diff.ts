import { writeFile } from "node:fs/promises";
import { ConfigurationError, describeDiff, plural } from "invalidation-core";
import {
  changedKeys,
  createS3Client,
  diffSiteAgainstBucket,
  formatChangeList,
  type S3Lister,
} from "invalidation-core/content-diff";
import type { DiffOptions } from "./args.js";
import type { OutputStream } from "./report.js";

export type { S3Lister };

/**
 * `cf-invalidate diff`: before the sync, compares the site folder with the bucket by content and
 * prints the change list (or writes it to --output) for `--changes` after the sync. stdout holds
 * only data (the list, or the JSON: README "diff --json", fields only ever added); counts and
 * warnings go to stderr. Throws (classified by main) on a bad folder, bucket or permission.
 */
export async function runDiff(
  options: DiffOptions,
  deps: {
    env: Readonly<Record<string, string | undefined>>;
    stdout: OutputStream;
    stderr: OutputStream;
    createS3Client?: () => S3Lister;
  },
): Promise<number> {
  const s3 = (deps.createS3Client ?? (() => createS3Client({}, { ...deps.env })))();
  const { siteDir, s3Uri, bucket, prefix, includeDeletions, partSizeBytes, output } = options;
  const report = await diffSiteAgainstBucket({
    s3,
    siteDirectory: siteDir,
    bucket,
    prefix,
    includeDeletions,
    ...(partSizeBytes === undefined ? {} : { partSizeBytes }),
  }).finally(() => s3.destroy());
  const keys = changedKeys(report);
  const text = formatChangeList(keys);
  if (output !== undefined) {
    await writeFile(output, text).catch((error: Error) => {
      throw new ConfigurationError(`--output: cannot write ${JSON.stringify(output)}: ${error.message}`, {
        cause: error,
      });
    });
  }
  const say = (text: string) => deps.stderr.write(`${text}\n`);
  for (const warning of report.warnings) say(`warning: ${warning}`);
  for (const { key, detail } of report.unverifiable.slice(0, 20))
    say(`counted as changed: ${JSON.stringify(key)}: ${detail}`);
  const left = includeDeletions
    ? ""
    : `; ${plural(report.remoteOnly, "object")} not in the folder left out (--no-delete)`;
  say(`Content diff of ${siteDir} against ${s3Uri}: ${describeDiff(report, keys.length)}${left}.`);
  if (output !== undefined) say(`Change list written to ${output}.`);
  if (options.json) {
    const { added, modified, deleted, unchanged, possiblyEncrypted, remoteOnly, warnings } = report;
    const unverifiable = report.unverifiable.map(({ key, reason, detail }) => ({ key, reason, detail }));
    const json = {
      ...{ s3Uri, bucket: report.bucket, prefix: report.prefix, siteDir, changeCount: keys.length, changedKeys: keys },
      ...{ added, modified, deleted, unverifiable, unchanged, possiblyEncrypted, remoteOnly },
      ...{ unlistedKeys: [], warnings, ...(output === undefined ? {} : { output }) },
    };
    deps.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else if (output === undefined) deps.stdout.write(text);
  return 0;
}
