import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCliPartSize, localEtag, parseStoredEtag } from "../src/content-diff-etag.js";
import { ConfigurationError } from "../src/errors.js";

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

// An in-memory oracle written from S3's documented rule, independent of the streaming code.
function oracleEtag(data: Uint8Array, partSize?: number): string {
  const md5 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest();
  if (partSize === undefined) return md5(data).toString("hex");
  const digests: Buffer[] = [];
  for (let start = 0; start < data.length || digests.length === 0; start += partSize) {
    digests.push(md5(data.subarray(start, start + partSize)));
  }
  return `${md5(Buffer.concat(digests)).toString("hex")}-${digests.length}`;
}

describe("awsCliPartSize (s3transfer's ChunksizeAdjuster)", () => {
  it("keeps the configured part size while the file fits in 10,000 parts", () => {
    expect(awsCliPartSize(20 * MIB)).toBe(8 * MIB);
    expect(awsCliPartSize(10_000 * 8 * MIB)).toBe(8 * MIB);
  });

  it("doubles the part size until the file fits in 10,000 parts", () => {
    // 10,000 × 8 MiB + 1 byte needs 10,001 parts of 8 MiB: one doubling.
    expect(awsCliPartSize(10_000 * 8 * MIB + 1)).toBe(16 * MIB);
    expect(awsCliPartSize(100 * GIB)).toBe(16 * MIB);
    // 5 TiB, S3's largest object, is 10,240 parts of 512 MiB: doubled on to 1 GiB.
    expect(awsCliPartSize(5 * 1024 * GIB)).toBe(1024 * MIB);
  });

  it("raises a part size below S3's 5 MiB minimum and lowers one above 5 GiB", () => {
    expect(awsCliPartSize(20 * MIB, MIB)).toBe(5 * MIB);
    expect(awsCliPartSize(20 * MIB, 6 * GIB)).toBe(5 * GIB);
  });

  it("doubles from the configured size before clamping, as the CLI does", () => {
    // 1 MiB doubled until 60,000 MiB fits in 10,000 parts: 8 MiB (7,500 parts), above the minimum.
    expect(awsCliPartSize(60_000 * MIB, MIB)).toBe(8 * MIB);
  });

  it("always yields at most 10,000 parts of at least 5 MiB", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 * 1024 * GIB }),
        fc.integer({ min: 1, max: 6 * GIB }),
        (size, configured) => {
          const part = awsCliPartSize(size, configured);
          expect(Math.ceil(size / part)).toBeLessThanOrEqual(10_000);
          expect(part).toBeGreaterThanOrEqual(5 * MIB);
          expect(part).toBeLessThanOrEqual(5 * GIB);
        },
      ),
    );
  });

  it("rejects a part size that is not a positive whole number", () => {
    expect(() => awsCliPartSize(1, 0)).toThrow(ConfigurationError);
    expect(() => awsCliPartSize(1, 1.5)).toThrow(/partSizeBytes must be a whole number/);
  });
});

describe("parseStoredEtag", () => {
  it("strips the quotes and reads a plain MD5", () => {
    expect(parseStoredEtag('"9B2CF535F27731C974343645A3985328"')).toEqual({
      kind: "single",
      etag: "9b2cf535f27731c974343645a3985328",
    });
  });

  it("reads a multipart ETag with its part count", () => {
    expect(parseStoredEtag('"5eb33cfe7943b0e139eb2e6b807fa940-2"')).toEqual({
      kind: "multipart",
      etag: "5eb33cfe7943b0e139eb2e6b807fa940-2",
      parts: 2,
    });
  });

  it("calls anything else opaque: missing, another store's format, impossible part counts", () => {
    for (const raw of [
      undefined,
      "",
      '"abc"',
      '"5eb33cfe7943b0e139eb2e6b807fa940-0"',
      '"5eb33cfe7943b0e139eb2e6b807fa940-10001"',
    ]) {
      expect(parseStoredEtag(raw).kind).toBe("opaque");
    }
  });
});

describe("localEtag", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "content-diff-etag-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("gives the plain MD5 and the multipart form of known contents", async () => {
    const path = join(dir, "hello.txt");
    await writeFile(path, "hello");
    expect(await localEtag(path)).toBe("5d41402abc4b2a76b9719d911017c592");
    // One part: the MD5 of the MD5, then -1.
    const inner = createHash("md5").update("hello").digest();
    expect(await localEtag(path, { partSize: 8 * MIB })).toBe(`${createHash("md5").update(inner).digest("hex")}-1`);
  });

  it("gives an empty file one empty part, like a multipart upload of it", async () => {
    const path = join(dir, "empty");
    await writeFile(path, "");
    expect(await localEtag(path)).toBe("d41d8cd98f00b204e9800998ecf8427e");
    expect(await localEtag(path, { partSize: 5 })).toBe(oracleEtag(new Uint8Array(0), 5));
  });

  it("matches the in-memory rule whatever the part size and however reads straddle part boundaries", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 0, maxLength: 3000 }),
        fc.integer({ min: 1, max: 700 }),
        fc.integer({ min: 1, max: 900 }),
        async (data, partSize, readChunkBytes) => {
          const path = join(dir, `prop-${run++}`);
          await writeFile(path, data);
          expect(await localEtag(path, { partSize, readChunkBytes })).toBe(oracleEtag(data, partSize));
          expect(await localEtag(path, { readChunkBytes })).toBe(oracleEtag(data));
        },
      ),
      { numRuns: 200 },
    );
  });
});
