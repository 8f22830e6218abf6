// OWNER: core-parse helper. Contract below is shared; keep exported names and shapes.

/** What the AWS CLI did to an object. */
export type ChangeAction = "upload" | "copy" | "move" | "delete";

/** One S3 object that changed (written or removed). */
export interface ChangedObject {
  /** Bucket from the `s3://` URI; absent for plain key lists. */
  readonly bucket?: string;
  /** The raw object key, exactly as stored in S3 (not URL-encoded). */
  readonly key: string;
  readonly action: ChangeAction;
}

export interface ParsedChanges {
  readonly objects: readonly ChangedObject[];
  /** Lines that told of no change (`upload failed:`, `delete failed:`), for the user's attention. */
  readonly warnings: readonly string[];
}

/** How many problem lines are quoted in the warnings before the rest are only counted. */
export const MAX_QUOTED_LINES = 20;

// The CLI prints `<verb>: <location>`, `<verb> failed: <location> <error>` and, with --dryrun,
// `(dryrun) <verb>: ...` (awscli/customizations/s3/results.py, ResultPrinter).
interface Verb {
  readonly action: ChangeAction | "download";
  readonly dryRun: boolean;
  readonly failed: boolean;
}
const VERBS = new Map<string, Verb>();
for (const action of ["upload", "copy", "move", "delete", "download"] as const) {
  VERBS.set(action, { action, dryRun: false, failed: false });
  VERBS.set(`${action} failed`, { action, dryRun: false, failed: true });
  VERBS.set(`(dryrun) ${action}`, { action, dryRun: true, failed: false });
}
/** The verb a CLI line starts with (`upload: `, `delete failed: `, `(dryrun) copy: `...), by lookup. */
function verbOf(line: string): Verb | undefined {
  const colon = line.indexOf(": ");
  return colon > 3 && colon < 18 ? VERBS.get(line.slice(0, colon)) : undefined;
}
const PROGRESS_LINE = /^Completed \S+(?: file\(s\))?(?:\/\S+ \([^)]*\))? with ~?\d+ file\(s\) remaining/;
const FATAL_LINE = /^(?:fatal error: |cancelled: ctrl-c received)/;
const CLI_WARNING_LINE = /^warning: Skipping file /;
// Lines that only a log has (CI markers, an echoed command): they rule out reading the text as a
// key list, so that a log of a sync that changed nothing is not taken for a list of odd keys.
const LOG_NOISE = /^(?:##\[|::[a-z-]+[^:]*::|\[Container\] |\[Command\]|\+ )|\baws s3 /;

// Prefixes that CI systems put before a program's output. Only timestamps (optionally in square
// brackets) and ANSI colour codes are removed: they can never be mistaken for part of a CLI
// line, since the CLI starts every line with a verb. Markers such as `##[group]` or `::debug::`
// are NOT removed: lines carrying them are the runner's own, never the CLI's output.
const ANSI_COLOUR = "(?:\\u001b\\[[0-9;]*m)*";
const TIMESTAMP =
  "\\[?(?:\\d{4}[-/]\\d{2}[-/]\\d{2}[T ])?\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d+)?(?:Z|[+-]\\d{2}:?\\d{2})?\\]?[ \\t]+";
const CI_PREFIX = new RegExp(`^${ANSI_COLOUR}[ \\t]*(?:${TIMESTAMP})?${ANSI_COLOUR}[ \\t]*`);

// Bucket names: today's rules are [a-z0-9.-]{3,63}; old us-east-1 buckets may also hold capitals
// and `_` (up to 255). Access point ARNs (`s3://arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME/key`,
// also on Outposts) stand in for the bucket.
const BUCKET = /^[A-Za-z0-9._-]{1,255}$/;
const ACCESS_POINT =
  /^arn:[a-z-]+:s3(?:-outposts|-object-lambda)?:[a-z0-9-]*:\d{12}:(?:outpost\/[^/]+\/)?accesspoint\/[^/]+/;

interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** Splits `s3://bucket/key`; undefined when it is not one (or the key is empty). */
export function parseS3Uri(uri: string): S3Location | undefined {
  if (!uri.startsWith("s3://")) return undefined;
  const rest = uri.slice(5);
  let bucket: string;
  if (rest.startsWith("arn:")) {
    const match = ACCESS_POINT.exec(rest);
    if (!match || rest.charCodeAt(match[0].length) !== 0x2f) return undefined;
    bucket = match[0];
  } else {
    const slash = rest.indexOf("/");
    if (slash <= 0 || slash > 255) return undefined;
    bucket = rest.slice(0, slash);
    if (!BUCKET.test(bucket)) return undefined;
  }
  const key = rest.slice(bucket.length + 1);
  return key.length === 0 ? undefined : { bucket, key };
}

/** Removes the spaces the CLI pads a line with to overwrite the progress line before it. */
function trimPadding(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x20) end--;
  return text.slice(0, end);
}

function trailingSpaces(text: string, end = text.length): number {
  let count = 0;
  while (end - count > 0 && text.charCodeAt(end - count - 1) === 0x20) count++;
  return count;
}

/**
 * Z-array of `text` reversed: `z[p]` is the length of the longest common suffix of `text` and
 * `text.slice(0, text.length - p)`. Linear time; used to score split candidates in one pass.
 */
function reversedZ(text: string): Int32Array {
  const n = text.length;
  const at = (i: number) => text.charCodeAt(n - 1 - i);
  const z = new Int32Array(n + 1);
  z[0] = n;
  let left = 0;
  let right = 0;
  for (let i = 1; i < n; i++) {
    let length = i < right ? Math.min(right - i, z[i - left] ?? 0) : 0;
    while (i + length < n && at(length) === at(i + length)) length++;
    z[i] = length;
    if (i + length > right) {
      left = i;
      right = i + length;
    }
  }
  return z;
}

interface Split {
  /** The source, when it is an S3 object. */
  readonly from: S3Location | undefined;
  /** The destination, when it is an S3 object (padding removed, the key's own trailing spaces kept). */
  readonly to: S3Location | undefined;
}

type Side = "local" | "s3" | "any";

function fits(text: string, side: Side): boolean {
  if (side === "local") return !text.startsWith("s3://");
  if (side === "s3") return parseS3Uri(text) !== undefined;
  return !text.startsWith("s3://") || parseS3Uri(text) !== undefined;
}

/**
 * Splits `SRC to DEST` where either side may itself contain ` to ` (file names are printed raw).
 * Candidates are every ` to ` whose sides have the right kind (local path or valid `s3://` URI);
 * when several remain, the one whose source and destination share the longest common suffix
 * wins (a sync keeps the relative path: `site/a to b.html` → `s3://bucket/web/a to b.html`),
 * the last one on a tie.
 */
function splitLocations(body: string, sourceSide: Side, destinationSide: Side, pad: Padding): Split | undefined {
  // With no padding the destination keeps its trailing spaces; else the source decides (below).
  const trimmed = pad === "exact" ? body : trimPadding(body);
  const padding = body.length - trimmed.length;
  const marker = destinationSide === "s3" ? " to s3://" : " to ";
  const candidates: number[] = [];
  for (let i = body.indexOf(marker); i !== -1 && i + 4 < trimmed.length; i = body.indexOf(marker, i + 1)) {
    if (i === 0) continue;
    const source = body.slice(0, i);
    const destination = trimmed.slice(i + 4);
    if (!fits(source, sourceSide) || !fits(destination, destinationSide)) continue;
    if (sourceSide === "any" && !source.startsWith("s3://") && !destination.startsWith("s3://")) continue;
    candidates.push(i);
  }
  if (candidates.length === 0) return undefined;
  let best = candidates[0]!;
  if (candidates.length > 1) {
    // Windows paths use `\`: compare them as `/` so `site\a\b.html` matches the key `a/b.html`.
    const z = reversedZ(trimmed.replaceAll("\\", "/"));
    let bestScore = -1;
    for (const i of candidates) {
      const sourceEnd = i - trailingSpaces(body, i);
      const score = Math.min(z[trimmed.length - sourceEnd] ?? 0, sourceEnd, trimmed.length - i - 4);
      if (score >= bestScore) {
        bestScore = score;
        best = i;
      }
    }
  }
  const source = body.slice(0, best);
  // Padding and a key's own trailing spaces look alike; when the source (same relative name)
  // ends in spaces, give the destination as many of them as the line still has.
  const restored = Math.min(trailingSpaces(source), padding);
  const destination = restored === 0 ? trimmed.slice(best + 4) : body.slice(best + 4, trimmed.length + restored);
  return { from: parseS3Uri(source), to: parseS3Uri(destination) };
}

function quoteLimited(list: string[], counts: { quoted: number; omitted: number }, line: string): void {
  if (counts.quoted < MAX_QUOTED_LINES) {
    list.push(line);
    counts.quoted++;
  } else {
    counts.omitted++;
  }
}

function keyListObject(line: string): ChangedObject | undefined {
  const text = line.trim();
  if (text.length === 0) return undefined;
  const s3 = parseS3Uri(text);
  if (s3) return { bucket: s3.bucket, key: s3.key, action: "upload" };
  const key = text.startsWith("/") ? text.slice(1) : text;
  return key.length === 0 ? undefined : { key, action: "upload" };
}

/**
 * Parses the output of `aws s3 sync|cp --recursive|rm --recursive|mv` (AWS CLI v1 or v2), or a
 * plain list of keys (one per line, an optional leading `/`), into the objects that changed.
 *
 * - `upload:`, `copy:`, `move:` give the destination object; a `move:` from S3 also the source
 *   (it was deleted); `delete:` gives the object; `download:` and `(dryrun)` lines change nothing.
 * - Progress lines joined by `\r`, trailing padding, CRLF, and timestamps or ANSI colours that a
 *   CI system puts before a line are handled; other lines are ignored.
 * - `... failed:`, `fatal error:` and `warning: Skipping file` lines become warnings.
 * - Text with no CLI line at all is read as a key list (`s3://bucket/key` lines are accepted too).
 *
 * Linear in the size of the text; never throws.
 *
 * @example
 * parseChanges("upload: public/a b.html to s3://site/a b.html\n").objects
 * // → [{ bucket: "site", key: "a b.html", action: "upload" }]
 */
export function parseChanges(text: string): ParsedChanges {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const objects: ChangedObject[] = [];
  const warnings: string[] = [];
  const problems = { quoted: 0, omitted: 0 };
  let keyList: ChangedObject[] | undefined = [];
  let dryRunLines = 0;
  const handle = (raw: string, previous: number): void => {
    if (raw.length === 0) return;
    // Most lines start with a letter: skip the prefix expression for them (it is the hot path).
    const first = raw.charCodeAt(0);
    const line = (first | 0x20) >= 0x61 && (first | 0x20) <= 0x7a ? raw : raw.replace(CI_PREFIX, "");
    const verb = verbOf(line);
    if (!verb) {
      if (line.startsWith("Completed ")) {
        if (keyList && PROGRESS_LINE.test(line)) keyList = undefined;
      } else if (FATAL_LINE.test(line) || CLI_WARNING_LINE.test(line)) {
        keyList = undefined;
        quoteLimited(warnings, problems, trimPadding(line));
      } else if (keyList && (LOG_NOISE.test(line) || raw.slice(0, raw.length - line.length).trim() !== "")) {
        // A CI timestamp or colour code was removed: this is a log, not a key list.
        keyList = undefined;
      } else if (keyList) {
        const object = keyListObject(raw);
        if (object) keyList.push(object);
      }
      return;
    }
    keyList = undefined;
    const { action, dryRun, failed } = verb;
    if (dryRun) {
      dryRunLines++;
      return;
    }
    if (failed) {
      quoteLimited(warnings, problems, trimPadding(line));
      return;
    }
    if (action === "download") return;
    const body = line.slice(line.indexOf(": ") + 2);
    const parsed = parseBody(action, body, padding(raw.length, previous));
    if (parsed === undefined) {
      quoteLimited(
        warnings,
        problems,
        `could not read this line, so its object is not invalidated: ${trimPadding(line)}`,
      );
    } else {
      for (const object of parsed) objects.push(object);
    }
  };
  // Physical lines end in `\n` (or `\r\n`); within one, every `\r` starts a new segment, since the
  // CLI ends each progress line with `\r` alone and then overwrites it. Walked by index, not
  // split, so that a million-line log makes no million-element array.
  let nextCr = source.indexOf("\r");
  for (let start = 0; start <= source.length; ) {
    let end = source.indexOf("\n", start);
    if (end === -1) end = source.length;
    const next = end + 1;
    if (end > start && source.charCodeAt(end - 1) === 0x0d) end--;
    let previous = -1;
    // Each `\r` is found once (nextCr only moves forward), so sparse CRs cost no rescans.
    while (nextCr !== -1 && nextCr < end) {
      handle(source.slice(start, nextCr), previous);
      previous = nextCr - start;
      start = nextCr + 1;
      nextCr = source.indexOf("\r", start);
    }
    handle(source.slice(start, end), previous);
    start = next;
    if (nextCr !== -1 && nextCr < start) nextCr = source.indexOf("\r", start);
  }
  if (problems.omitted > 0) warnings.push(`... and ${problems.omitted} more such lines`);
  if (dryRunLines > 0) {
    warnings.push(`${dryRunLines} "(dryrun)" line(s) ignored: a dry run changes nothing in S3`);
  }
  return { objects: keyList ?? objects, warnings };
}

/**
 * Whether the trailing spaces of a line may be padding. The CLI pads a result line with spaces
 * to the length of the progress line it overwrites (the `\r` segment before it), and only then.
 * - `"padded"`: a progress segment precedes and the line is no longer than it;
 * - `"exact"`: a shorter progress segment precedes, so no space was added;
 * - `"unknown"`: nothing precedes. The CLI adds no padding then, but a log whose progress parts
 *   were dropped (a copy from a terminal or a web view) may still carry it.
 */
type Padding = "padded" | "exact" | "unknown";

function padding(length: number, previous: number): Padding {
  if (previous < 0) return "unknown";
  return length > previous ? "exact" : "padded";
}

function parseBody(action: ChangeAction, body: string, pad: Padding): ChangedObject[] | undefined {
  if (action === "delete") {
    const trimmed = trimPadding(body);
    // `sync s3://... ./dir --delete` deletes local files: nothing changes in S3.
    if (!trimmed.startsWith("s3://")) return [];
    const location = parseS3Uri(pad === "exact" ? body : trimmed);
    if (!location) return undefined;
    const changed: ChangedObject[] = [{ bucket: location.bucket, key: location.key, action }];
    // A key ending in spaces, or padding? Unknown: invalidate both (one extra path, right either way).
    if (pad === "unknown" && trimmed.length < body.length)
      changed.push({ bucket: location.bucket, key: location.key + body.slice(trimmed.length), action });
    return changed;
  }
  const split =
    action === "upload"
      ? splitLocations(body, "local", "s3", pad)
      : action === "copy"
        ? splitLocations(body, "s3", "s3", pad)
        : splitLocations(body, "any", "any", pad);
  if (!split) return undefined;
  const changed: ChangedObject[] = [];
  // A move from S3 deletes its source object.
  if (action === "move" && split.from) changed.push({ bucket: split.from.bucket, key: split.from.key, action });
  if (split.to) changed.push({ bucket: split.to.bucket, key: split.to.key, action });
  return changed;
}
