import { ConfigurationError } from "./errors.js";
import { type ChangeListKind, ChangeLogParser } from "./sync-log.js";
import { ChangeTextDecoder, type ChangeTextEncoding } from "./text-decoding.js";

/** Bytes of a sync log or key list: a whole buffer, or a stream (a file, stdin) read chunk by chunk. */
export type ChangeLogBytes = Uint8Array | AsyncIterable<Uint8Array | string>;

/** What a sync log or key list says changed. */
export interface ChangeLogRead {
  /** Distinct changed keys, in the order first seen. */
  readonly keys: readonly string[];
  /** Buckets named by `s3://` URIs in the log (empty for a plain key list). */
  readonly buckets: readonly string[];
  readonly warnings: readonly string[];
  /**
   * What the input was: AWS CLI output (`log`; a CI log with no CLI line is a log of a sync that
   * changed nothing), a plain `key-list`, or `empty` (no line at all).
   */
  readonly kind?: Exclude<ChangeListKind, "ambiguous">;
  /** How the bytes were decoded (a BOM decides UTF-16); UTF-8 lines that were not are counted in a warning. */
  readonly encoding?: ChangeTextEncoding;
  /** Bytes read. */
  readonly bytesRead?: number;
}

/** A whole buffer is decoded in slices of this size, so that no whole-file string is ever made. */
const SLICE_BYTES = 1024 * 1024;

async function* chunksOf(bytes: ChangeLogBytes): AsyncGenerator<Uint8Array> {
  if (bytes instanceof Uint8Array) {
    for (let start = 0; start < bytes.length; start += SLICE_BYTES) yield bytes.subarray(start, start + SLICE_BYTES);
    return;
  }
  // A string chunk (a stream with setEncoding) is read as UTF-8, like the bytes it came from.
  for await (const chunk of bytes) yield typeof chunk === "string" ? Buffer.from(chunk) : chunk;
}

/**
 * Reads a sync log or key list, whatever its source (a file, stdin, an artifact member): the one
 * place where change-list bytes are decoded and parsed, so every adapter plans the same paths.
 *
 * Streams: each chunk is decoded (ChangeTextDecoder: BOM, UTF-8 with a per-line Windows-1252
 * fallback) and parsed (ChangeLogParser) as it comes, and only distinct keys are kept, so a
 * multi-GB log of progress lines and repeated uploads needs memory for its distinct keys only.
 *
 * @param source names the input in messages (`--sync-log build/sync.log`, `input "sync-log"`).
 * @throws ConfigurationError when the bytes cannot be read (the stream fails), are UTF-16 without
 *   a BOM, or are ambiguous (CI log lines mixed with would-be keys, and no AWS CLI line).
 *
 * @example
 * const read = await readChangeLog(createReadStream("sync.log"), "--sync-log sync.log");
 * read.keys // → ["blog/index.html", "img/café #1.png"]
 */
export async function readChangeLog(bytes: ChangeLogBytes, source: string): Promise<ChangeLogRead> {
  const keys = new Set<string>();
  const buckets = new Set<string>();
  const parser = new ChangeLogParser(
    (object) => {
      keys.add(object.key);
      if (object.bucket !== undefined) buckets.add(object.bucket);
    },
    { distinct: true },
  );
  const decoder = new ChangeTextDecoder(source);
  let bytesRead = 0;
  try {
    for await (const chunk of chunksOf(bytes)) {
      bytesRead += chunk.length;
      parser.write(decoder.decode(chunk));
    }
    parser.write(decoder.end());
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    throw new ConfigurationError(`${source}: cannot read it: ${(error as Error).message}`, { cause: error });
  }
  const summary = parser.finish();
  if (summary.kind === "ambiguous") {
    throw new ConfigurationError(
      `${source} cannot be read as a sync log or as a key list: ${summary.ambiguity}. ` +
        "Give either the output of `aws s3 sync` (or cp, mv, rm), or a list of keys, one a line, without CI log lines",
    );
  }
  for (const object of summary.listed) {
    keys.add(object.key);
    if (object.bucket !== undefined) buckets.add(object.bucket);
  }
  return {
    keys: [...keys],
    buckets: [...buckets],
    warnings: [...decoder.warnings, ...summary.warnings],
    kind: summary.kind,
    encoding: decoder.encoding ?? "utf-8",
    bytesRead,
  };
}
