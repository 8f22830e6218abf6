import { writeFile } from "node:fs/promises";
import { ConfigurationError } from "invalidation-core";
import {
  type ChangeListSplit,
  type ContentDiffOptions,
  type ContentDiffReport,
  changedKeys,
  createS3Client,
  diffSiteAgainstBucket,
  splitChangeList,
} from "invalidation-core/content-diff";
import type { DiffOptions } from "./args.js";
import type { OutputStream } from "./report.js";

/** The S3 client the diff lists the bucket with (needs `s3:ListBucket` only). */
export type S3Lister = ContentDiffOptions["s3"];

/** The part of the CLI's world that `diff` uses. */
export interface DiffDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly createS3Client?: () => S3Lister;
}

/** The `diff --json` document. Field names are part of the CLI's interface: add, never rename. */
export interface DiffJson {
  readonly s3Uri: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly siteDir: string;
  readonly changeCount: number;
  /** Every changed key (prefix included), sorted; the change list holds all but `unlistedKeys`. */
  readonly changedKeys: readonly string[];
  readonly added: readonly string[];
  readonly modified: readonly string[];
  readonly deleted: readonly string[];
  readonly unverifiable: readonly { readonly key: string; readonly reason: string; readonly detail: string }[];
  readonly unchanged: number;
  readonly possiblyEncrypted: number;
  /** Objects under the prefix with no local file (counted as deleted unless --no-delete). */
  readonly remoteOnly: number;
  readonly unlistedKeys: readonly string[];
  readonly warnings: readonly string[];
  /** The file the change list was written to (with --output). */
  readonly output?: string;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function toJson(options: DiffOptions, report: ContentDiffReport, keys: string[], split: ChangeListSplit): DiffJson {
  return {
    s3Uri: options.s3Uri,
    bucket: report.bucket,
    prefix: report.prefix,
    siteDir: options.siteDir,
    changeCount: keys.length,
    changedKeys: keys,
    added: report.added,
    modified: report.modified,
    deleted: report.deleted,
    unverifiable: report.unverifiable.map(({ key, reason, detail }) => ({ key, reason, detail })),
    unchanged: report.unchanged,
    possiblyEncrypted: report.possiblyEncrypted,
    remoteOnly: report.remoteOnly,
    unlistedKeys: split.unlisted,
    warnings: report.warnings,
    ...(options.output === undefined ? {} : { output: options.output }),
  };
}

/**
 * `cf-invalidate diff`: before the sync, compares the site folder with the bucket by content and
 * prints the change list (or writes it to --output) for `--changes` after the sync. Exit 0 on
 * success; throws (classified by the caller) on a bad folder, bucket or permission.
 *
 * stdout holds only data (the list, or the JSON), so `diff > changes.txt` works; the counts and
 * warnings go to stderr.
 */
export async function runDiff(options: DiffOptions, deps: DiffDeps): Promise<number> {
  const s3 = (deps.createS3Client ?? (() => createS3Client({}, { ...deps.env })))();
  let report: ContentDiffReport;
  try {
    report = await diffSiteAgainstBucket({
      s3,
      siteDirectory: options.siteDir,
      bucket: options.bucket,
      prefix: options.prefix,
      includeDeletions: options.includeDeletions,
      ...(options.partSizeBytes === undefined ? {} : { partSizeBytes: options.partSizeBytes }),
    });
  } finally {
    s3.destroy();
  }
  const keys = changedKeys(report);
  const split = splitChangeList(keys);
  if (options.output !== undefined) {
    try {
      await writeFile(options.output, split.text);
    } catch (error) {
      throw new ConfigurationError(
        `--output: cannot write ${JSON.stringify(options.output)}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  for (const warning of report.warnings) deps.stderr.write(`warning: ${warning}\n`);
  for (const unverifiable of report.unverifiable.slice(0, 20)) {
    deps.stderr.write(`counted as changed: ${JSON.stringify(unverifiable.key)}: ${unverifiable.detail}\n`);
  }
  if (split.unlisted.length > 0) {
    const named = split.unlisted.map((key) => JSON.stringify(key)).join(", ");
    deps.stderr.write(
      `warning: ${plural(split.unlisted.length, "changed key")} cannot be written in a change list (a line break or trailing white space): ${named}. They are NOT in the list: invalidate them with --path (or --path '/*').\n`,
    );
  }
  const ignored = options.includeDeletions
    ? ""
    : `; ${plural(report.remoteOnly, "object")} not in the folder left out (--no-delete)`;
  deps.stderr.write(
    `Content diff of ${options.siteDir} against ${options.s3Uri}: ${plural(keys.length, "changed key")} (${report.added.length} added, ${report.modified.length} modified, ${report.deleted.length} deleted, ${report.unverifiable.length} unverifiable), ${report.unchanged} unchanged${ignored}.\n`,
  );
  if (options.output !== undefined) deps.stderr.write(`Change list written to ${options.output}.\n`);

  if (options.json) deps.stdout.write(`${JSON.stringify(toJson(options, report, keys, split), null, 2)}\n`);
  else if (options.output === undefined) deps.stdout.write(split.text);
  return 0;
}
