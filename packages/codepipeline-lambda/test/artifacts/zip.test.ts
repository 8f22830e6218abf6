import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 as zlibCrc32 } from "node:zlib";
import fc from "fast-check";
import { ConfigurationError, TransientError } from "invalidation-core";
import { hasTool } from "test-utils";
import { describe, expect, it } from "vitest";
import {
  ArtifactError,
  findZipEntry,
  type OpenedArtifact,
  readArtifactFile,
  readZipDirectory,
  readZipEntry,
} from "../../src/artifacts/index.js";
import { BufferRangeReader } from "./buffer-range-reader.ts";
import { buildZip, type TestEntry } from "./zip-writer.ts";

async function directoryOf(bytes: Buffer) {
  return readZipDirectory(new BufferRangeReader(bytes), { label: "test zip" });
}

async function readAll(bytes: Buffer): Promise<Map<string, string>> {
  const reader = new BufferRangeReader(bytes);
  const directory = await readZipDirectory(reader);
  const out = new Map<string, string>();
  for (const entry of directory.entries) {
    if (!entry.isDirectory) out.set(entry.name, (await readZipEntry(reader, entry)).toString("utf8"));
  }
  return out;
}

/** Expects the promise to reject with an ArtifactError of this problem, and returns its message. */
async function problemOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ArtifactError);
  return `${(error as ArtifactError).problem}: ${(error as ArtifactError).message}`;
}

const SITE: TestEntry[] = [
  { name: "index.html", data: "<h1>home</h1>", method: 8 },
  { name: "css/" },
  { name: "css/site.css", data: "body{color:red}".repeat(50), method: 8 },
  { name: "robots.txt", data: "User-agent: *\n" },
  { name: "empty.txt", data: "" },
];

describe("readZipDirectory", () => {
  it("lists stored and deflated files and directories with their sizes, CRC-32 and offsets", async () => {
    const zip = buildZip(SITE);
    const directory = await directoryOf(zip.bytes);
    expect(directory.zip64).toBe(false);
    expect(directory.size).toBe(zip.bytes.length);
    expect(directory.entries.map((e) => [e.name, e.isDirectory, e.method])).toEqual([
      ["index.html", false, 8],
      ["css/", true, 0],
      ["css/site.css", false, 8],
      ["robots.txt", false, 0],
      ["empty.txt", false, 0],
    ]);
    const css = directory.entries[2]!;
    expect(css.uncompressedSize).toBe(750);
    expect(css.compressedSize).toBeLessThan(750);
    expect(css.crc32).toBe(zlibCrc32("body{color:red}".repeat(50)));
    expect(directory.entries.map((e) => e.localHeaderOffset)).toEqual(zip.localOffsets);
  });

  it("follows the zip64 locator and takes sizes and offsets from the zip64 extra fields", async () => {
    const zip = buildZip(SITE, { zip64: true });
    const directory = await directoryOf(zip.bytes);
    expect(directory.zip64).toBe(true);
    // The classic fields all say 0xFFFFFFFF here: real values can only come from the zip64 records.
    expect(directory.entries.map((e) => [e.name, e.uncompressedSize, e.localHeaderOffset])).toEqual(
      SITE.map((e, i) => [e.name, Buffer.byteLength(e.data ?? ""), zip.localOffsets[i]]),
    );
    expect(await readAll(zip.bytes)).toEqual(await readAll(buildZip(SITE).bytes));
  });

  it("reads the zip64 end record with a separate read when a long comment pushes it out of the tail", async () => {
    // With a 65,535-byte comment the 64 KiB + 22 tail starts exactly at the classic end record.
    const zip = buildZip(SITE, { zip64: true, comment: "c".repeat(0xffff) });
    const reader = new BufferRangeReader(zip.bytes);
    const directory = await readZipDirectory(reader);
    expect(directory.zip64).toBe(true);
    expect(directory.entries).toHaveLength(SITE.length);
    expect(reader.stats.requests).toBe(4); // tail, locator, zip64 end record, central directory
  });

  it("decodes names flagged UTF-8 exactly, without normalizing them", async () => {
    const names = ["café/naïve 日本語.html", "emoji-🚀.txt", "cafe\u0301.html", "a b+c%20?.html", "__proto__"];
    const zip = buildZip(names.map((name) => ({ name, data: name, utf8Flag: true })));
    const directory = await directoryOf(zip.bytes);
    expect(directory.entries.map((e) => e.name)).toEqual(names);
    expect([...(await readAll(zip.bytes)).entries()]).toEqual(names.map((n) => [n, n]));
  });

  it("takes unflagged names as UTF-8 when they are valid UTF-8, else as CP437", async () => {
    const zip = buildZip([
      // What Linux zip writes: UTF-8 bytes, no flag.
      { name: "utf8", rawName: Buffer.from("über.html", "utf8"), utf8Flag: false, data: "1" },
      // 0x82 is é in CP437 and cannot start a UTF-8 sequence.
      {
        name: "cp437",
        rawName: Buffer.from([0x63, 0x61, 0x66, 0x82, 0x2e, 0x74, 0x78, 0x74]),
        utf8Flag: false,
        data: "2",
      },
    ]);
    const directory = await directoryOf(zip.bytes);
    expect(directory.entries.map((e) => e.name)).toEqual(["über.html", "café.txt"]);
  });

  it("prefers an Info-ZIP Unicode Path field whose CRC matches the raw name", async () => {
    const raw = Buffer.from([0x82, 0x2e, 0x74, 0x78, 0x74]); // "é.txt" in CP437
    const unicode = Buffer.from("é-from-extra.txt", "utf8");
    const field = (crcOfRaw: number) =>
      Buffer.concat([u16(0x7075), u16(5 + unicode.length), Buffer.from([1]), u32(crcOfRaw), unicode]);
    const zip = buildZip([
      { name: "a", rawName: raw, utf8Flag: false, data: "1", extra: field(zlibCrc32(raw)) },
      // A stale field (the name was changed by a tool that did not update it) is ignored.
      { name: "b", rawName: raw, utf8Flag: false, data: "2", extra: field(zlibCrc32(raw) ^ 1) },
    ]);
    expect((await directoryOf(zip.bytes)).entries.map((e) => e.name)).toEqual(["é-from-extra.txt", "é.txt"]);
  });

  it("rejects a name flagged UTF-8 that is not valid UTF-8", async () => {
    const zip = buildZip([{ name: "x", rawName: Buffer.from([0x61, 0xff, 0x62]), utf8Flag: true, data: "1" }]);
    expect(await problemOf(directoryOf(zip.bytes))).toMatch(/^corrupt: .*flagged UTF-8/);
  });

  it("is not fooled by an end-record signature inside the archive comment", async () => {
    // A complete fake end record (claiming 7 entries at offset 0) whose comment length reaches the end.
    const fake = Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(7), u16(7), u32(100), u32(0), u16(0)]);
    const comment = Buffer.concat([Buffer.from("built by test "), fake]);
    const zip = buildZip(SITE, { comment });
    const directory = await directoryOf(zip.bytes);
    expect(directory.entries.map((e) => e.name)).toEqual(SITE.map((e) => e.name));
    expect(directory.comment).toBe(comment.toString("latin1"));
  });

  it("reads an empty zip as no entries", async () => {
    expect((await directoryOf(buildZip([]).bytes)).entries).toEqual([]);
  });

  it("reads only the tail and the central directory, never the members", async () => {
    const big = { name: "big.bin", data: Buffer.alloc(2_000_000, 7) };
    const zip = buildZip([big, ...SITE]);
    const reader = new BufferRangeReader(zip.bytes);
    await readZipDirectory(reader);
    expect(reader.stats.requests).toBe(2);
    expect(reader.stats.bytes).toBeLessThan(0xffff + 22 + zip.cdSize + 1);
  });

  describe("fails with a typed error, never a guess", () => {
    it("for something that is not a zip", async () => {
      expect(await problemOf(directoryOf(Buffer.from("<html>not a zip</html>".repeat(10))))).toMatch(
        /^not-a-zip: the test zip is not a zip/,
      );
      expect(await problemOf(directoryOf(Buffer.from("PK")))).toMatch(/^not-a-zip: .*too short/);
    });

    it("for a zip cut off before its end record", async () => {
      const zip = buildZip(SITE);
      expect(await problemOf(directoryOf(zip.bytes.subarray(0, zip.bytes.length - 10)))).toMatch(/^not-a-zip/);
    });

    it("for a zip with a chunk of its middle missing (the end record points past the data)", async () => {
      const zip = buildZip(SITE);
      const cut = Buffer.concat([zip.bytes.subarray(0, 40), zip.bytes.subarray(140)]);
      expect(await problemOf(directoryOf(cut))).toMatch(/^corrupt: .*central directory is at/);
    });

    it("for a central directory entry without its signature", async () => {
      const zip = buildZip(SITE);
      const bytes = Buffer.from(zip.bytes);
      const second = zip.cdOffset + 46 + "index.html".length; // no extra, no comment in the first entry
      bytes.writeUInt32LE(0xdeadbeef, second);
      expect(await problemOf(directoryOf(bytes))).toMatch(/^corrupt: .*entry 2 of 5 .*no central directory signature/);
    });

    it("for an end record that counts more entries than the directory holds", async () => {
      const zip = buildZip(SITE);
      const bytes = Buffer.from(zip.bytes);
      bytes.writeUInt16LE(7, zip.eocdOffset + 8);
      bytes.writeUInt16LE(7, zip.eocdOffset + 10);
      expect(await problemOf(directoryOf(bytes))).toMatch(/^corrupt: .*too small for 7 entries/);
    });

    it("for an end record that counts fewer entries than the directory holds", async () => {
      const zip = buildZip(SITE);
      const bytes = Buffer.from(zip.bytes);
      bytes.writeUInt16LE(4, zip.eocdOffset + 8);
      bytes.writeUInt16LE(4, zip.eocdOffset + 10);
      expect(await problemOf(directoryOf(bytes))).toMatch(/^corrupt: .*more entries than the 4/);
    });

    it("for a name length that runs past the directory", async () => {
      const zip = buildZip(SITE);
      const bytes = Buffer.from(zip.bytes);
      bytes.writeUInt16LE(0xfff0, zip.cdOffset + 28);
      expect(await problemOf(directoryOf(bytes))).toMatch(/^corrupt: .*entry 1 of 5 .*runs past the end/);
    });

    it("for a local header offset inside the central directory", async () => {
      const zip = buildZip(SITE);
      const bytes = Buffer.from(zip.bytes);
      bytes.writeUInt32LE(zip.cdOffset, zip.cdOffset + 42);
      expect(await problemOf(directoryOf(bytes))).toMatch(/^corrupt: .*inside or past the central directory/);
    });

    it("for a zip64 locator that points at no zip64 end record", async () => {
      const zip = buildZip(SITE, { zip64: true });
      const bytes = Buffer.from(zip.bytes);
      bytes.writeUInt32LE(0, zip.eocdOffset - 20 - 56); // wipe the zip64 end record's signature
      expect(await problemOf(directoryOf(bytes))).toMatch(/^corrupt: .*no zip64 end record/);
    });

    it("for 0xFFFFFFFF sizes without a zip64 extra field", async () => {
      const zip = buildZip([{ name: "a.txt", data: "a" }]);
      const bytes = Buffer.from(zip.bytes);
      bytes.writeUInt32LE(0xffffffff, zip.cdOffset + 24);
      expect(await problemOf(directoryOf(bytes))).toMatch(/^corrupt: .*no zip64 extra field/);
    });

    it("for a multi-disk zip", async () => {
      const zip = buildZip(SITE);
      const bytes = Buffer.from(zip.bytes);
      bytes.writeUInt16LE(1, zip.eocdOffset + 4);
      expect(await problemOf(directoryOf(bytes))).toMatch(/^unsupported: .*multi-disk/);
    });

    it("for a central directory over the size limit, before reading it", async () => {
      const zip = buildZip(SITE);
      const reader = new BufferRangeReader(zip.bytes);
      expect(await problemOf(readZipDirectory(reader, { maxCentralDirectoryBytes: 100 }))).toMatch(
        /^too-large: .*5 entries/,
      );
      expect(reader.stats.requests).toBe(1);
    });

    it("as an error the core classifies as transient (JobFailed), not as configuration", async () => {
      const error = await directoryOf(Buffer.from("nope".repeat(10))).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).kind).toBe("transient");
    });
  });

  it("reads back what any list of entries was written as (property)", async () => {
    const entryArb = fc.record({
      name: fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }),
      data: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
      method: fc.constantFrom<0 | 8>(0, 8),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(entryArb, { maxLength: 8 }), fc.boolean(), async (entries, zip64) => {
        const files = entries.map((e) => ({ ...e, name: `f/${e.name.replaceAll("/", "_")}` }));
        const zip = buildZip(files, { zip64 });
        const reader = new BufferRangeReader(zip.bytes);
        const directory = await readZipDirectory(reader);
        expect(directory.entries.map((e) => e.name)).toEqual(files.map((f) => f.name));
        for (const [i, entry] of directory.entries.entries()) {
          expect(await readZipEntry(reader, entry)).toEqual(files[i]!.data);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe("readZipEntry", () => {
  it("reads a file with one ranged read of its header and data", async () => {
    const zip = buildZip([{ name: "big.bin", data: Buffer.alloc(500_000, 1) }, ...SITE]);
    const reader = new BufferRangeReader(zip.bytes);
    const directory = await readZipDirectory(reader);
    const before = { ...reader.stats };
    const css = findZipEntry(directory, "css/site.css")!;
    expect((await readZipEntry(reader, css)).toString()).toBe("body{color:red}".repeat(50));
    expect(reader.stats.requests - before.requests).toBe(1);
    expect(reader.stats.bytes - before.bytes).toBeLessThan(css.compressedSize + 30 + 1024 + 1);
  });

  it("reads a second range when the local extra field is longer than expected", async () => {
    const zip = buildZip([{ name: "a.txt", data: "hello", localExtraPadding: 3000 }, ...SITE]);
    const reader = new BufferRangeReader(zip.bytes);
    const directory = await readZipDirectory(reader);
    const before = reader.stats.requests;
    expect((await readZipEntry(reader, directory.entries[0]!)).toString()).toBe("hello");
    expect(reader.stats.requests - before).toBe(2);
  });

  it("rejects data whose CRC-32 does not match the directory", async () => {
    const zip = buildZip([{ name: "a.txt", data: "hello", crc32: 1234 }]);
    const reader = new BufferRangeReader(zip.bytes);
    const [entry] = (await readZipDirectory(reader)).entries;
    expect(await problemOf(readZipEntry(reader, entry!))).toMatch(/^crc-mismatch: "a.txt" in the artifact/);
  });

  it("rejects deflated data that does not inflate", async () => {
    const zip = buildZip([{ name: "a.txt", data: "hello hello hello", method: 8 }]);
    const bytes = Buffer.from(zip.bytes);
    bytes.fill(0xff, 30 + "a.txt".length, 30 + "a.txt".length + 4); // garbage where the deflate stream starts
    const reader = new BufferRangeReader(bytes);
    const [entry] = (await readZipDirectory(reader)).entries;
    expect(await problemOf(readZipEntry(reader, entry!))).toMatch(/^corrupt: .*does not inflate/);
  });

  it("rejects data that inflates to more than the directory says, without inflating it all", async () => {
    const data = Buffer.alloc(100_000, 0x61);
    const zip = buildZip([{ name: "bomb.txt", data, method: 8 }]);
    const bytes = Buffer.from(zip.bytes);
    bytes.writeUInt32LE(10, zip.cdOffset + 24); // the directory now claims 10 bytes
    const reader = new BufferRangeReader(bytes);
    const [entry] = (await readZipDirectory(reader)).entries;
    expect(await problemOf(readZipEntry(reader, entry!))).toMatch(/^corrupt: "bomb.txt"/);
  });

  it("refuses a file over the size cap before reading it", async () => {
    const zip = buildZip([{ name: "sync.log", data: "x".repeat(5000) }]);
    const reader = new BufferRangeReader(zip.bytes);
    const [entry] = (await readZipDirectory(reader)).entries;
    const before = reader.stats.requests;
    expect(await problemOf(readZipEntry(reader, entry!, { maxBytes: 4096 }))).toMatch(
      /^too-large: "sync.log" .* 5000 bytes, over the limit of 4096/,
    );
    expect(reader.stats.requests).toBe(before);
  });

  it("refuses other compression methods, encrypted files and directories", async () => {
    const zip = buildZip([{ name: "a.bz2", data: "x" }, { name: "secret", data: "y" }, { name: "d/" }]);
    const bytes = Buffer.from(zip.bytes);
    bytes.writeUInt16LE(12, zip.cdOffset + 10); // bzip2
    const secondCentral = zip.cdOffset + 46 + "a.bz2".length;
    bytes.writeUInt16LE(0x0001, secondCentral + 8); // encrypted
    const reader = new BufferRangeReader(bytes);
    const [bz2, secret, dir] = (await readZipDirectory(reader)).entries;
    expect(await problemOf(readZipEntry(reader, bz2!))).toMatch(/^unsupported: .*method 12/);
    expect(await problemOf(readZipEntry(reader, secret!))).toMatch(/^unsupported: .*encrypted/);
    expect(await problemOf(readZipEntry(reader, dir!))).toMatch(/^unsupported: .*directory/);
  });

  it("rejects an offset that does not point at a local header", async () => {
    const zip = buildZip([
      { name: "a.txt", data: "a" },
      { name: "b.txt", data: "b" },
    ]);
    const bytes = Buffer.from(zip.bytes);
    bytes.writeUInt32LE(3, zip.cdOffset + 42);
    const reader = new BufferRangeReader(bytes);
    const [entry] = (await readZipDirectory(reader)).entries;
    expect(await problemOf(readZipEntry(reader, entry!))).toMatch(/^corrupt: .*no local header at offset 3/);
  });
});

describe("findZipEntry and readArtifactFile", () => {
  async function opened(entries: TestEntry[]): Promise<OpenedArtifact> {
    const reader = new BufferRangeReader(buildZip(entries).bytes);
    return {
      name: "BuildOutput",
      label: 'input artifact "BuildOutput"',
      reader,
      directory: await readZipDirectory(reader),
    };
  }

  it("finds a file whatever the leading ./ or /, case sensitively, last one winning", async () => {
    const artifact = await opened([
      { name: "./sync.log", data: "first" },
      { name: "logs/" },
      { name: "Sync.log", data: "other case" },
      { name: "sync.log", data: "second" },
    ]);
    expect((await readArtifactFile(artifact, "sync.log")).toString()).toBe("second");
    expect((await readArtifactFile(artifact, "/sync.log")).toString()).toBe("second");
    expect(findZipEntry(artifact.directory, "logs/")).toBeUndefined(); // directories are not files
  });

  it("fails with a ConfigurationError naming the path and some files when it is missing", async () => {
    const artifact = await opened([{ name: "index.html", data: "x" }]);
    const error = await readArtifactFile(artifact, "sync.log").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(
      /^"sync.log" is not in the input artifact "BuildOutput" \(1 files, e.g. "index.html"\)/,
    );
  });
});

// Zips from an independent writer (CPython's zipfile), so the reader is not only checked against
// the test's own writer and its reading of the spec.
describe.skipIf(!hasTool("python3", "apt-get install python3"))("zips written by Python's zipfile", () => {
  it("reads zip64, unicode names, directories and deflated files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zip-py-"));
    try {
      const path = join(dir, "a.zip");
      const script = `
import zipfile, sys
# Lowering the limit makes CPython write zip64 extra fields and the zip64 end records for this small zip.
zipfile.ZIP64_LIMIT = 64
with zipfile.ZipFile(sys.argv[1], "w", compression=zipfile.ZIP_DEFLATED) as z:
    z.writestr("index.html", "<h1>hi</h1>" * 100)
    z.writestr(zipfile.ZipInfo("img/"), "")
    z.writestr("img/日本 ü.svg", "<svg/>")
    with z.open("forced64.bin", "w", force_zip64=True) as f:
        f.write(b"\\x00" * 1000)
    z.comment = b"made by python PK\\x05\\x06 with a fake signature"
`;
      const result = spawnSync("python3", ["-c", script, path], { encoding: "utf8" });
      expect(result.status, result.stderr).toBe(0);
      const bytes = readFileSync(path);
      const directory = await directoryOf(bytes);
      expect(directory.zip64).toBe(true);
      expect(directory.entries.map((e) => [e.name, e.isDirectory])).toEqual([
        ["index.html", false],
        ["img/", true],
        ["img/日本 ü.svg", false],
        ["forced64.bin", false],
      ]);
      const files = await readAll(bytes);
      expect(files.get("index.html")).toBe("<h1>hi</h1>".repeat(100));
      expect(files.get("img/日本 ü.svg")).toBe("<svg/>");
      expect(files.get("forced64.bin")).toBe("\0".repeat(1000));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

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
