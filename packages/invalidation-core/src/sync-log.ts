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
  /**
   * Set when the text mixes CI log lines with lines that could be keys, and has no AWS CLI line:
   * `objects` then holds the would-be keys, but the input should be refused (readChangeLog does).
   */
  readonly ambiguity?: string;
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
// Lines that only a log has: CI markers and an echoed `aws s3` command (with an `s3://` argument, as
// sync, cp, mv and rm need). A key list never holds them, so they tell a log of a sync that changed
// nothing from a list of odd keys. Deliberately NOT here: `+ ` (xtrace) and a bare `HH:MM:SS `
// prefix, since `+ plus.html` and `12:30:00 standup.html` are keys too.
const LOG_NOISE = /^(?:##\[|::[a-z-]+[^:]*::|\[Container\] |\[Command\])|\baws s3 (?:sync|cp|mv|rm)\b.*\ss3:\/\//;

// ANSI escape sequences (CSI: colours, cursor moves; OSC: titles, links), removed wherever they are
// in a line: `\e[32mupload: … \e[0m` must not give a key ending in `\e[0m`. S3 keys holding ESC
// cannot be read from a log (no real key does).
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding escape sequences is the point
const ANSI = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?)/g;
// Prefixes that CI systems put before a program's output: a timestamp (optionally in square
// brackets), after the colour codes are gone. It can never be mistaken for part of a CLI line,
// since the CLI starts every line with a verb. Markers such as `##[group]` or `::debug::` are NOT
// removed: lines carrying them are the runner's own, never the CLI's output. A stamp with a date
// or brackets marks the text as a log; a bare `12:30:00 ` may begin a key in a key list.
const CI_PREFIX =
  /^[ \t]*(?:(?<open>\[)?(?<date>\d{4}[-/]\d{2}[-/]\d{2}[T ])?\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\]?[ \t]+)?/;

/**
 * The longest line (a `\r` or `\n` segment, in characters) read. No change line comes near it (an
 * S3 key is at most 1,024 bytes, a local path a few thousand characters); a longer one is skipped
 * with a warning, so that input with no line break cannot fill memory.
 */
export const MAX_LINE_LENGTH = 1024 * 1024;

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
  /** The destination read with all the line's trailing spaces, when they may be the key's own. */
  readonly toPadded?: S3Location | undefined;
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
  // With no padding the destination keeps its trailing spaces; else see below.
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
  const destination = trimmed.slice(best + 4);
  const from = parseS3Uri(source);
  if (padding === 0) return { from, to: parseS3Uri(destination) };
  // Padding and a key's own trailing spaces look alike. When source and destination have the same
  // name (a sync, a recursive copy), the source's trailing spaces are the key's: the destination
  // gets as many as the line still has. Else both readings (the longer one is cheap insurance).
  if (sameName(source, destination)) {
    const restored = Math.min(trailingSpaces(source), padding);
    return { from, to: parseS3Uri(body.slice(best + 4, trimmed.length + restored)) };
  }
  return { from, to: parseS3Uri(destination), toPadded: parseS3Uri(body.slice(best + 4)) };
}

/** Whether two locations end in the same name (last `/` or `\\` segment), trailing spaces aside. */
function sameName(source: string, destination: string): boolean {
  const name = (path: string) => {
    const text = trimPadding(path);
    return text.slice(Math.max(text.lastIndexOf("/"), text.lastIndexOf("\\")) + 1);
  };
  return name(source) === name(destination);
}

function quoteLimited(list: string[], counts: { quoted: number; omitted: number }, line: string): void {
  if (counts.quoted < MAX_QUOTED_LINES) {
    list.push(line);
    counts.quoted++;
  } else {
    counts.omitted++;
  }
}

function readQuotedKey(text: string): string | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

function keyListObject(line: string): ChangedObject | undefined {
  const text = line.trim();
  if (text.length === 0) return undefined;
  // A JSON string is a key written quoted (formatChangeList does so for a key that no plain line
  // can hold: a line break, white space at either end, a leading quote).
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    const quoted = readQuotedKey(text);
    if (quoted !== undefined) return quoted.length === 0 ? undefined : { key: quoted, action: "upload" };
  }
  const s3 = parseS3Uri(text);
  if (s3) return { bucket: s3.bucket, key: s3.key, action: "upload" };
  const key = text.startsWith("/") ? text.slice(1) : text;
  return key.length === 0 ? undefined : { key, action: "upload" };
}

/** The line for a message: quoted, cut short. */
function quote(line: string): string {
  const text = line.trim();
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

/**
 * What a change list turned out to be.
 * - `log`: AWS CLI output (or a CI log around it): its CLI lines say what changed, other lines are
 *   ignored. A log with CI lines only (a sync that changed nothing) is a log with no change.
 * - `key-list`: no CLI line and no CI line: every non-blank line is a key.
 * - `empty`: no line at all.
 * - `ambiguous`: no CLI line, but CI lines next to lines that could be keys. Neither reading is
 *   safe (one plans the runner's lines, the other plans nothing), so readChangeLog refuses it.
 */
export type ChangeListKind = "log" | "key-list" | "empty" | "ambiguous";

export interface ChangeLogSummary {
  readonly kind: ChangeListKind;
  /** The keys of a key list; for `ambiguous`, the lines that could be keys; else empty. */
  readonly listed: readonly ChangedObject[];
  readonly warnings: readonly string[];
  /** For `ambiguous`: what was mixed, quoting a line of each sort. */
  readonly ambiguity?: string;
}

export interface ChangeLogParserOptions {
  /** Keep each listed key once (a key list read as a stream holds only distinct keys). */
  readonly distinct?: boolean;
}

/**
 * Reads a sync log or key list incrementally: `write` any pieces of text (split anywhere, even
 * inside a line or between `\r` and `\n`), then `finish`. Objects from CLI lines go to `onChange`
 * as they are read; a key list is only known at the end (one CLI line anywhere makes the text a
 * log), so its keys come back from `finish`. Memory: the current line, plus the listed keys while
 * no CLI line has appeared. The rules are those of {@link parseChanges}, which uses this class.
 *
 * @example
 * const parser = new ChangeLogParser((object) => keys.add(object.key));
 * for await (const text of chunks) parser.write(text);
 * const { kind, listed, warnings } = parser.finish();
 */
export class ChangeLogParser {
  readonly #onChange: (object: ChangedObject) => void;
  readonly #distinct: Set<string> | undefined;
  /** The unfinished segment of the last write. */
  #partial = "";
  /** The unfinished segment is over MAX_LINE_LENGTH: dropped until its end. */
  #overlong = false;
  #overlongLines = 0;
  /** Length of the `\r` segment before the current one in this physical line; -1 at a line's start. */
  #previous = -1;
  #started = false;
  #sawCli = false;
  #listed: ChangedObject[] = [];
  #firstNoise: string | undefined;
  #firstCandidate: string | undefined;
  readonly #warnings: string[] = [];
  readonly #problems = { quoted: 0, omitted: 0 };
  #dryRunLines = 0;

  constructor(onChange: (object: ChangedObject) => void, options: ChangeLogParserOptions = {}) {
    this.#onChange = onChange;
    this.#distinct = options.distinct ? new Set() : undefined;
  }

  /** Reads a piece of text. Physical lines end in `\n` (or `\r\n`); every `\r` starts a new segment. */
  write(text: string): void {
    if (text.length === 0) return;
    if (!this.#started) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    // Walked by index, not split: a piece of a million lines makes no million-element array, and
    // each `\r` and `\n` is found once (the positions only move forward).
    let nl = text.indexOf("\n");
    let cr = text.indexOf("\r");
    let start = 0;
    for (;;) {
      if (nl !== -1 && nl < start) nl = text.indexOf("\n", start);
      if (cr !== -1 && cr < start) cr = text.indexOf("\r", start);
      const end = nl === -1 ? cr : cr === -1 ? nl : Math.min(nl, cr);
      if (end === -1) break;
      const length = this.#segment(text.slice(start, end));
      this.#previous = end === nl ? -1 : length;
      start = end + 1;
    }
    if (start < text.length) this.#hold(start === 0 ? text : text.slice(start));
  }

  /** Ends the text (the last line needs no line break) and says what it was. */
  finish(): ChangeLogSummary {
    if (this.#partial.length > 0 || this.#overlong) this.#segment("");
    this.#partial = "";
    const warnings = [...this.#warnings];
    if (this.#problems.omitted > 0) warnings.push(`... and ${this.#problems.omitted} more such lines`);
    if (this.#dryRunLines > 0) {
      warnings.push(`${this.#dryRunLines} "(dryrun)" line(s) ignored: a dry run changes nothing in S3`);
    }
    if (this.#overlongLines > 0) {
      warnings.push(
        `${this.#overlongLines} line(s) longer than ${MAX_LINE_LENGTH} characters skipped: no change line is that long`,
      );
    }
    if (this.#sawCli) return { kind: "log", listed: [], warnings };
    if (this.#listed.length === 0) {
      return { kind: this.#firstNoise === undefined ? "empty" : "log", listed: [], warnings };
    }
    if (this.#firstNoise === undefined) return { kind: "key-list", listed: this.#listed, warnings };
    const ambiguity =
      `it holds no AWS CLI output line, but mixes lines of a CI log (such as ${quote(this.#firstNoise)}) ` +
      `with lines that could be keys (such as ${quote(this.#firstCandidate ?? "")})`;
    return { kind: "ambiguous", listed: this.#listed, warnings, ambiguity };
  }

  #hold(rest: string): void {
    if (this.#overlong) return;
    this.#partial += rest;
    if (this.#partial.length > MAX_LINE_LENGTH) {
      this.#partial = "";
      this.#overlong = true;
    }
  }

  /** Handles one whole segment (the held part in front); returns its length once prefixes are removed. */
  #segment(piece: string): number {
    if (this.#overlong) {
      this.#overlong = false;
      this.#overlongLines++;
      return MAX_LINE_LENGTH;
    }
    let raw = piece;
    if (this.#partial.length > 0) {
      raw = this.#partial + piece;
      this.#partial = "";
      if (raw.length > MAX_LINE_LENGTH) {
        this.#overlongLines++;
        return MAX_LINE_LENGTH;
      }
    }
    return this.#handle(raw);
  }

  #handle(raw: string): number {
    if (raw.length === 0) return 0;
    let text = raw;
    let noise = false;
    if (text.includes("\u001b")) {
      text = text.replace(ANSI, "");
      noise = true;
    }
    let line = text;
    // Most lines start with a letter: skip the prefix expression for them (it is the hot path).
    const first = text.charCodeAt(0);
    if ((first | 0x20) < 0x61 || (first | 0x20) > 0x7a) {
      const prefix = CI_PREFIX.exec(text);
      if (prefix !== null && prefix[0].length > 0) {
        line = text.slice(prefix[0].length);
        if (prefix.groups?.open !== undefined || prefix.groups?.date !== undefined) noise = true;
      }
    }
    const verb = verbOf(line);
    if (!verb) {
      if (line.startsWith("Completed ") && PROGRESS_LINE.test(line)) {
        this.#cliLine();
      } else if (FATAL_LINE.test(line) || CLI_WARNING_LINE.test(line)) {
        this.#cliLine();
        quoteLimited(this.#warnings, this.#problems, trimPadding(line));
      } else if (!this.#sawCli && line.trim() !== "") {
        if (noise || LOG_NOISE.test(line)) {
          this.#firstNoise ??= text;
        } else {
          this.#list(text);
        }
      }
      return line.length;
    }
    this.#cliLine();
    const { action, dryRun, failed } = verb;
    if (dryRun) {
      this.#dryRunLines++;
    } else if (failed) {
      quoteLimited(this.#warnings, this.#problems, trimPadding(line));
    } else if (action !== "download") {
      const body = line.slice(line.indexOf(": ") + 2);
      const pad: Padding = this.#previous >= 0 && line.length > this.#previous ? "exact" : "maybe";
      const parsed = parseBody(action, body, pad);
      if (parsed === undefined) {
        quoteLimited(
          this.#warnings,
          this.#problems,
          `could not read this line, so its object is not invalidated: ${trimPadding(line)}`,
        );
      } else {
        for (const object of parsed) this.#onChange(object);
      }
    }
    return line.length;
  }

  #cliLine(): void {
    if (this.#sawCli) return;
    this.#sawCli = true;
    this.#listed = [];
    this.#distinct?.clear();
  }

  #list(line: string): void {
    const object = keyListObject(line);
    if (!object) return;
    this.#firstCandidate ??= line;
    if (this.#distinct) {
      const id = object.bucket === undefined ? `/${object.key}` : `${object.bucket}/${object.key}`;
      if (this.#distinct.has(id)) return;
      this.#distinct.add(id);
    }
    this.#listed.push(object);
  }
}

/**
 * Parses the output of `aws s3 sync|cp --recursive|rm --recursive|mv` (AWS CLI v1 or v2), or a
 * plain list of keys (one per line, an optional leading `/`), into the objects that changed.
 *
 * - `upload:`, `copy:`, `move:` give the destination object; a `move:` from S3 also the source
 *   (it was deleted); `delete:` gives the object; `download:` and `(dryrun)` lines change nothing.
 * - Progress lines joined by `\r`, trailing padding, CRLF, ANSI colour codes anywhere in a line
 *   and timestamps that a CI system puts before a line are handled; other lines are ignored.
 * - A line that may be padded (after a progress line of its width, or with nothing before it) and
 *   ends in spaces is read both ways, unless its source names the same file (see the README).
 * - `... failed:`, `fatal error:` and `warning: Skipping file` lines become warnings.
 * - Text with no CLI line and no CI line is read as a key list (`s3://bucket/key` lines are
 *   accepted too). Text that mixes CI lines with would-be keys is ambiguous: `ambiguity` says why,
 *   and the would-be keys are returned (readChangeLog refuses such input instead).
 *
 * Linear in the size of the text; never throws. For streams use `readChangeLog`, or
 * {@link ChangeLogParser}, which this wraps.
 *
 * @example
 * parseChanges("upload: public/a b.html to s3://site/a b.html\n").objects
 * // → [{ bucket: "site", key: "a b.html", action: "upload" }]
 */
export function parseChanges(text: string): ParsedChanges {
  const objects: ChangedObject[] = [];
  const parser = new ChangeLogParser((object) => objects.push(object));
  parser.write(text);
  const summary = parser.finish();
  if (summary.kind === "key-list") return { objects: [...summary.listed], warnings: summary.warnings };
  if (summary.kind === "ambiguous") {
    const ambiguity = summary.ambiguity ?? "";
    return {
      objects: [...summary.listed],
      warnings: [...summary.warnings, `read as a key list, but ${ambiguity}`],
      ambiguity,
    };
  }
  return { objects, warnings: summary.warnings };
}

/**
 * Whether the trailing spaces of a line may be padding. The CLI pads a result line with spaces
 * to the length of the progress line it overwrites (the `\r` segment before it), and only then.
 * - `"exact"`: a shorter progress segment precedes, so no space was added;
 * - `"maybe"`: a progress segment of the line's width (or longer) precedes, so the spaces may be
 *   padding or the key's own; or nothing precedes (the CLI adds no padding then, but a log whose
 *   progress parts were dropped, a copy from a terminal or a web view, may still carry it).
 */
type Padding = "exact" | "maybe";

function parseBody(action: ChangeAction, body: string, pad: Padding): ChangedObject[] | undefined {
  if (action === "delete") {
    const trimmed = trimPadding(body);
    // `sync s3://... ./dir --delete` deletes local files: nothing changes in S3.
    if (!trimmed.startsWith("s3://")) return [];
    const location = parseS3Uri(pad === "exact" ? body : trimmed);
    if (!location) return undefined;
    const changed: ChangedObject[] = [{ bucket: location.bucket, key: location.key, action }];
    // A key ending in spaces, or padding? Unknown: invalidate both (one extra path, right either way).
    if (pad === "maybe" && trimmed.length < body.length)
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
  if (split.toPadded && split.toPadded.key !== split.to?.key) {
    changed.push({ bucket: split.toPadded.bucket, key: split.toPadded.key, action });
  }
  return changed;
}
