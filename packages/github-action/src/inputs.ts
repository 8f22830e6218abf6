import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import {
  ConfigurationError,
  DEFAULT_MAX_PATHS,
  decodeChangeText,
  listSiteKeys,
  parseDistributionId,
  parseInvalidationPath,
  parseMaxPaths,
  parsePartSize,
  parseS3Location,
} from "invalidation-core";

/** The part of `@actions/core` that reads inputs; injected so tests hand in a plain map. */
export interface InputReader {
  getInput(name: string): string;
}

/** Every input, parsed once. Nothing here has touched AWS. */
export interface ActionConfig {
  readonly distributionIds: readonly string[];
  /** Explicit paths as the user wrote them (already validated; buildPlan normalizes them). */
  readonly paths: readonly string[];
  readonly syncLog?: InputFile;
  readonly siteDirectory?: { readonly directory: string; readonly keys: readonly string[] };
  readonly s3Prefix?: string;
  /** `null` when the input was set to empty (directory forms off). */
  readonly indexDocument: string | null;
  readonly maxPaths: number;
  readonly wait: boolean;
  readonly waitTimeoutSeconds: number;
  /** A caller reference the user chose; absent means "derive it from the run". */
  readonly callerReference?: string;
  readonly dryRun: boolean;
  /** A change list from an earlier step (the two-step form): the `changes-file` input. */
  readonly changesFile?: InputFile;
  /** Diff mode: `site-directory` and `s3-uri`, with neither `paths`, `sync-log` nor `changes-file`. */
  readonly diff?: DiffConfig;
}

/** What the main step needs to compute the content diff. */
export interface DiffConfig {
  /** As given (for messages). */
  readonly s3Uri: string;
  readonly bucket: string;
  /** Normalized: `""` or ending in `/`. */
  readonly prefix: string;
  /** Absolute path of the site directory. */
  readonly siteDirectory: string;
  /** The user's sync runs with `--delete`: objects gone from the folder count as changed. */
  readonly includeDeletions: boolean;
  readonly partSizeBytes?: number;
  /** The two-step form: no post-step invalidation; a later step feeds `changes-file`. */
  readonly diffOnly: boolean;
}

/** Default of `wait-timeout-seconds` (action.yml says the same). */
export const DEFAULT_WAIT_TIMEOUT_SECONDS = 600;
/** A GitHub-hosted job runs at most 6 hours; a longer wait could never finish. */
export const MAX_WAIT_TIMEOUT_SECONDS = 6 * 60 * 60;

const TRUE_WORDS = new Set(["true", "yes", "1"]);
const FALSE_WORDS = new Set(["false", "no", "0"]);

/** Wraps a core ConfigurationError so the message names the input it came from. */
function inInput<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ConfigurationError(`input "${name}": ${detail}`, { cause: error });
  }
}

export function parseBooleanInput(name: string, raw: string, fallback: boolean): boolean {
  const word = raw.trim().toLowerCase();
  if (word === "") return fallback;
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new ConfigurationError(`input "${name}" must be true or false (also yes/no, 1/0), got ${JSON.stringify(raw)}`);
}

/** A whole number in [min, max]; `""` gives the fallback. */
export function parseIntegerInput(name: string, raw: string, fallback: number, min: number, max: number): number {
  const text = raw.trim();
  if (text === "") return fallback;
  // Number("") is 0 and Number("1e3") is 1000: accept plain digits only, so typos are not read as numbers.
  if (!/^\d+$/.test(text)) {
    throw new ConfigurationError(`input "${name}" must be a whole number, got ${JSON.stringify(raw)}`);
  }
  const value = Number(text);
  if (value < min || value > max) {
    throw new ConfigurationError(`input "${name}" must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

/** Distribution ids separated by newlines or commas; each validated by the core, duplicates dropped. */
export function parseDistributionIds(raw: string): string[] {
  const items = raw
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item !== "");
  if (items.length === 0) {
    throw new ConfigurationError(
      'input "distribution-id" is required: give one CloudFront distribution id (E2QWRUHAPOMQZL), or several separated by newlines or commas',
    );
  }
  return [...new Set(items.map((item) => inInput("distribution-id", () => parseDistributionId(item))))];
}

function lines(raw: string): string[] {
  return raw
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/** A file an input names, decoded; `warning` when it was not UTF-8. */
export interface InputFile {
  readonly file: string;
  readonly text: string;
  readonly warning?: string;
}

/**
 * Reads the file an input names (relative to `cwd`); `""` gives undefined. A failure names the
 * input, the file and `hint`: how an earlier step of the job is meant to write it.
 */
async function readInputFile(
  name: string,
  raw: string,
  cwd: string,
  hint: (file: string) => string,
): Promise<InputFile | undefined> {
  const file = raw.trim();
  if (file === "") return undefined;
  const absolute = resolve(cwd, file);
  let bytes: Buffer;
  try {
    bytes = await readFile(absolute);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    throw new ConfigurationError(
      `input "${name}": cannot read ${JSON.stringify(file)} (${absolute}): ${reason}. ${hint(file)}`,
      { cause: error },
    );
  }
  // UTF-16 (PowerShell's `>`) and Latin-1 logs are decoded as written, not misread as UTF-8.
  const decoded = decodeChangeText(bytes, `input "${name}" (${file})`);
  return { file, text: decoded.text, ...(decoded.warning === undefined ? {} : { warning: decoded.warning }) };
}

const readSyncLog = (raw: string, cwd: string) =>
  readInputFile(
    "sync-log",
    raw,
    cwd,
    (file) => `Write the log in an earlier step of the same job, e.g. \`aws s3 sync ... | tee ${file}\``,
  );

const readChangesFile = (raw: string, cwd: string) =>
  readInputFile(
    "changes-file",
    raw,
    cwd,
    () => "Pass the `changes-file` output of an earlier diff step of the same job",
  );

async function readSiteDirectory(raw: string, cwd: string): Promise<ActionConfig["siteDirectory"]> {
  const directory = raw.trim();
  if (directory === "") return undefined;
  try {
    return { directory, keys: await listSiteKeys(resolve(cwd, directory)) };
  } catch (error) {
    throw new ConfigurationError(`input "site-directory": ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Reads and validates every input before anything talks to AWS. Each failure is a
 * ConfigurationError whose message names the input. Relative files resolve against `cwd`
 * (the runner starts actions in GITHUB_WORKSPACE).
 */
export async function readConfig(inputs: InputReader, cwd: string = process.cwd()): Promise<ActionConfig> {
  const diffOnly = parseBooleanInput("diff-only", inputs.getInput("diff-only"), false);
  const rawIds = inputs.getInput("distribution-id");
  // The two-step form's diff step invalidates nothing, so it may leave the id out.
  const distributionIds = diffOnly && rawIds.trim() === "" ? [] : parseDistributionIds(rawIds);
  const paths = lines(inputs.getInput("paths"));
  for (const path of paths) inInput("paths", () => parseInvalidationPath(path));
  const maxPaths = inInput("max-paths", () =>
    parseMaxPaths(
      parseIntegerInput("max-paths", inputs.getInput("max-paths"), DEFAULT_MAX_PATHS, 1, Number.MAX_SAFE_INTEGER),
      "max-paths",
    ),
  );
  const wait = parseBooleanInput("wait", inputs.getInput("wait"), false);
  const waitTimeoutSeconds = parseIntegerInput(
    "wait-timeout-seconds",
    inputs.getInput("wait-timeout-seconds"),
    DEFAULT_WAIT_TIMEOUT_SECONDS,
    1,
    MAX_WAIT_TIMEOUT_SECONDS,
  );
  const dryRun = parseBooleanInput("dry-run", inputs.getInput("dry-run"), false);
  // The runner passes action.yml's default (index.html) when the input is not given, so an
  // empty value here means the user set it empty on purpose: directory forms off.
  const indexDocument = inputs.getInput("index-document").trim();
  const s3Prefix = inputs.getInput("s3-prefix").trim();
  const callerReference = inputs.getInput("caller-reference").trim();
  if (/[\r\n]/.test(callerReference)) {
    throw new ConfigurationError('input "caller-reference" must be one line');
  }
  const syncLog = await readSyncLog(inputs.getInput("sync-log"), cwd);
  const siteDirectory = await readSiteDirectory(inputs.getInput("site-directory"), cwd);
  const changesFile = await readChangesFile(inputs.getInput("changes-file"), cwd);
  if (syncLog && changesFile) {
    throw new ConfigurationError('inputs "sync-log" and "changes-file" are both set: give one of them');
  }
  const diff = readDiffConfig(inputs, cwd, {
    diffOnly,
    siteDirectory: siteDirectory?.directory,
    explicit: paths.length > 0 || syncLog !== undefined || changesFile !== undefined,
  });
  return {
    distributionIds,
    paths,
    ...(syncLog === undefined ? {} : { syncLog }),
    ...(siteDirectory === undefined ? {} : { siteDirectory }),
    ...(s3Prefix === "" ? {} : { s3Prefix }),
    indexDocument: indexDocument === "" ? null : indexDocument,
    maxPaths,
    wait,
    waitTimeoutSeconds,
    ...(callerReference === "" ? {} : { callerReference }),
    dryRun,
    ...(changesFile === undefined ? {} : { changesFile }),
    ...(diff === undefined ? {} : { diff }),
  };
}

/**
 * Diff mode is on when `s3-uri` is given with `site-directory` and nothing says what changed
 * (`paths`, `sync-log`, `changes-file`). `delete` and `part-size` are read (and so validated)
 * whatever the mode.
 */
function readDiffConfig(
  inputs: InputReader,
  cwd: string,
  context: { diffOnly: boolean; siteDirectory: string | undefined; explicit: boolean },
): DiffConfig | undefined {
  const includeDeletions = parseBooleanInput("delete", inputs.getInput("delete"), true);
  const rawPartSize = inputs.getInput("part-size");
  const partSizeBytes = rawPartSize.trim() === "" ? undefined : parsePartSize(rawPartSize, 'input "part-size"');
  const s3Uri = inputs.getInput("s3-uri").trim();
  if (s3Uri === "") {
    if (context.diffOnly) {
      throw new ConfigurationError('input "diff-only" needs "s3-uri" and "site-directory": the diff compares them');
    }
    return undefined;
  }
  const location = parseS3Location(s3Uri, 'input "s3-uri"');
  if (context.siteDirectory === undefined) {
    throw new ConfigurationError(
      'input "s3-uri" needs "site-directory": the folder your sync uploads, to compare with the bucket',
    );
  }
  if (context.explicit) {
    // Ignoring s3-uri silently would hide a workflow that does not do what its author thinks.
    throw new ConfigurationError(
      'input "s3-uri" turns on the content diff, which replaces "paths", "sync-log" and "changes-file": give either s3-uri (diff mode) or those',
    );
  }
  return {
    s3Uri,
    ...location,
    siteDirectory: resolve(cwd, context.siteDirectory),
    includeDeletions,
    ...(partSizeBytes === undefined ? {} : { partSizeBytes }),
    diffOnly: context.diffOnly,
  };
}
