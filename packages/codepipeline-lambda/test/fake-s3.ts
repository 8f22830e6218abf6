// An in-memory S3 at the edge (aws-sdk-client-mock): HeadObject, ranged GetObject, PutObject and
// ListObjectsV2 (by prefix), with
// S3's error names, so the artifact reader and the manifest code run unchanged against it.
import {
  GetObjectCommand,
  type GetObjectCommandInput,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  type HeadObjectCommandInput,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { awsError, CREDENTIALS } from "./fakes.js";

// Only what the reader uses of a body; @smithy/util-stream is not a dependency of this package.
function body(bytes: Uint8Array) {
  return { transformToByteArray: async () => bytes } as unknown as NonNullable<GetObjectCommandOutput["Body"]>;
}

export class FakeS3 {
  readonly client = new S3Client({ region: "us-east-1", credentials: CREDENTIALS });
  readonly mock = mockClient(this.client);
  readonly objects = new Map<string, Buffer>();
  /** `PUT bucket/key`, `GET bucket/key`, `HEAD bucket/key`, in order. */
  readonly calls: string[] = [];
  /** Errors thrown by the next call of an operation (`PutObject`, ...). */
  readonly failNext = new Map<string, Error>();

  constructor() {
    const fail = (operation: string) => {
      const error = this.failNext.get(operation);
      if (error) {
        this.failNext.delete(operation);
        throw error;
      }
    };
    this.mock.on(HeadObjectCommand).callsFake(async (input: HeadObjectCommandInput) => {
      this.calls.push(`HEAD ${input.Bucket}/${input.Key}`);
      fail("HeadObject");
      const object = this.objects.get(`${input.Bucket}/${input.Key}`);
      if (!object) throw awsError("NotFound", 404);
      return { ContentLength: object.length };
    });
    this.mock.on(GetObjectCommand).callsFake(async (input: GetObjectCommandInput) => {
      this.calls.push(`GET ${input.Bucket}/${input.Key}`);
      fail("GetObject");
      const object = this.objects.get(`${input.Bucket}/${input.Key}`);
      if (!object) throw awsError("NoSuchKey", 404);
      const range = /^bytes=(\d+)-(\d+)$/.exec(input.Range ?? "");
      if (!range) return { Body: body(object), ContentLength: object.length };
      const start = Number(range[1]);
      const end = Math.min(Number(range[2]), object.length - 1);
      return {
        Body: body(object.subarray(start, end + 1)),
        ContentRange: `bytes ${start}-${end}/${object.length}`,
      };
    });
    this.mock.on(ListObjectsV2Command).callsFake(async (input: ListObjectsV2CommandInput) => {
      this.calls.push(`LIST ${input.Bucket}/${input.Prefix ?? ""}`);
      fail("ListObjectsV2");
      const keys = [...this.objects.keys()]
        .filter((k) => k.startsWith(`${input.Bucket}/${input.Prefix ?? ""}`))
        .map((k) => k.slice(`${input.Bucket}/`.length))
        .sort()
        .slice(0, input.MaxKeys ?? 1000);
      return { KeyCount: keys.length, ...(keys.length === 0 ? {} : { Contents: keys.map((Key) => ({ Key })) }) };
    });
    this.mock.on(PutObjectCommand).callsFake(async (input: PutObjectCommandInput) => {
      this.calls.push(`PUT ${input.Bucket}/${input.Key}`);
      fail("PutObject");
      this.objects.set(`${input.Bucket}/${input.Key}`, Buffer.from(input.Body as Uint8Array));
      return {};
    });
  }

  put(bucket: string, key: string, bytes: Buffer): void {
    this.objects.set(`${bucket}/${key}`, bytes);
  }
}
