import { checkByteRange, type RangeReader } from "../../src/artifacts/index.js";

/** A RangeReader over bytes in memory, counting its reads as S3RangeReader does. */
export class BufferRangeReader implements RangeReader {
  readonly stats = { requests: 0, bytes: 0 };

  constructor(private readonly data: Buffer) {}

  async size(): Promise<number> {
    return this.data.length;
  }

  async read(start: number, endInclusive: number): Promise<Buffer> {
    checkByteRange(start, endInclusive, this.data.length);
    this.stats.requests++;
    this.stats.bytes += endInclusive - start + 1;
    return this.data.subarray(start, endInclusive + 1);
  }
}
