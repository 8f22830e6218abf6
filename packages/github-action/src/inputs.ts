import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import {
  ConfigurationError,
  DEFAULT_MAX_PATHS,
  listSiteKeys,
  parseDistributionId,
  parseInvalidationPath,
  parseMaxPaths,
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
  readonly syncLog?: { readonly file: string; readonly text: string };
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

async function readSyncLog(raw: string, cwd: string): Promise<ActionConfig["syncLog"]> {
  const file = raw.trim();
  if (file === "") return undefined;
  const absolute = resolve(cwd, file);
  try {
    return { file, text: await readFile(absolute, "utf8") };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    throw new ConfigurationError(
      `input "sync-log": cannot read ${JSON.stringify(file)} (${absolute}): ${reason}. Write the log in an earlier step of the same job, e.g. \`aws s3 sync ... | tee ${file}\``,
      { cause: error },
    );
  }
}

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
  const distributionIds = parseDistributionIds(inputs.getInput("distribution-id"));
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
  };
}
