import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigurationError, classifyError, keysToPaths, parseInvalidationPath } from "invalidation-core";
import {
  type ChangeListSplit,
  type ContentDiffOptions,
  type ContentDiffReport,
  changedKeys,
  createS3Client,
  diffSiteAgainstBucket,
  splitChangeList,
} from "invalidation-core/content-diff";
import type { ActionConfig, DiffConfig } from "./inputs.js";
import { STATE } from "./state.js";
import { renderDiffSummary } from "./summary.js";

export { STATE };

/** The S3 client the diff lists the bucket with (needs `s3:ListBucket` only). */
export type S3Lister = ContentDiffOptions["s3"];

/** What the diff step needs from `@actions/core`: all of main's ActionIO but reading inputs and state. */
export interface DiffIO {
  setOutput(name: string, value: string): void;
  setFailed(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  startGroup(name: string): void;
  endGroup(): void;
  /** Saves a value for the post step (GITHUB_STATE); the runner passes it as STATE_<name>. */
  saveState(name: string, value: string): void;
  /** Appends Markdown to the job summary (GITHUB_STEP_SUMMARY). */
  writeSummary(markdown: string): Promise<void>;
}

/**
 * Names of the state the main step saves for the post step. The runner hands each to the post
 * step as the variable `STATE_<name>`.
 */

/**
 * A change list up to this many characters travels in the state itself; a longer one only as its
 * file (one environment variable may hold at most 128 KiB on Linux, all of them about 2 MiB).
 */
export const INLINE_STATE_CHARS = 16 * 1024;

/** What the post step needs to invalidate: the change list (or its file) and extra paths. */
export interface SavedDiff {
  readonly version: 1;
  readonly changeCount: number;
  /** The change list itself when short. */
  readonly changes?: string;
  /** Always written: the `changes-file` output. */
  readonly changesFile: string;
  /** Paths for changed keys that no change-list line can hold (or `/*`). */
  readonly extraPaths: readonly string[];
}

/** Reads the state the main step saved; undefined when there is none (invalidation mode, diff-only). */
export function parseSavedDiff(raw: string): SavedDiff | undefined {
  if (raw.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new ConfigurationError(`the state saved by the main step is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const saved = value as Partial<SavedDiff> | null;
  if (
    saved === null ||
    typeof saved !== "object" ||
    saved.version !== 1 ||
    typeof saved.changesFile !== "string" ||
    typeof saved.changeCount !== "number" ||
    !Array.isArray(saved.extraPaths) ||
    !saved.extraPaths.every((path) => typeof path === "string") ||
    (saved.changes !== undefined && typeof saved.changes !== "string")
  ) {
    // Another version of the action in main and post (a moved tag mid-run) could do this.
    throw new ConfigurationError(
      "the state saved by the main step has an unknown shape: use the same version of the action for the whole job",
    );
  }
  return saved as SavedDiff;
}

/** The change list the post step invalidates: inline from the state, else from its file. */
export async function loadChanges(saved: SavedDiff): Promise<string> {
  if (saved.changes !== undefined) return saved.changes;
  try {
    return await readFile(saved.changesFile, "utf8");
  } catch (error) {
    throw new ConfigurationError(
      `cannot read the change list ${JSON.stringify(saved.changesFile)} that the main step wrote: ${(error as Error).message} (did a step delete RUNNER_TEMP?)`,
      { cause: error },
    );
  }
}

/** A change list, and how to invalidate the changed keys that no line of it can hold. */
export interface ActionChangeList extends ChangeListSplit {
  /** Invalidation paths for `unlisted` under the action's key mapping; `["/*"]` if they have none. */
  readonly extraPaths: readonly string[];
}

/**
 * Writes the keys as a change list (the core's split); a key with a line break or trailing white
 * space cannot be a line, so it becomes explicit paths (mapped with `s3-prefix` and
 * `index-document`), or `/*` when even that fails. Pure.
 */
export function changeListWithExtraPaths(
  keys: readonly string[],
  mapping: { s3Prefix?: string; indexDocument: string | null },
): ActionChangeList {
  const { text, unlisted } = splitChangeList(keys);
  if (unlisted.length === 0) return { text, unlisted, extraPaths: [] };
  const mapped = keysToPaths(unlisted, mapping);
  const usable =
    mapped.warnings.length === 0 &&
    mapped.paths.length > 0 &&
    mapped.paths.every((path) => {
      try {
        parseInvalidationPath(path);
        return true;
      } catch {
        return false;
      }
    });
  return { text, unlisted, extraPaths: usable ? [...mapped.paths] : ["/*"] };
}

/** Where the change list goes: RUNNER_TEMP (cleaned at the end of the job), else the system's temp. */
async function writeChangesFile(text: string, env: NodeJS.ProcessEnv): Promise<string> {
  const base = env.RUNNER_TEMP?.trim() || tmpdir();
  const directory = await mkdtemp(join(base, "cloudfront-invalidate-"));
  const file = join(directory, "changes.txt");
  await writeFile(file, text);
  return file;
}

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? "" : "s"}`;

/** Names a few keys in a message, then counts the rest. */
function someKeys(keys: readonly string[], max = 5): string {
  const named = keys.slice(0, max).map((key) => JSON.stringify(key));
  return keys.length > max ? `${named.join(", ")} and ${keys.length - max} more` : named.join(", ");
}

const MAX_LOGGED_KEYS = 200;

export interface DiffStepDependencies {
  readonly createS3Client?: () => S3Lister;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * The main step in diff mode, before the user's sync: compares the site directory with the
 * bucket by content, writes the change list to a file (the `changes-file` output), sets
 * `change-count`, and saves what the post step needs. Never throws: failures end in `setFailed`.
 */
export async function runDiffStep(
  io: DiffIO,
  config: ActionConfig,
  diff: DiffConfig,
  dependencies: DiffStepDependencies,
): Promise<void> {
  const where = `${diff.siteDirectory} against ${diff.s3Uri}`;
  try {
    const s3 = (dependencies.createS3Client ?? (() => createS3Client({}, dependencies.env)))();
    let report: ContentDiffReport;
    try {
      report = await diffSiteAgainstBucket({
        s3,
        siteDirectory: diff.siteDirectory,
        bucket: diff.bucket,
        prefix: diff.prefix,
        includeDeletions: diff.includeDeletions,
        ...(diff.partSizeBytes === undefined ? {} : { partSizeBytes: diff.partSizeBytes }),
      });
    } finally {
      s3.destroy();
    }
    for (const warning of report.warnings) io.warning(warning);

    const keys = changedKeys(report);
    const split = changeListWithExtraPaths(keys, {
      ...(config.s3Prefix === undefined ? {} : { s3Prefix: config.s3Prefix }),
      indexDocument: config.indexDocument,
    });
    if (split.unlisted.length > 0) {
      io.warning(
        `${plural(split.unlisted.length, "changed key")} cannot be written in a change list (a line break or trailing white space): ${someKeys(split.unlisted)}. ` +
          (split.extraPaths[0] === "/*"
            ? "No invalidation path can name them either: /* is invalidated instead."
            : `They are invalidated by explicit paths instead: ${split.extraPaths.join(" ")}`) +
          (diff.diffOnly ? " Pass the extra-paths output as the invalidation step's paths input." : ""),
      );
    }
    const changesFile = await writeChangesFile(split.text, dependencies.env);

    io.info(
      `Content diff of ${where}: ${plural(keys.length, "changed key")} (${report.added.length} added, ${report.modified.length} modified, ${report.deleted.length} deleted, ${report.unverifiable.length} unverifiable), ${report.unchanged} unchanged; hashed ${plural(report.hashedFiles, "file")} (${report.hashedBytes} bytes).`,
    );
    if (!diff.includeDeletions && report.remoteOnly > 0) {
      io.info(
        `${plural(report.remoteOnly, "object")} under the prefix are not in the folder; with delete: false they are left out (the sync keeps them).`,
      );
    }
    if (keys.length > 0) {
      io.startGroup(`Changed keys (${keys.length})`);
      for (const key of keys.slice(0, MAX_LOGGED_KEYS)) io.info(`  ${JSON.stringify(key).slice(1, -1)}`);
      if (keys.length > MAX_LOGGED_KEYS) io.info(`  ... and ${keys.length - MAX_LOGGED_KEYS} more (${changesFile})`);
      io.endGroup();
    }
    for (const unverifiable of report.unverifiable.slice(0, 20)) {
      io.info(`Counted as changed: ${JSON.stringify(unverifiable.key)}: ${unverifiable.detail}`);
    }
    if (diff.prefix !== "" && config.s3Prefix === undefined) {
      // The keys keep the sync's prefix; only s3-prefix says whether the distribution serves it.
      io.info(
        `The changed keys start with ${JSON.stringify(diff.prefix)} and s3-prefix is empty, so the paths will too (/${diff.prefix}...). If the distribution's origin path is /${diff.prefix.slice(0, -1)}, set s3-prefix: ${diff.prefix.slice(0, -1)}.`,
      );
    }
    io.info(
      diff.diffOnly
        ? `Diff only: invalidate in a later step with changes-file: ${changesFile}`
        : "The post step invalidates at the end of the job, after your sync, if the job succeeds.",
    );

    io.setOutput("change-count", String(keys.length));
    io.setOutput("changes-file", changesFile);
    io.setOutput("extra-paths", split.extraPaths.join("\n"));
    io.setOutput("invalidation-ids", "");
    io.setOutput("paths", "");
    io.setOutput("path-count", "0");
    io.setOutput("status", "diffed");
    if (!diff.diffOnly) {
      const saved: SavedDiff = {
        version: 1,
        changeCount: keys.length,
        changesFile,
        extraPaths: split.extraPaths,
        ...(split.text.length <= INLINE_STATE_CHARS ? { changes: split.text } : {}),
      };
      io.saveState(STATE.diff, JSON.stringify(saved));
    }
    await summary(io, {
      s3Uri: diff.s3Uri,
      siteDirectory: config.siteDirectory?.directory ?? diff.siteDirectory,
      added: report.added.length,
      modified: report.modified.length,
      deleted: report.deleted.length,
      unverifiable: report.unverifiable.length,
      unchanged: report.unchanged,
      remoteOnlyIgnored: diff.includeDeletions ? 0 : report.remoteOnly,
      keys,
      diffOnly: diff.diffOnly,
    });
  } catch (caught) {
    const error = classifyError(caught, `content diff of ${where}`);
    const prefix = {
      configuration: "Configuration error",
      permission: "Permission error",
      transient: "Transient error",
      timeout: "Timeout",
    }[error.kind];
    const message = `${prefix}: ${error.message}`;
    io.setOutput("status", "failed");
    await summary(io, {
      s3Uri: diff.s3Uri,
      siteDirectory: diff.siteDirectory,
      added: 0,
      modified: 0,
      deleted: 0,
      unverifiable: 0,
      unchanged: 0,
      remoteOnlyIgnored: 0,
      keys: [],
      diffOnly: diff.diffOnly,
      failure: message,
    });
    io.setFailed(message);
  }
}

async function summary(io: DiffIO, report: Parameters<typeof renderDiffSummary>[0]): Promise<void> {
  try {
    await io.writeSummary(renderDiffSummary(report));
  } catch (error) {
    io.warning(`could not write the job summary: ${(error as Error).message}`);
  }
}
