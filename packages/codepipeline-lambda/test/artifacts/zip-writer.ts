// A tiny zip writer for tests, written from APPNOTE.TXT independently of the reader, so the tests can
// build exactly the archive they need (zip64 records, odd names, broken bits) without fixture files.
// Its CRC-32 comes from node:zlib, not from the code under test, so a wrong CRC table there would show.
import { crc32, deflateRawSync } from "node:zlib";

export interface TestEntry {
  readonly name: string;
  /** Omitted for directories. */
  readonly data?: Buffer | string;
  /** 0 stored (default), 8 deflated. */
  readonly method?: 0 | 8;
  /** Raw name bytes, to write a name in another encoding (then `name` is only a label). */
  readonly rawName?: Buffer;
  /** Set the UTF-8 flag (bit 11). Default: when the name is not ASCII. */
  readonly utf8Flag?: boolean;
  /** Write this CRC-32 instead of the real one. */
  readonly crc32?: number;
  /** Extra field bytes appended to the central (and local) extra field. */
  readonly extra?: Buffer;
  /** Extra bytes only in the local header's extra field (real writers do this, e.g. alignment padding). */
  readonly localExtraPadding?: number;
}

export interface BuildOptions {
  /** Write zip64 records (end record, locator, extra fields with 0xFFFFFFFF markers) even when not needed. */
  readonly zip64?: boolean;
  readonly comment?: Buffer | string;
}

export interface BuiltZip {
  readonly bytes: Buffer;
  readonly cdOffset: number;
  readonly cdSize: number;
  /** Offset of the classic end-of-central-directory record. */
  readonly eocdOffset: number;
  /** Offset of each entry's local header, in order. */
  readonly localOffsets: readonly number[];
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}
function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

export function buildZip(entries: readonly TestEntry[], options: BuildOptions = {}): BuiltZip {
  const zip64 = options.zip64 ?? false;
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const localOffsets: number[] = [];
  let offset = 0;
  for (const entry of entries) {
    const isDirectory = entry.data === undefined;
    const data = isDirectory ? Buffer.alloc(0) : Buffer.from(entry.data ?? "");
    const method = entry.method ?? 0;
    const stored = method === 8 ? deflateRawSync(data) : data;
    const nameBytes = entry.rawName ?? Buffer.from(entry.name, "utf8");
    const nonAscii = [...nameBytes].some((b) => b >= 0x80);
    const flags = (entry.utf8Flag ?? nonAscii) ? 0x0800 : 0;
    const crc = entry.crc32 ?? crc32(data);
    const userExtra = entry.extra ?? Buffer.alloc(0);
    const localZip64 = zip64 ? Buffer.concat([u16(1), u16(16), u64(data.length), u64(stored.length)]) : Buffer.alloc(0);
    const centralZip64 = zip64
      ? Buffer.concat([u16(1), u16(24), u64(data.length), u64(stored.length), u64(offset)])
      : Buffer.alloc(0);
    const padding = entry.localExtraPadding
      ? Buffer.concat([u16(0xcafe), u16(entry.localExtraPadding), Buffer.alloc(entry.localExtraPadding)])
      : Buffer.alloc(0);
    const localExtra = Buffer.concat([localZip64, userExtra, padding]);
    const centralExtra = Buffer.concat([centralZip64, userExtra]);
    const size32 = (n: number) => (zip64 ? 0xffffffff : n);
    const version = zip64 ? 45 : 20;
    const local = Buffer.concat([
      u32(0x04034b50),
      u16(version),
      u16(flags),
      u16(method),
      u16(0), // time
      u16(0x21), // date: 1980-01-01
      u32(crc),
      u32(size32(stored.length)),
      u32(size32(data.length)),
      u16(nameBytes.length),
      u16(localExtra.length),
      nameBytes,
      localExtra,
      stored,
    ]);
    const central = Buffer.concat([
      u32(0x02014b50),
      u16((3 << 8) | version), // made by Unix
      u16(version),
      u16(flags),
      u16(method),
      u16(0),
      u16(0x21),
      u32(crc),
      u32(size32(stored.length)),
      u32(size32(data.length)),
      u16(nameBytes.length),
      u16(centralExtra.length),
      u16(0), // comment length
      u16(0), // disk
      u16(0), // internal attributes
      u32(isDirectory ? (0o40755 << 16) | 0x10 : 0o100644 << 16),
      u32(size32(offset)),
      nameBytes,
      centralExtra,
    ]);
    localOffsets.push(offset);
    locals.push(local);
    centrals.push(central);
    offset += local.length;
  }
  const cdOffset = offset;
  const cd = Buffer.concat(centrals);
  const comment = Buffer.from(options.comment ?? "");
  const tail: Buffer[] = [];
  if (zip64) {
    const zip64EocdOffset = cdOffset + cd.length;
    tail.push(
      u32(0x06064b50),
      u64(44), // size of the rest of this record
      u16((3 << 8) | 45),
      u16(45),
      u32(0),
      u32(0),
      u64(entries.length),
      u64(entries.length),
      u64(cd.length),
      u64(cdOffset),
      u32(0x07064b50),
      u32(0),
      u64(zip64EocdOffset),
      u32(1),
    );
  }
  const eocdOffset = cdOffset + cd.length + (zip64 ? 56 + 20 : 0);
  tail.push(
    u32(0x06054b50),
    u16(0),
    u16(0),
    u16(zip64 ? 0xffff : entries.length),
    u16(zip64 ? 0xffff : entries.length),
    u32(zip64 ? 0xffffffff : cd.length),
    u32(zip64 ? 0xffffffff : cdOffset),
    u16(comment.length),
    comment,
  );
  return { bytes: Buffer.concat([...locals, cd, ...tail]), cdOffset, cdSize: cd.length, eocdOffset, localOffsets };
}
