import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffSiteAgainstBucket } from "../src/content-diff.js";

// 100,000 files must work: no timing assertion (machines differ), only that it completes with
// the right answer. The time is printed for the report.
const FILES = 100_000;
const PER_FOLDER = 1_000;
const PAGE = 1_000; // ListObjectsV2's page size

const keyOf = (i: number) => `f${Math.floor(i / PER_FOLDER)}/file-${i}.txt`;
const contentOf = (i: number) => `content of file ${i}\n`;
const md5 = (text: string) => createHash("md5").update(text).digest("hex");

describe("diffSiteAgainstBucket at 100,000 files", { timeout: 600_000 }, () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "content-diff-scale-"));
    for (let folder = 0; folder < FILES / PER_FOLDER; folder++) {
      await mkdir(join(dir, `f${folder}`));
      const writes: Promise<void>[] = [];
      for (let i = folder * PER_FOLDER; i < (folder + 1) * PER_FOLDER; i++) {
        writes.push(writeFile(join(dir, keyOf(i)), contentOf(i)));
      }
      await Promise.all(writes);
    }
  }, 600_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 600_000);

  it("lists 100 pages, hashes every same-size file and finds the few changes", async () => {
    // The bucket: every file, except that 7 hold other content of the same size, 3 have another
    // size, and 5 objects have no local file.
    const sameSizeEdits = new Set([5, 12_345, 50_000, 77_777, 88_888, 99_998, 99_999]);
    const resized = new Set([0, 42, 60_000]);
    const remote = Array.from({ length: FILES }, (_, i) => {
      const stored = sameSizeEdits.has(i) ? contentOf(i).toUpperCase() : contentOf(i);
      return {
        Key: `site/${keyOf(i)}`,
        Size: Buffer.byteLength(stored) + (resized.has(i) ? 1 : 0),
        ETag: `"${md5(stored)}"`,
      };
    });
    for (let i = 0; i < 5; i++) remote.push({ Key: `site/gone/${i}.txt`, Size: 1, ETag: `"${md5("x")}"` });

    const s3 = new S3Client({ region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } });
    const s3Mock = mockClient(s3);
    s3Mock.on(ListObjectsV2Command).callsFake((input: { ContinuationToken?: string }) => {
      const start = Number(input.ContinuationToken ?? 0);
      const end = Math.min(start + PAGE, remote.length);
      return {
        Contents: remote.slice(start, end),
        IsTruncated: end < remote.length,
        ...(end < remote.length ? { NextContinuationToken: String(end) } : {}),
      };
    });

    const started = performance.now();
    const report = await diffSiteAgainstBucket({ s3, siteDirectory: dir, bucket: "b", prefix: "site" });
    const seconds = (performance.now() - started) / 1000;
    const heapMiB = process.memoryUsage().heapUsed / 1024 / 1024;
    console.log(`content diff of ${FILES} files: ${seconds.toFixed(1)} s, heap ${heapMiB.toFixed(0)} MiB after`);

    expect(s3Mock.commandCalls(ListObjectsV2Command)).toHaveLength(101);
    expect(report.localFiles).toBe(FILES);
    expect(report.remoteObjects).toBe(FILES + 5);
    expect(report.hashedFiles).toBe(FILES - resized.size);
    // Issue 16: with most objects matching their files, same-size edits are proven edits (modified).
    expect(report.modified).toEqual([...resized, ...sameSizeEdits].map((i) => `site/${keyOf(i)}`).sort());
    expect(report.unverifiable).toEqual([]);
    expect(report.unchanged).toBe(FILES - resized.size - sameSizeEdits.size);
    expect(report.deleted).toHaveLength(5);
    expect(report.added).toEqual([]);
  });
});
