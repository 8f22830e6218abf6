import { parseChanges, parseInvalidationPath, toInvalidationPath } from "invalidation-core";

/** Changed keys as the core's `buildPlan` takes them, plus wildcards for keys a list cannot carry. */
export interface ChangeList {
  /** One `s3://changed/<key>` line per key: text that the core's `parseChanges` reads back exactly. */
  readonly changes: string;
  /** Wildcard paths covering the keys that no line can carry (see below). */
  readonly fallbackPaths: readonly string[];
  /** The keys behind `fallbackPaths`, for a warning. */
  readonly fallbackKeys: readonly string[];
}

// A bucket name only so that every line is an `s3://` URI; buildPlan ignores buckets.
const LINE_PREFIX = "s3://changed/";
// Where a key stops being safe to put into a wildcard prefix: whitespace and controls (a line
// is trimmed and split at \r and \n), `*` (a wildcard only at the end) and `~` (two path forms).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point
const UNSAFE_IN_PREFIX = /[\s\x00-\x1f\x7f*~]/;

/**
 * Turns changed object keys (full keys, deploy prefix included) into the change list that the core's
 * `buildPlan` parses, so that a diff is planned by exactly the rules a sync log is.
 *
 * The core reads a text, line by line. A key that does not survive that round trip (a newline or a
 * carriage return in its name, leading or trailing whitespace, text that reads as a CI log line) is
 * never dropped: it is covered by a wildcard of its longest safe prefix instead (`/dir/odd*`), or `/*`
 * when even that is not a valid path. Each key is checked by parsing its own line back, so the rule
 * is the core's own, not a guess of it. Pure.
 *
 * @param relative maps a full key to the key relative to the served prefix (for the wildcard), or
 *   undefined when the key is outside it.
 */
export function changeListForKeys(keys: readonly string[], relative: (key: string) => string | undefined): ChangeList {
  const lines: string[] = [];
  const fallbackPaths = new Set<string>();
  const fallbackKeys: string[] = [];
  for (const key of keys) {
    const line = `${LINE_PREFIX}${key}`;
    const parsed = parseChanges(line).objects;
    if (parsed.length === 1 && parsed[0]?.key === key) {
      lines.push(line);
      continue;
    }
    fallbackKeys.push(key);
    const served = relative(key);
    if (served === undefined) continue; // outside the served prefix: nothing to invalidate, as for any key there
    fallbackPaths.add(wildcardFor(served));
  }
  const changes = lines.length === 0 ? "" : `${lines.join("\n")}\n`;
  // Belt and braces: lines that pass one by one must pass together (the list is read as a whole).
  const together = parseChanges(changes).objects.length;
  if (together !== lines.length) {
    throw new Error(`internal: ${lines.length} change lines read back as ${together} objects`);
  }
  return { changes, fallbackPaths: [...fallbackPaths].sort(), fallbackKeys };
}

function wildcardFor(relativeKey: string): string {
  const cut = relativeKey.search(UNSAFE_IN_PREFIX);
  const prefix = cut < 0 ? relativeKey : relativeKey.slice(0, cut);
  try {
    return parseInvalidationPath(`${toInvalidationPath(prefix)}*`);
  } catch {
    return "/*";
  }
}
