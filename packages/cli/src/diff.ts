import { writeFile } from "node:fs/promises";
import { ConfigurationError } from "invalidation-core";
import { runContentDiff, type S3Lister } from "invalidation-core/content-diff";
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
  const { command: _, siteDir, output, json, ...diff } = options;
  const { report, keys, changeList, lines } = await runContentDiff(
    { ...diff, siteDirectory: siteDir, siteName: "--site-dir", noDeleteName: "--no-delete" },
    deps,
  );
  if (output !== undefined) {
    await writeFile(output, changeList).catch((error: Error) => {
      throw new ConfigurationError(`--output: cannot write ${JSON.stringify(output)}: ${error.message}`, {
        cause: error,
      });
    });
  }
  const say = (text: string) => deps.stderr.write(`${text}\n`);
  for (const warning of report.warnings) say(`warning: ${warning}`);
  for (const line of lines) say(line);
  if (output !== undefined) say(`Change list written to ${output}.`);
  if (json) {
    const { added, modified, deleted, unchanged, possiblyEncrypted, remoteOnly, warnings } = report;
    const unverifiable = report.unverifiable.map(({ key, reason, detail }) => ({ key, reason, detail }));
    const { s3Uri } = diff;
    const data = {
      ...{ s3Uri, bucket: report.bucket, prefix: report.prefix, siteDir, changeCount: keys.length, changedKeys: keys },
      ...{ added, modified, deleted, unverifiable, unchanged, possiblyEncrypted, remoteOnly },
      ...{ unlistedKeys: [], warnings, ...(output === undefined ? {} : { output }) },
    };
    deps.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  } else if (output === undefined) deps.stdout.write(changeList);
  return 0;
}
