// Text for the runner's two readers: the log, scanned for workflow commands, and the job summary,
// rendered as Markdown with HTML. Every user-controlled value passes through one of these.

// The runner matches commands with culture-sensitive `StartsWith("::")` after `TrimStart()` and
// `IndexOf("##[")` (actions/runner ActionCommand.cs), and ICU collation ignores zero-width and
// control characters: `:\u200B:` may still read as `::`. So such characters count as invisible
// here, and the escape is a visible backslash.
const INVISIBLE = String.raw`\p{Cc}\p{Cf}\p{Mn}\p{Me}`;
const LINE_COMMAND = new RegExp(String.raw`(^|[\r\n])([\s${INVISIBLE}]*):([${INVISIBLE}]*):`, "gu");
const HASH_COMMAND = new RegExp(String.raw`#([${INVISIBLE}]*)#([${INVISIBLE}]*)\[`, "gu");

/**
 * Text safe to print in the log, still readable: a line starting with `::` gets `\::`, and `##[`
 * becomes `##\[`, so the runner sees no command in it.
 * @example neutral("::error title=X::pwned.html") // → "\\::error title=X::pwned.html"
 */
export function neutral(text: string): string {
  return text.replace(HASH_COMMAND, "#$1#$2\\[").replace(LINE_COMMAND, "$1$2\\:$3:");
}

/** Plain text inside Markdown: no markup, no HTML, no table cell or line break of its own. */
export function markdownText(text: string): string {
  const entities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };
  return text
    .replace(/[\r\n]+/g, " ")
    .replace(/[&<>]/g, (c) => entities[c] ?? c)
    .replace(/[\\`*_[\]|~!]/g, "\\$&");
}

const longestRun = (text: string): number => Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));

/** A code span that no backtick in `text` can end (`|` escaped for table cells). */
export function codeSpan(text: string): string {
  const flat = text.replace(/[\r\n]+/g, " ").replace(/\|/g, "\\|");
  const [fence, pad] = ["`".repeat(longestRun(flat) + 1), /^`|`$/.test(flat) ? " " : ""];
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A fenced code block that no line can end; line breaks inside a line become spaces. */
export function codeBlock(lines: readonly string[]): string {
  const flat = lines.map((line) => line.replace(/[\r\n]/g, " "));
  const fence = "`".repeat(Math.max(3, ...flat.map((line) => longestRun(line) + 1)));
  return [fence, ...flat, fence].join("\n");
}
