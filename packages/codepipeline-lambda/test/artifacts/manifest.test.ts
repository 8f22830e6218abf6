import { gzipSync } from "node:zlib";
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { ConfigurationError, PermissionError } from "invalidation-core";
import { afterEach, describe, expect, it } from "vitest";
import {
  ArtifactError,
  decodeManifest,
  diffManifests,
  encodeManifest,
  type Manifest,
  type ManifestEntry,
  manifestFromDirectory,
  manifestLocation,
  readManifest,
  readZipDirectory,
  writeManifest,
} from "../../src/artifacts/index.js";
import { BufferRangeReader } from "./buffer-range-reader.ts";
import { buildZip } from "./zip-writer.ts";

// Only what readManifest uses of a GetObject body; @smithy/util-stream is not a dependency of this package.
function body(bytes: Uint8Array) {
  return { transformToByteArray: async () => bytes } as unknown as NonNullable<GetObjectCommandOutput["Body"]>;
}

function manifest(entries: Record<string, [number, number]>): Manifest {
  return {
    version: 1,
    entries: new Map(Object.entries(entries).map(([name, [size, crc32]]) => [name, { size, crc32 }])),
  };
}

describe("manifestFromDirectory", () => {
  it("records files by name, size and CRC-32, leaves directories out, and keeps the last of repeated names", async () => {
    const zip = buildZip([
      { name: "site/" },
      { name: "site/index.html", data: "old", method: 8 },
      { name: "site/a.css", data: "body{}" },
      { name: "site/index.html", data: "newer" },
    ]);
    const directory = await readZipDirectory(new BufferRangeReader(zip.bytes));
    const { entries } = manifestFromDirectory(directory);
    expect([...entries.keys()]).toEqual(["site/index.html", "site/a.css"]);
    expect(entries.get("site/index.html")).toEqual({ size: 5, crc32: directory.entries[3]!.crc32 });
  });
});

describe("diffManifests", () => {
  const previous = manifest({
    "index.html": [100, 1],
    "about.html": [200, 2],
    "css/site.css": [300, 3],
    "old/gone.html": [10, 4],
  });

  it("reports added, changed (by size or by CRC-32) and removed files, and counts the unchanged", () => {
    const current = manifest({
      "index.html": [100, 1], // unchanged
      "about.html": [200, 99], // same size, new content
      "css/site.css": [301, 3], // new size
      "new/page.html": [5, 5],
    });
    expect(diffManifests(previous, current)).toEqual({
      firstRun: false,
      added: ["new/page.html"],
      changed: ["about.html", "css/site.css"],
      removed: ["old/gone.html"],
      unchanged: 1,
      changedKeys: ["about.html", "css/site.css", "new/page.html", "old/gone.html"],
    });
  });

  it("reports nothing for an identical artifact", () => {
    const diff = diffManifests(
      previous,
      manifest(Object.fromEntries([...previous.entries].map(([n, e]) => [n, [e.size, e.crc32]]))),
    );
    expect(diff.changedKeys).toEqual([]);
    expect(diff.unchanged).toBe(4);
  });

  it("says firstRun, with no keys, when there is no previous manifest", () => {
    expect(diffManifests(undefined, previous)).toEqual({
      firstRun: true,
      added: [],
      changed: [],
      removed: [],
      unchanged: 0,
      changedKeys: [],
    });
  });

  it("puts every name of either side in exactly one class (property)", () => {
    const side = fc.dictionary(
      fc.constantFrom("a", "b", "c", "d/e", "é", "__proto__", "x y"),
      fc.tuple(fc.nat(3), fc.nat(3)),
    );
    fc.assert(
      fc.property(side, side, (before, after) => {
        const diff = diffManifests(manifest(before), manifest(after));
        const all = new Set([...Object.keys(before), ...Object.keys(after)]);
        const classified = [...diff.added, ...diff.changed, ...diff.removed];
        expect(classified.length + diff.unchanged).toBe(all.size);
        expect(new Set(classified).size).toBe(classified.length);
        for (const name of diff.changedKeys) {
          const [b, a] = [before[name], after[name]];
          expect(b === undefined || a === undefined || b[0] !== a[0] || b[1] !== a[1]).toBe(true);
        }
      }),
    );
  });
});

describe("encodeManifest and decodeManifest", () => {
  it("round-trips odd names, including __proto__ and unicode", () => {
    const original = manifest({
      // A computed key: a literal `__proto__:` would set the prototype instead of adding an entry.
      ["__proto__"]: [1, 2],
      "日本/ü.html": [3, 0xffffffff],
      "a b?#.html": [0, 0],
      constructor: [4, 5] as [number, number],
    });
    const decoded = decodeManifest(encodeManifest(original));
    expect([...decoded.entries]).toEqual([...original.entries]);
    expect(decoded.entries.get("__proto__")).toEqual({ size: 1, crc32: 2 });
    expect(Object.getPrototypeOf(decoded.entries)).toBe(Map.prototype);
  });

  it("keeps 100,000 entries small", () => {
    const entries = new Map<string, ManifestEntry>();
    for (let i = 0; i < 100_000; i++) {
      entries.set(`assets/section-${i % 97}/page-${i}/index.html`, {
        size: 1000 + (i % 5000),
        crc32: (i * 2654435761) >>> 0,
      });
    }
    const bytes = encodeManifest({ version: 1, entries });
    // About 5 MB of JSON; the random-looking CRCs are what gzip cannot squeeze.
    expect(bytes.length).toBeLessThan(2_000_000);
    expect(decodeManifest(bytes).entries.size).toBe(100_000);
  });

  it.each([
    ["not gzip", Buffer.from('{"version":1,"entries":{}}'), /not gzipped JSON/],
    ["gzipped garbage", gzipSync("{oops"), /not gzipped JSON/],
    ["an array", gzipSync("[]"), /not a JSON object/],
    ["another version", gzipSync('{"version":2,"entries":{}}'), /version 2, expected 1/],
    ["no entries", gzipSync('{"version":1}'), /no entries object/],
    ["a negative size", gzipSync('{"version":1,"entries":{"a":{"size":-1,"crc32":0}}}'), /entry "a" has no valid size/],
    [
      "a CRC beyond 32 bits",
      gzipSync('{"version":1,"entries":{"a":{"size":1,"crc32":4294967296}}}'),
      /"a" has no valid crc32/,
    ],
  ])("refuses %s as unreadable, saying how to start over", (_what, bytes, reason) => {
    const error = (() => {
      try {
        decodeManifest(bytes, "manifest s3://b/k");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ArtifactError);
    expect((error as ArtifactError).problem).toBe("manifest-unreadable");
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).toMatch(/^the manifest s3:\/\/b\/k is unreadable .*Delete it to start over/);
  });
});

describe("manifestLocation", () => {
  it("names the manifest after the deploy target: sorted distribution ids and the deploy prefix", () => {
    expect(manifestLocation({ bucket: "own", distributionIds: ["EB", "EA"] })).toEqual({
      bucket: "own",
      key: "artifact-manifests/EA+EB/manifest.json.gz",
    });
    expect(manifestLocation({ bucket: "own", distributionIds: ["EA"], s3Prefix: "/site/v2/" }).key).toBe(
      "artifact-manifests/EA/site/v2/manifest.json.gz",
    );
    expect(manifestLocation({ bucket: "own", keyPrefix: "m/", distributionIds: ["EA"], s3Prefix: "" }).key).toBe(
      "m/EA/manifest.json.gz",
    );
  });

  it("uses an explicit manifestKey below the prefix", () => {
    expect(manifestLocation({ bucket: "own", distributionIds: [], manifestKey: "prod/site.json.gz" }).key).toBe(
      "artifact-manifests/prod/site.json.gz",
    );
  });

  it.each(["", "/abs", "a/../b", "x".repeat(513)])(
    "refuses the manifestKey %j as a configuration error",
    (manifestKey) => {
      expect(() => manifestLocation({ bucket: "own", distributionIds: ["EA"], manifestKey })).toThrow(
        ConfigurationError,
      );
    },
  );

  it("refuses to derive a key without a distribution id", () => {
    expect(() => manifestLocation({ bucket: "own", distributionIds: [] })).toThrow(ConfigurationError);
  });
});

describe("readManifest and writeManifest (mocked S3)", () => {
  const s3 = mockClient(S3Client);
  const client = new S3Client({ region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } });
  const location = { bucket: "own", key: "artifact-manifests/EA/manifest.json.gz" };
  afterEach(() => s3.reset());

  function s3Error(name: string, status: number) {
    return new S3ServiceException({ name, $fault: "client", $metadata: { httpStatusCode: status }, message: name });
  }

  it("reads a missing manifest as the first run", async () => {
    s3.on(GetObjectCommand).rejects(s3Error("NoSuchKey", 404));
    expect(await readManifest(client, location)).toBeUndefined();
  });

  it("fails on AccessDenied with an S3 hint (not the first run, not CloudFront's hint)", async () => {
    s3.on(GetObjectCommand).rejects(s3Error("AccessDenied", 403));
    const error = await readManifest(client, location).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionError);
    expect((error as Error).message).toMatch(
      /^reading the manifest s3:\/\/own\/artifact-manifests\/EA\/manifest.json.gz failed: AccessDenied .*s3:ListBucket/,
    );
    expect((error as Error).message).not.toMatch(/cloudfront/i);
  });

  it("reads a 403 as the first run only when a listing of exactly that key shows it is missing", async () => {
    // The role's ListBucket is limited by an s3:prefix condition; if S3 does not count it for the
    // GetObject of a missing key (it answers 403), the listing it surely allows settles it.
    s3.on(GetObjectCommand).rejects(s3Error("AccessDenied", 403));
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 0 });
    expect(await readManifest(client, location)).toBeUndefined();
    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toEqual({
      Bucket: "own",
      Prefix: location.key,
      MaxKeys: 1,
    });
  });

  it("keeps the AccessDenied when the listing shows the manifest exists, or is denied too", async () => {
    s3.on(GetObjectCommand).rejects(s3Error("AccessDenied", 403));
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 1, Contents: [{ Key: location.key }] });
    await expect(readManifest(client, location)).rejects.toThrow(PermissionError);
    s3.on(ListObjectsV2Command).rejects(s3Error("AccessDenied", 403));
    await expect(readManifest(client, location)).rejects.toThrow(PermissionError);
  });

  it("fails on a missing bucket as a configuration error", async () => {
    s3.on(GetObjectCommand).rejects(s3Error("NoSuchBucket", 404));
    await expect(readManifest(client, location)).rejects.toThrow(ConfigurationError);
  });

  it("fails on an unreadable body rather than treating it as the first run", async () => {
    s3.on(GetObjectCommand).resolves({ Body: body(Buffer.from("garbage")) });
    await expect(readManifest(client, location)).rejects.toThrow(/unreadable/);
  });

  it("writes the gzipped manifest to the location and reads it back", async () => {
    const written = manifest({ "a.html": [1, 2] });
    await writeManifest(client, location, written);
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ Bucket: "own", Key: location.key, ContentType: "application/gzip" });
    s3.on(GetObjectCommand).resolves({ Body: body(put.Body as Buffer) });
    expect([...(await readManifest(client, location))!.entries]).toEqual([...written.entries]);
  });
});
