import { TextDecoder } from "node:util";
import { ConfigurationError } from "./errors.js";

export interface DecodedText {
  readonly text: string;
  /** Set when the bytes were not UTF-8 and were read another way: worth telling the user. */
  readonly warning?: string;
}

/** How the bytes were read: a BOM decides UTF-16; everything else is UTF-8 (see ChangeTextDecoder). */
export type ChangeTextEncoding = "utf-8" | "utf-16le" | "utf-16be";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Lenient = new TextDecoder("utf-8", { ignoreBOM: true });
// Node's "latin1" label is WHATWG's windows-1252, a superset of ISO-8859-1's printable range.
const windows1252 = new TextDecoder("latin1");

/** Only the first bytes are searched for NUL: UTF-16 without a BOM has one in every ASCII character. */
const NUL_PROBE_BYTES = 4096;
/**
 * Bytes of one line held back at most while waiting for its end. No change line is this long (an S3
 * key is at most 1,024 bytes, a local path a few thousand); a longer run is passed on leniently
 * decoded, and the parser skips it (MAX_LINE_LENGTH), so a file with no line break cannot fill memory.
 */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Index of the last `\n` or `\r` byte, or -1. */
function lastLineEnd(bytes: Buffer): number {
  return Math.max(bytes.lastIndexOf(LF), bytes.lastIndexOf(CR));
}

/**
 * Decodes a sync log or key list chunk by chunk, as the tool that wrote it meant it. The AWS CLI
 * writes keys in the console's encoding: UTF-8 almost everywhere, but Windows PowerShell's `>`
 * writes UTF-16 with a BOM, and a Latin-1 code page writes single bytes. Reading those as UTF-8
 * would turn `café.html` into a path that matches nothing, silently. So:
 *
 * - a BOM decides: UTF-8, UTF-16LE or UTF-16BE (decoded as a stream);
 * - NUL bytes in the first 4 KiB without a BOM (UTF-16 without a BOM, or not text) are refused
 *   with a ConfigurationError naming the source and the fix: guessing the byte order could plan garbage;
 * - otherwise UTF-8, decided LINE BY LINE: a line (a run of bytes between `\n` or `\r`) that is not
 *   valid UTF-8 is read as Windows-1252, with one warning naming the source and counting such lines.
 *   A stream cannot look at the whole file before the first line is used, and per line is also right
 *   for a log pasted together from two consoles. In UTF-8 and Windows-1252 the bytes `\n` and `\r`
 *   are always those characters, so a line is found before it is decoded, and a character split
 *   between two chunks is never cut (the unfinished line waits for the next chunk). Cost: a
 *   Windows-1252 line whose accented letters happen to form valid UTF-8 (`Ã©`) reads as UTF-8.
 * - a last line cut off mid-character (a truncated CI log) keeps what it has, with a warning.
 *
 * @example
 * const decoder = new ChangeTextDecoder("--sync-log sync.log");
 * let text = "";
 * for await (const chunk of stream) text += decoder.decode(chunk); // (a parser would take each piece)
 * text += decoder.end();
 */
export class ChangeTextDecoder {
  #encoding: ChangeTextEncoding | undefined;
  /** The first bytes, held until the BOM can be told (3 bytes). */
  #head: Buffer | undefined = Buffer.alloc(0);
  #utf16: TextDecoder | undefined;
  /** An unfinished UTF-8 line waiting for its end. */
  #carry: Buffer[] = [];
  #carryLength = 0;
  /** Inside a line longer than MAX_LINE_BYTES: passed on leniently until its end. */
  #overlong = false;
  #probed = 0;
  #windows1252Lines = 0;
  #cutOff = false;

  constructor(private readonly source: string) {}

  /** The encoding once the first bytes have decided it. */
  get encoding(): ChangeTextEncoding | undefined {
    return this.#encoding;
  }

  /** How many lines were not UTF-8 and were read as Windows-1252. */
  get windows1252Lines(): number {
    return this.#windows1252Lines;
  }

  /** The text of the bytes so far; an unfinished line (or character) waits for the next call. */
  decode(chunk: Uint8Array): string {
    let bytes = asBuffer(chunk);
    if (this.#head !== undefined) {
      const head = Buffer.concat([this.#head, bytes]);
      if (head.length < 3) {
        this.#head = head;
        return "";
      }
      this.#head = undefined;
      bytes = this.#start(head);
    }
    if (this.#utf16) return this.#utf16.decode(bytes, { stream: true });
    return this.#decodeUtf8Lines(bytes);
  }

  /** The rest of the text, at the end of the input. */
  end(): string {
    let text = "";
    if (this.#head !== undefined) {
      const head = this.#head;
      this.#head = undefined;
      const rest = this.#start(head);
      text = this.#utf16 ? this.#utf16.decode(rest, { stream: true }) : this.#decodeUtf8Lines(rest);
    }
    if (this.#utf16) return text + this.#utf16.decode();
    if (this.#carryLength === 0) return text;
    const last = this.#takeCarry();
    if (this.#overlong) return text + utf8Lenient.decode(last);
    try {
      return text + utf8.decode(last);
    } catch {
      try {
        // Valid but for an incomplete last character: in stream mode the decoder holds it back.
        const kept = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(last, { stream: true });
        this.#cutOff = true;
        return text + kept;
      } catch {
        this.#windows1252Lines++;
        return text + windows1252.decode(last);
      }
    }
  }

  /** Warnings about the bytes read so far (complete after `end()`). */
  get warnings(): string[] {
    const warnings: string[] = [];
    if (this.#windows1252Lines > 0) {
      warnings.push(
        `${this.source} is not valid UTF-8 (${this.#windows1252Lines} line(s)); those lines were read as Windows-1252 (Latin-1). ` +
          "If the keys look wrong in the plan, write the log as UTF-8 (e.g. PYTHONIOENCODING=utf-8 for the AWS CLI)",
      );
    }
    if (this.#cutOff) {
      warnings.push(`${this.source} ends in an incomplete UTF-8 character (cut off?); the last bytes were ignored`);
    }
    return warnings;
  }

  /** Decides the encoding from the first bytes; returns the bytes left to decode. */
  #start(head: Buffer): Buffer {
    const [b0, b1, b2] = head;
    if (b0 === 0xff && b1 === 0xfe) {
      this.#encoding = "utf-16le";
      this.#utf16 = new TextDecoder("utf-16le", { ignoreBOM: false });
      return head;
    }
    if (b0 === 0xfe && b1 === 0xff) {
      this.#encoding = "utf-16be";
      this.#utf16 = new TextDecoder("utf-16be", { ignoreBOM: false });
      return head;
    }
    this.#encoding = "utf-8";
    return b0 === 0xef && b1 === 0xbb && b2 === 0xbf ? head.subarray(3) : head;
  }

  #decodeUtf8Lines(bytes: Buffer): string {
    if (this.#probed < NUL_PROBE_BYTES) {
      const probe = bytes.subarray(0, NUL_PROBE_BYTES - this.#probed);
      this.#probed += probe.length;
      if (probe.includes(0)) {
        throw new ConfigurationError(
          `${this.source} holds NUL bytes: it looks like UTF-16 without a byte-order mark, or binary. ` +
            "Write the log as UTF-8 (PowerShell: `| Out-File -Encoding utf8`), or with a BOM",
        );
      }
    }
    let text = "";
    if (this.#overlong) {
      // The rest of a line too long to be a change: passed on only so the parser sees it end.
      const end = Math.min(...[bytes.indexOf(LF), bytes.indexOf(CR)].filter((i) => i !== -1));
      if (!Number.isFinite(end)) return utf8Lenient.decode(bytes);
      text = utf8Lenient.decode(bytes.subarray(0, end));
      bytes = bytes.subarray(end);
      this.#overlong = false;
    }
    const last = lastLineEnd(bytes);
    if (last === -1) {
      this.#carry.push(bytes);
      this.#carryLength += bytes.length;
      if (this.#carryLength > MAX_LINE_BYTES) {
        this.#overlong = true;
        return text + utf8Lenient.decode(this.#takeCarry());
      }
      return text;
    }
    let lines = bytes.subarray(0, last + 1);
    if (this.#carryLength > 0) {
      this.#carry.push(lines);
      lines = this.#takeCarry();
    }
    const rest = bytes.subarray(last + 1);
    if (rest.length > 0) {
      // Copied: the caller may reuse its chunk's memory.
      this.#carry.push(Buffer.from(rest));
      this.#carryLength = rest.length;
    }
    return text + this.#decodeWholeLines(lines);
  }

  #takeCarry(): Buffer {
    const carried = this.#carry.length === 1 ? this.#carry[0]! : Buffer.concat(this.#carry);
    this.#carry = [];
    this.#carryLength = 0;
    return carried;
  }

  /** Whole lines (ending in `\n` or `\r`): all at once when valid UTF-8, else line by line. */
  #decodeWholeLines(lines: Buffer): string {
    try {
      return utf8.decode(lines);
    } catch {
      // fall through: find the lines that are not UTF-8
    }
    let text = "";
    for (let start = 0; start < lines.length; ) {
      let end = start;
      while (end < lines.length && lines[end] !== LF && lines[end] !== CR) end++;
      const line = lines.subarray(start, end + 1);
      try {
        text += utf8.decode(line);
      } catch {
        this.#windows1252Lines++;
        text += windows1252.decode(line);
      }
      start = end + 1;
    }
    return text;
  }
}

/**
 * Decodes a whole sync log or key list held in memory, by the rules of {@link ChangeTextDecoder}.
 * Prefer the streaming `readChangeLog` for files and stdin.
 *
 * @param source names the input in messages (`--sync-log build/sync.log`).
 * @throws ConfigurationError for UTF-16 without a BOM (NUL bytes).
 */
export function decodeChangeText(bytes: Uint8Array, source: string): DecodedText {
  const decoder = new ChangeTextDecoder(source);
  const text = decoder.decode(bytes) + decoder.end();
  const warnings = decoder.warnings;
  return warnings.length === 0 ? { text } : { text, warning: warnings.join("; ") };
}
