import { ConfigurationError } from "./errors.js";
import { parseChanges } from "./sync-log.js";
import { decodeChangeText } from "./text-decoding.js";

/** Bytes of a sync log or key list: a whole buffer, or a stream (a file, stdin) read chunk by chunk. */
export type ChangeLogBytes = Uint8Array | AsyncIterable<Uint8Array | string>;

/** What a sync log or key list says changed. */
export interface ChangeLogRead {
  /** Distinct changed keys, in the order first seen. */
  readonly keys: readonly string[];
  /** Buckets named by `s3://` URIs in the log (empty for a plain key list). */
  readonly buckets: readonly string[];
  readonly warnings: readonly string[];
}

async function collect(bytes: ChangeLogBytes): Promise<Uint8Array> {
  if (bytes instanceof Uint8Array) return bytes;
  const chunks: Buffer[] = [];
  for await (const chunk of bytes) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/**
 * Reads a sync log or key list, whatever its source (a file, stdin, an artifact member): the one
 * place where change-list bytes are decoded and parsed, so every adapter plans the same paths.
 *
 * @param source names the input in messages (`--sync-log build/sync.log`, `input "sync-log"`).
 * @throws ConfigurationError when the bytes cannot be read as a change list.
 */
export async function readChangeLog(bytes: ChangeLogBytes, source: string): Promise<ChangeLogRead> {
  let whole: Uint8Array;
  try {
    whole = await collect(bytes);
  } catch (error) {
    throw new ConfigurationError(`${source}: cannot read it: ${(error as Error).message}`, { cause: error });
  }
  const decoded = decodeChangeText(whole, source);
  const parsed = parseChanges(decoded.text);
  const keys = new Set<string>();
  const buckets = new Set<string>();
  for (const object of parsed.objects) {
    keys.add(object.key);
    if (object.bucket !== undefined) buckets.add(object.bucket);
  }
  return {
    keys: [...keys],
    buckets: [...buckets],
    warnings: decoded.warning === undefined ? parsed.warnings : [decoded.warning, ...parsed.warnings],
  };
}
