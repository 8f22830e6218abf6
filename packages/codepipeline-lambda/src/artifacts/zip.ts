// A zip reader that reads only what it needs through ranged reads: the tail, the central directory,
// and the one member asked for. Layouts from PKWARE's APPNOTE.TXT 6.3.x (sections 4.3 and 4.5).
import { crc32, inflateRawSync } from "node:zlib";
import { ArtifactError } from "./errors.js";
import type { RangeReader } from "./range-reader.js";

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const ZIP64_EOCD_SIZE = 56;
const CENTRAL_SIGNATURE = 0x02014b50;
const CENTRAL_SIZE = 46;
const LOCAL_SIGNATURE = 0x04034b50;
const LOCAL_SIZE = 30;
const ZIP64_EXTRA = 0x0001;
const UNICODE_PATH_EXTRA = 0x7075;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_UTF8 = 0x0800;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;

export const DEFAULT_MAX_CENTRAL_DIRECTORY_BYTES = 128 * 1024 * 1024;
export const DEFAULT_MAX_ENTRY_BYTES = 64 * 1024 * 1024;

/** One member of the zip, as its central directory describes it. */
export interface ZipEntry {
  /** Decoded name, exactly as stored (no normalization): `site/index.html`, `img/`. */
  readonly name: string;
  /** True for directory entries (names ending in `/`). */
  readonly isDirectory: boolean;
  /** Compression method: 0 stored, 8 deflated; others are listed but cannot be read. */
  readonly method: number;
  readonly flags: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
}

export interface ZipDirectory {
  /** In central-directory order. Names may repeat (an extractor keeps the last one). */
  readonly entries: readonly ZipEntry[];
  /** Size of the whole zip in bytes. */
  readonly size: number;
  /** Whether zip64 records were used. */
  readonly zip64: boolean;
  /** The archive comment, decoded as latin1 (informative only). */
  readonly comment: string;
}

export interface ReadDirectoryOptions {
  /** Refuse central directories larger than this. Default 128 MiB (about a million entries). */
  readonly maxCentralDirectoryBytes?: number;
  /** Refuse zips with more entries than this. Default: no limit but the directory's size. */
  readonly maxEntries?: number;
  /** The function's memory, named in a `too-large` message (the limits follow it). */
  readonly memoryMb?: number;
  /** Name for messages, e.g. `input artifact "SiteOutput"`. */
  readonly label?: string;
}

export interface ReadEntryOptions {
  /** Refuse members larger than this, compressed or not. Default 64 MiB. */
  readonly maxBytes?: number;
  readonly memoryMb?: number;
  readonly label?: string;
}

// CP437's upper half, for names written without the UTF-8 flag that are not valid UTF-8 either.
const CP437_HIGH =
  "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0";
const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeCp437(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
  return out;
}

function tryUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Entry names. With the UTF-8 flag (bit 11) they are UTF-8 and must decode as such. Without it the
 * APPNOTE says CP437, but in practice Linux `zip`, Java and most build tools write UTF-8 without
 * setting the flag, and the names become S3 keys, which are UTF-8. So: pure ASCII as is; an Info-ZIP
 * Unicode Path field (0x7075) whose CRC matches the raw name wins; valid UTF-8 is taken as UTF-8
 * (multi-byte UTF-8 sequences are very unlikely in real CP437 text); anything else is CP437.
 */
function decodeName(raw: Buffer, flags: number, extra: Buffer, where: () => string): string {
  if (flags & FLAG_UTF8) {
    const name = tryUtf8(raw);
    if (name === undefined) throw corrupt(`${where()}: its name is flagged UTF-8 but is not valid UTF-8`);
    return name;
  }
  if (raw.every((b) => b < 0x80)) return raw.toString("latin1");
  const unicodePath = findExtra(extra, UNICODE_PATH_EXTRA);
  if (unicodePath && unicodePath.length >= 5 && unicodePath[0] === 1 && unicodePath.readUInt32LE(1) === crc32(raw)) {
    const name = tryUtf8(unicodePath.subarray(5));
    if (name !== undefined) return name;
  }
  return tryUtf8(raw) ?? decodeCp437(raw);
}

function findExtra(extra: Buffer, id: number): Buffer | undefined {
  let pos = 0;
  while (pos + 4 <= extra.length) {
    const headerId = extra.readUInt16LE(pos);
    const size = extra.readUInt16LE(pos + 2);
    if (pos + 4 + size > extra.length) return undefined; // a malformed extra field is ignored, as unzip does
    if (headerId === id) return extra.subarray(pos + 4, pos + 4 + size);
    pos += 4 + size;
  }
  return undefined;
}

/** The end of a `too-large` message: why the limit is what it is, and how to raise it. */
function memoryHint(memoryMb: number | undefined): string {
  return memoryMb === undefined
    ? ""
    : ` (the limit for a function with ${memoryMb} MB of memory: raise the template's MemorySize parameter for larger artifacts)`;
}

function corrupt(message: string): ArtifactError {
  return new ArtifactError("corrupt", message);
}

function readU64(buffer: Buffer, offset: number, what: () => string): number {
  const value = buffer.readBigUInt64LE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`${what()} is ${value}, beyond any real file size`);
  return Number(value);
}

interface EndRecord {
  readonly entryCount: number;
  readonly cdSize: number;
  readonly cdOffset: number;
  /** Where the central directory must end: the zip64 end record, or the classic one. */
  readonly cdEnd: number;
  readonly zip64: boolean;
  readonly comment: string;
}

/**
 * Finds the end-of-central-directory record in the last 64 KiB + 22 bytes. Scans backwards and takes
 * the first candidate whose comment length reaches exactly the end of the file and whose central
 * directory fits before it, so a comment that contains the signature does not fool it.
 */
async function findEndRecord(reader: RangeReader, size: number, label: string): Promise<EndRecord> {
  if (size < EOCD_SIZE) {
    throw new ArtifactError("not-a-zip", `the ${label} is ${size} bytes long, too short to be a zip`);
  }
  const tailStart = Math.max(0, size - (EOCD_SIZE + MAX_COMMENT));
  const tail = await reader.read(tailStart, size - 1);
  let fallback: ArtifactError | undefined;
  for (let pos = tail.length - EOCD_SIZE; pos >= 0; pos--) {
    if (tail.readUInt32LE(pos) !== EOCD_SIGNATURE) continue;
    const commentLength = tail.readUInt16LE(pos + 20);
    if (pos + EOCD_SIZE + commentLength !== tail.length) continue;
    try {
      return await parseEndRecord(reader, tail, tailStart, pos, label);
    } catch (error) {
      // Maybe a signature inside the comment; an earlier candidate may be the real one.
      if (!(error instanceof ArtifactError)) throw error;
      fallback ??= error;
    }
  }
  throw (
    fallback ??
    new ArtifactError(
      "not-a-zip",
      `the ${label} is not a zip, or is truncated: no end-of-central-directory record in its last ${tail.length} bytes`,
    )
  );
}

async function parseEndRecord(
  reader: RangeReader,
  tail: Buffer,
  tailStart: number,
  pos: number,
  label: string,
): Promise<EndRecord> {
  const eocdOffset = tailStart + pos;
  const disk = tail.readUInt16LE(pos + 4);
  const cdDisk = tail.readUInt16LE(pos + 6);
  const entriesOnDisk = tail.readUInt16LE(pos + 8);
  let entryCount = tail.readUInt16LE(pos + 10);
  let cdSize = tail.readUInt32LE(pos + 12);
  let cdOffset = tail.readUInt32LE(pos + 16);
  const comment = tail.toString("latin1", pos + EOCD_SIZE);
  let cdEnd = eocdOffset;
  let zip64 = false;

  const locatorPos = pos - ZIP64_LOCATOR_SIZE;
  const locatorOffset = eocdOffset - ZIP64_LOCATOR_SIZE;
  let locator: Buffer | undefined;
  if (locatorPos >= 0) locator = tail.subarray(locatorPos, pos);
  else if (locatorOffset >= 0) locator = await reader.read(locatorOffset, eocdOffset - 1);
  if (locator && locator.readUInt32LE(0) === ZIP64_LOCATOR_SIGNATURE) {
    zip64 = true;
    const totalDisks = locator.readUInt32LE(16);
    if (totalDisks > 1) {
      throw new ArtifactError("unsupported", `the ${label} is a multi-disk zip (${totalDisks} disks)`);
    }
    const recordOffset = readU64(locator, 8, () => "the zip64 end record offset");
    if (recordOffset + ZIP64_EOCD_SIZE > locatorOffset) {
      throw corrupt(`the ${label}'s zip64 locator points at ${recordOffset}, past its own position ${locatorOffset}`);
    }
    const record =
      recordOffset >= tailStart
        ? tail.subarray(recordOffset - tailStart, recordOffset - tailStart + ZIP64_EOCD_SIZE)
        : await reader.read(recordOffset, recordOffset + ZIP64_EOCD_SIZE - 1);
    if (record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) {
      throw corrupt(`the ${label}'s zip64 locator points at ${recordOffset}, where there is no zip64 end record`);
    }
    if (record.readUInt32LE(16) !== 0 || record.readUInt32LE(20) !== 0) {
      throw new ArtifactError("unsupported", `the ${label} is a multi-disk zip`);
    }
    entryCount = readU64(record, 32, () => "the zip64 entry count");
    cdSize = readU64(record, 40, () => "the zip64 central directory size");
    cdOffset = readU64(record, 48, () => "the zip64 central directory offset");
    cdEnd = recordOffset;
  } else if (disk !== 0 || cdDisk !== 0 || entriesOnDisk !== entryCount) {
    throw new ArtifactError("unsupported", `the ${label} is a multi-disk zip (disk ${disk})`);
  }
  // Writers may put the zip64 end record anywhere before the locator; the directory must end at or before it.
  if (cdOffset + cdSize > cdEnd || (!zip64 && cdOffset + cdSize !== cdEnd)) {
    throw corrupt(
      `the ${label}'s end record says the central directory is at ${cdOffset} (${cdSize} bytes), ` +
        `which does not end where the end record starts (${cdEnd}): corrupt, or data prepended to the zip`,
    );
  }
  if (cdSize < entryCount * CENTRAL_SIZE) {
    throw corrupt(`the ${label}'s central directory is ${cdSize} bytes, too small for ${entryCount} entries`);
  }
  return { entryCount, cdSize, cdOffset, cdEnd, zip64, comment };
}

/**
 * Reads the central directory of the zip behind `reader`: one read of the tail (at most 64 KiB + 22
 * bytes), one of the zip64 end record if it lies before that tail, and one of the whole central
 * directory. The members themselves are never read.
 *
 * @throws ArtifactError `not-a-zip`, `corrupt`, `truncated`, `unsupported` or `too-large`.
 */
export async function readZipDirectory(reader: RangeReader, options: ReadDirectoryOptions = {}): Promise<ZipDirectory> {
  const label = options.label ?? "artifact";
  const maxCd = options.maxCentralDirectoryBytes ?? DEFAULT_MAX_CENTRAL_DIRECTORY_BYTES;
  const size = await reader.size();
  const end = await findEndRecord(reader, size, label);
  if (end.cdSize > maxCd || end.entryCount > (options.maxEntries ?? Number.POSITIVE_INFINITY)) {
    throw new ArtifactError(
      "too-large",
      `the ${label} holds ${end.entryCount} entries (a central directory of ${end.cdSize} bytes), over the limit of ` +
        `${options.maxEntries ?? "any"} entries and ${maxCd} bytes${memoryHint(options.memoryMb)}`,
    );
  }
  const cd = end.cdSize === 0 ? Buffer.alloc(0) : await reader.read(end.cdOffset, end.cdOffset + end.cdSize - 1);
  const entries: ZipEntry[] = [];
  let pos = 0;
  for (let index = 0; index < end.entryCount; index++) {
    const where = () => `the ${label}'s central directory entry ${index + 1} of ${end.entryCount} (at ${pos})`;
    if (pos + CENTRAL_SIZE > cd.length) throw corrupt(`${where()} runs past the end of the central directory`);
    if (cd.readUInt32LE(pos) !== CENTRAL_SIGNATURE) throw corrupt(`${where()} has no central directory signature`);
    const flags = cd.readUInt16LE(pos + 8);
    const method = cd.readUInt16LE(pos + 10);
    const entryCrc = cd.readUInt32LE(pos + 16);
    let compressedSize = cd.readUInt32LE(pos + 20);
    let uncompressedSize = cd.readUInt32LE(pos + 24);
    const nameLength = cd.readUInt16LE(pos + 28);
    const extraLength = cd.readUInt16LE(pos + 30);
    const commentLength = cd.readUInt16LE(pos + 32);
    const diskStart = cd.readUInt16LE(pos + 34);
    let localHeaderOffset = cd.readUInt32LE(pos + 42);
    const next = pos + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (next > cd.length) throw corrupt(`${where()} runs past the end of the central directory`);
    const rawName = cd.subarray(pos + CENTRAL_SIZE, pos + CENTRAL_SIZE + nameLength);
    const extra = cd.subarray(pos + CENTRAL_SIZE + nameLength, pos + CENTRAL_SIZE + nameLength + extraLength);

    // Zip64 extended information: only the fields whose classic value is all ones, in this order.
    if (uncompressedSize === U32_MAX || compressedSize === U32_MAX || localHeaderOffset === U32_MAX) {
      const z = findExtra(extra, ZIP64_EXTRA);
      if (!z) throw corrupt(`${where()} has 32-bit sizes set to 0xFFFFFFFF but no zip64 extra field`);
      let at = 0;
      const take = (what: string): number => {
        if (at + 8 > z.length) throw corrupt(`${where()} has a zip64 extra field without its ${what}`);
        const value = readU64(z, at, () => `${where()}'s zip64 ${what}`);
        at += 8;
        return value;
      };
      if (uncompressedSize === U32_MAX) uncompressedSize = take("uncompressed size");
      if (compressedSize === U32_MAX) compressedSize = take("compressed size");
      if (localHeaderOffset === U32_MAX) localHeaderOffset = take("local header offset");
    }
    if (diskStart !== 0 && diskStart !== U16_MAX) {
      throw new ArtifactError(
        "unsupported",
        `${where()} starts on disk ${diskStart}: multi-disk zips are not supported`,
      );
    }
    if (localHeaderOffset + LOCAL_SIZE + compressedSize > end.cdOffset) {
      throw corrupt(
        `${where()} says its data lies at ${localHeaderOffset} (${compressedSize} bytes), inside or past the central directory`,
      );
    }
    const name = decodeName(rawName, flags, extra, where);
    entries.push({
      name,
      isDirectory: name.endsWith("/"),
      method,
      flags,
      crc32: entryCrc,
      compressedSize,
      uncompressedSize,
      localHeaderOffset,
    });
    pos = next;
  }
  // Trailing bytes are tolerated only when they cannot be more entries (some writers pad).
  if (cd.length - pos >= 4 && cd.readUInt32LE(pos) === CENTRAL_SIGNATURE) {
    throw corrupt(
      `the ${label}'s central directory holds more entries than the ${end.entryCount} its end record counts`,
    );
  }
  return { entries, size, zip64: end.zip64, comment: end.comment };
}

/**
 * Finds a member by name. Leading `./` and `/` are ignored on both sides, so `sync.log`, `./sync.log`
 * and `/sync.log` all match; otherwise the match is exact (case sensitive). The last match wins, as
 * with an extractor that overwrites.
 */
export function findZipEntry(directory: ZipDirectory, name: string): ZipEntry | undefined {
  const stripLeading = (n: string) => n.replace(/^(?:\.\/|\/)+/, "");
  const wanted = stripLeading(name);
  for (let i = directory.entries.length - 1; i >= 0; i--) {
    const entry = directory.entries[i];
    if (entry !== undefined && !entry.isDirectory && stripLeading(entry.name) === wanted) return entry;
  }
  return undefined;
}

// The local header's name and extra field have their own lengths (often not the central ones):
// read this much beyond the fixed header in the same request, so one ranged GET nearly always suffices.
const LOCAL_EXTRA_SLACK = 1024;

/**
 * Reads one member's bytes: one ranged read of its local header and data (a second only if the local
 * extra field is unusually long), inflated when deflated, checked against the directory's size and
 * CRC-32.
 *
 * @throws ArtifactError `too-large` (over `maxBytes`), `unsupported` (encrypted, or neither stored nor
 * deflated), `corrupt`, `truncated` or `crc-mismatch`.
 */
export async function readZipEntry(
  reader: RangeReader,
  entry: ZipEntry,
  options: ReadEntryOptions = {},
): Promise<Buffer> {
  const label = options.label ?? "artifact";
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  const what = `"${entry.name}" in the ${label}`;
  if (entry.isDirectory) throw new ArtifactError("unsupported", `${what} is a directory, not a file`);
  if (entry.flags & FLAG_ENCRYPTED) throw new ArtifactError("unsupported", `${what} is encrypted`);
  if (entry.method !== 0 && entry.method !== 8) {
    throw new ArtifactError(
      "unsupported",
      `${what} uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`,
    );
  }
  const largest = Math.max(entry.uncompressedSize, entry.compressedSize);
  if (largest > maxBytes) {
    throw new ArtifactError(
      "too-large",
      `${what} is ${largest} bytes, over the limit of ${maxBytes} bytes${memoryHint(options.memoryMb)}`,
    );
  }
  if (entry.method === 0 && entry.compressedSize !== entry.uncompressedSize) {
    throw corrupt(`${what} is stored but its sizes differ (${entry.compressedSize} vs ${entry.uncompressedSize})`);
  }
  const size = await reader.size();
  const start = entry.localHeaderOffset;
  // One request for the header, its name and extra field (guessed at up to LOCAL_EXTRA_SLACK bytes) and the data.
  const firstEnd = Math.min(size - 1, start + LOCAL_SIZE + LOCAL_EXTRA_SLACK + entry.compressedSize - 1);
  let chunk = await reader.read(start, firstEnd);
  if (chunk.length < LOCAL_SIZE || chunk.readUInt32LE(0) !== LOCAL_SIGNATURE) {
    throw corrupt(`${what} has no local header at offset ${start}`);
  }
  const dataStart = LOCAL_SIZE + chunk.readUInt16LE(26) + chunk.readUInt16LE(28);
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > chunk.length) {
    if (start + dataEnd > size) throw new ArtifactError("truncated", `${what} runs past the end of the zip`);
    chunk = Buffer.concat([chunk, await reader.read(start + chunk.length, start + dataEnd - 1)]);
  }
  const compressed = chunk.subarray(dataStart, dataEnd);
  let data: Buffer;
  if (entry.method === 0) {
    data = compressed;
  } else {
    try {
      // maxOutputLength stops a lying size from inflating into memory without bound.
      data = inflateRawSync(compressed, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
    } catch (error) {
      throw corrupt(`${what} does not inflate: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (data.length !== entry.uncompressedSize) {
    throw corrupt(`${what} is ${data.length} bytes once read, but the directory says ${entry.uncompressedSize}`);
  }
  const actual = crc32(data);
  if (actual !== entry.crc32) {
    throw new ArtifactError(
      "crc-mismatch",
      `${what} has CRC-32 ${hex(actual)}, but the directory says ${hex(entry.crc32)}: the artifact is corrupt`,
    );
  }
  return data;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, "0");
}
