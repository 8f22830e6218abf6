import { access } from "node:fs/promises";
import { resolve } from "node:path";
import {
  ConfigurationError,
  DEFAULT_MAX_PATHS,
  DEFAULT_URLS_PER_PATH,
  DEFAULT_WAIT_TIMEOUT_SECONDS,
  type InvalidationRequest,
  parseBooleanText,
  parseCacheTagList,
  parseCallerReference,
  parseDistributionIds,
  parseIndexDocument,
  parseKeyPrefix,
  parseMaxPaths,
  parsePartSize,
  parsePathList,
  parseS3Location,
  parseTenants,
  parseWholeNumber,
} from "invalidation-core";

/** The part of `@actions/core` that reads inputs. */
export interface InputReader {
  getInput(name: string): string;
}

/** A file an input names: as written, and resolved against the workspace. */
export interface InputFile {
  readonly file: string;
  readonly path: string;
}

/**
 * Every input, validated. Nothing here has touched AWS. What goes into the core's request as it is
 * has the request's own fields and types (documented there); the rest is the action's.
 */
export interface ActionConfig extends Required<Pick<InvalidationRequest, RequestFields>> {
  readonly syncLog?: InputFile;
  readonly changesFile?: InputFile;
  /** `site-directory`, absolute: the core lists it so the planner can count what a wildcard hits. */
  readonly siteDirectory?: string;
  readonly s3Prefix?: string;
  /** `null`: set empty on purpose, directory forms off. */
  readonly indexDocument: string | null;
  readonly waitTimeoutSeconds: number;
  readonly callerReference?: string;
  readonly diff?: DiffConfig;
}

/** The request's fields that the inputs give as they are. */
type RequestFields =
  | "distributionIds"
  | "tenants"
  | "paths"
  | "cacheTags"
  | "maxPaths"
  | "urlsPerPath"
  | "wait"
  | "dryRun";

/** Diff mode: `site-directory` and `s3-uri`, with neither `paths`, `sync-log` nor `changes-file`. */
export interface DiffConfig {
  readonly s3Uri: string;
  readonly bucket: string;
  /** `""` or ending in `/`. */
  readonly prefix: string;
  /** Absolute. */
  readonly siteDirectory: string;
  readonly includeDeletions: boolean;
  readonly partSizeBytes?: number;
  /** The two-step form: a later step invalidates, with `changes-file`. */
  readonly diffOnly: boolean;
}

// Default of `wait-timeout-seconds` (the core's, as action.yml says); at most a GitHub-hosted job's 6 hours.
export { DEFAULT_WAIT_TIMEOUT_SECONDS };
export const MAX_WAIT_TIMEOUT_SECONDS = 6 * 60 * 60;

const input = (name: string) => `input "${name}"`;
const given = <T extends object>(value: T | undefined | "") => (value ? value : {});

/** Checks that the file an input names can be read (it is streamed later); a failure says how to write it. */
async function inputFile(name: string, raw: string, cwd: string, hint: string): Promise<InputFile | undefined> {
  const file = raw.trim();
  if (file === "") return undefined;
  const path = resolve(cwd, file);
  await access(path).catch((error: NodeJS.ErrnoException) => {
    const reason = error.code === "ENOENT" ? "no such file" : error.message;
    throw new ConfigurationError(`${input(name)}: cannot read ${JSON.stringify(file)} (${path}): ${reason}. ${hint}`);
  });
  return { file, path };
}

/**
 * `paths` as the core's path list, except that a `#` line is refused rather than skipped as a
 * comment: in this input it is almost surely a cache tag, which skipped would mean `/*`.
 */
function readPaths(text: string): string[] {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  const tag = lines.findIndex((line) => line.startsWith("#"));
  if (tag >= 0) {
    throw new ConfigurationError(
      `${input("paths")} line ${tag + 1}: ${JSON.stringify(lines[tag])} starts with "#", which CloudFront reads as a cache tag: give cache tags in ${input("cache-tags")}`,
    );
  }
  return parsePathList(text, input("paths"));
}

/**
 * Reads and validates every input before anything talks to AWS, with the core's validators; each
 * failure is a ConfigurationError naming the input. Files resolve against `cwd` (GITHUB_WORKSPACE).
 * Files and the site folder are checked to exist; reading them is the core's (streamed, or listed).
 */
export async function readConfig(inputs: InputReader, cwd: string = process.cwd()): Promise<ActionConfig> {
  const get = (name: string) => inputs.getInput(name);
  const flag = (name: string, fallback: boolean) => parseBooleanText(get(name), input(name), fallback);
  const whole = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
    parseWholeNumber(get(name), input(name), { fallback, min, max });
  const diffOnly = flag("diff-only", false);
  const tenants = parseTenants([get("tenant")], input("tenant"));
  // The two-step form's diff step invalidates nothing, and a tenant may be the only target.
  const optional = diffOnly || tenants.length > 0;
  const distributionIds = parseDistributionIds([get("distribution-id")], input("distribution-id"), { optional });
  const paths = readPaths(get("paths"));
  const cacheTags = parseCacheTagList(get("cache-tags"), input("cache-tags"));
  const maxPaths = parseMaxPaths(whole("max-paths", DEFAULT_MAX_PATHS, 1), input("max-paths"));
  const urlsPerPath = whole("urls-per-path", DEFAULT_URLS_PER_PATH, 0);
  const wait = flag("wait", false);
  const waitTimeoutSeconds = whole("wait-timeout-seconds", DEFAULT_WAIT_TIMEOUT_SECONDS, 1, MAX_WAIT_TIMEOUT_SECONDS);
  const dryRun = flag("dry-run", false);
  // The runner passes action.yml's default (index.html) for a missing input: empty is on purpose.
  const indexDocument = parseIndexDocument(get("index-document"), input("index-document")) || null;
  const s3Prefix = parseKeyPrefix(get("s3-prefix"), input("s3-prefix"));
  const reference = get("caller-reference");
  const callerReference = reference.trim() && parseCallerReference(reference, input("caller-reference"));
  const hint = "Write the log in an earlier step of the same job, e.g. `aws s3 sync ... | tee sync.log`";
  const syncLog = await inputFile("sync-log", get("sync-log"), cwd, hint);
  // Checked to exist here; listed by the core (when it plans, or by the content diff in diff mode's
  // main step), which names this input in any failure to read it, before any AWS call.
  const site = await inputFile("site-directory", get("site-directory"), cwd, "Give the folder that the sync uploads");
  const siteDirectory = site?.path;
  const listHint = "Pass the `changes-file` output of an earlier diff step of the same job";
  const changesFile = await inputFile("changes-file", get("changes-file"), cwd, listHint);
  if (syncLog && changesFile) {
    throw new ConfigurationError('inputs "sync-log" and "changes-file" are both set: give one of them');
  }
  const includeDeletions = flag("delete", true);
  const partSize = get("part-size").trim();
  const partSizeBytes = partSize === "" ? undefined : parsePartSize(partSize, input("part-size"));
  const s3Uri = get("s3-uri").trim();
  let diff: DiffConfig | undefined;
  if (s3Uri === "" && diffOnly) {
    throw new ConfigurationError('input "diff-only" needs "s3-uri" and "site-directory": the diff compares them');
  } else if (s3Uri !== "") {
    const location = parseS3Location(s3Uri, input("s3-uri"));
    if (siteDirectory === undefined) {
      throw new ConfigurationError('input "s3-uri" needs "site-directory": the folder your sync uploads');
    }
    if (paths.length > 0 || syncLog || changesFile) {
      // Ignoring s3-uri silently would hide a workflow that does not do what its author thinks.
      throw new ConfigurationError(
        'input "s3-uri" turns on the content diff, which replaces "paths", "sync-log" and "changes-file": give either s3-uri (diff mode) or those',
      );
    }
    diff = {
      s3Uri,
      ...location,
      siteDirectory,
      includeDeletions,
      ...(partSizeBytes === undefined ? {} : { partSizeBytes }),
      diffOnly,
    };
  }
  return {
    distributionIds,
    tenants,
    paths,
    cacheTags,
    ...given(syncLog && { syncLog }),
    ...given(changesFile && { changesFile }),
    ...given(siteDirectory && { siteDirectory }),
    ...given(s3Prefix && { s3Prefix }),
    indexDocument,
    maxPaths,
    urlsPerPath,
    wait,
    waitTimeoutSeconds,
    ...given(callerReference && { callerReference }),
    dryRun,
    ...given(diff && { diff }),
  };
}
