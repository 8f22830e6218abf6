import { ConfigurationError } from "./errors.js";

export interface DecodedText {
  readonly text: string;
  /** Set when the bytes were not UTF-8 and were read another way: worth telling the user. */
  readonly warning?: string;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
const utf16le = new TextDecoder("utf-16le", { ignoreBOM: false });
const utf16be = new TextDecoder("utf-16be", { ignoreBOM: false });
// Node's "latin1" label is WHATWG's windows-1252, a superset of ISO-8859-1's printable range.
const windows1252 = new TextDecoder("latin1");

/**
 * Decodes a sync log or key list as the tool that wrote it meant it. The AWS CLI writes keys in
 * the console's encoding: UTF-8 almost everywhere, but Windows PowerShell's `>` writes UTF-16
 * with a BOM, and a Latin-1 code page writes single bytes. Reading those as UTF-8 would turn
 * `café.html` into a path that matches nothing, silently; so: a BOM decides, valid UTF-8 is
 * UTF-8, UTF-16 without a BOM is refused, and anything else is read as Windows-1252 with a
 * warning.
 *
 * @param source names the input in messages (`--sync-log build/sync.log`).
 */
export function decodeChangeText(bytes: Uint8Array, source: string): DecodedText {
  const [b0, b1, b2] = bytes;
  if (b0 === 0xff && b1 === 0xfe) return { text: utf16le.decode(bytes) };
  if (b0 === 0xfe && b1 === 0xff) return { text: utf16be.decode(bytes) };
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return decodeUtf8OrLatin1(bytes, source);
  // Text with NUL bytes is UTF-16 without a BOM (or not text at all): guessing the byte order
  // could plan garbage, so refuse with the fix.
  if (bytes.subarray(0, 4096).includes(0)) {
    throw new ConfigurationError(
      `${source} holds NUL bytes: it looks like UTF-16 without a byte-order mark, or binary. ` +
        "Write the log as UTF-8 (PowerShell: `| Out-File -Encoding utf8`), or with a BOM",
    );
  }
  return decodeUtf8OrLatin1(bytes, source);
}

function decodeUtf8OrLatin1(bytes: Uint8Array, source: string): DecodedText {
  try {
    return { text: utf8.decode(bytes) };
  } catch {
    // A log cut off mid-character (a truncated CI log) is still UTF-8: in stream mode the decoder
    // holds back an incomplete last character instead of failing, and every whole line survives.
    try {
      const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: true });
      return {
        text,
        warning: `${source} ends in an incomplete UTF-8 character (cut off?); the last bytes were ignored`,
      };
    } catch {
      // invalid in the middle: not UTF-8 at all
    }
    return {
      text: windows1252.decode(bytes),
      warning:
        `${source} is not valid UTF-8; it was read as Windows-1252 (Latin-1). ` +
        "If the keys look wrong in the plan, write the log as UTF-8 (e.g. PYTHONIOENCODING=utf-8 for the AWS CLI)",
    };
  }
}
