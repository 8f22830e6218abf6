import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigurationError } from "invalidation-core";

/** Names of what the main step saves for the post step (the runner passes `STATE_<name>`). */
export const STATE = {
  /** Set by every main step: the same dist/index.js then knows it runs as the post step. */
  isPost: "isPost",
  /** A SavedDiff, in diff mode without diff-only. */
  diff: "diff",
} as const;

/** Keys up to this many characters of JSON travel in the state (one variable may hold 128 KiB); more in a file. */
export const INLINE_STATE_CHARS = 16 * 1024;

/** The changed keys the post step invalidates, or the JSON file that holds them. */
export type SavedDiff = { readonly version: 2 } & (
  | { readonly keys: readonly string[] }
  | { readonly keysFile: string }
);

/** A folder for this step's files: under RUNNER_TEMP (emptied after the job), else the system's. */
export const stepDirectory = (env: NodeJS.ProcessEnv): Promise<string> =>
  mkdtemp(join(env.RUNNER_TEMP?.trim() || tmpdir(), "cloudfront-invalidate-"));

/** The state to save for `keys`: inline when small, else written to `directory`. */
export async function saveDiff(keys: readonly string[], directory: string): Promise<string> {
  const inline = JSON.stringify({ version: 2, keys } satisfies SavedDiff);
  if (inline.length <= INLINE_STATE_CHARS) return inline;
  const keysFile = join(directory, "changed-keys.json");
  await writeFile(keysFile, JSON.stringify(keys));
  return JSON.stringify({ version: 2, keysFile } satisfies SavedDiff);
}

const isKeyList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((k) => typeof k === "string");

/** The state the main step saved; undefined when there is none (invalidation mode, diff-only). */
export function parseSavedDiff(raw: string): SavedDiff | undefined {
  if (raw.trim() === "") return undefined;
  let value: { version?: unknown; keys?: unknown; keysFile?: unknown } | null;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new ConfigurationError(`the state saved by the main step is not JSON: ${(error as Error).message}`);
  }
  if (value?.version === 2 && (isKeyList(value.keys) || typeof value.keysFile === "string")) return value as SavedDiff;
  // Another version of the action in main and post (a tag moved mid-run) could do this.
  throw new ConfigurationError(
    "the state saved by the main step has an unknown shape: use the same version of the action for the whole job",
  );
}

export async function loadSavedKeys(saved: SavedDiff): Promise<readonly string[]> {
  if ("keys" in saved) return saved.keys;
  const keys: unknown = await readFile(saved.keysFile, "utf8").then(JSON.parse, (error: Error) => {
    const hint = "(did a step delete RUNNER_TEMP?)";
    throw new ConfigurationError(`cannot read the changed keys the main step saved: ${error.message} ${hint}`);
  });
  if (!isKeyList(keys)) throw new ConfigurationError(`${saved.keysFile} does not hold a list of keys`);
  return keys;
}
