import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import { relative, sep } from "node:path";
import { ConfigurationError } from "./errors.js";

/**
 * Lists every file below `directory` as the S3 keys a sync of it would write (relative, `/`
 * separated, sorted). The planner uses it to count what a wildcard would hit.
 */
export async function listSiteKeys(directory: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(directory, { recursive: true, withFileTypes: true });
  } catch (error) {
    throw new ConfigurationError(
      `cannot read the site directory ${JSON.stringify(directory)}: ${(error as Error).message} (give the folder that was synced)`,
      { cause: error },
    );
  }
  const keys = entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(directory, `${entry.parentPath}${sep}${entry.name}`).split(sep).join("/"));
  return keys.sort();
}
