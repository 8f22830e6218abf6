import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../src/errors.js";
import { parsePartSize, parseS3Location } from "../src/s3-location.js";

describe("parseS3Location", () => {
  it.each([
    ["s3://bucket", "bucket", ""],
    ["s3://bucket/", "bucket", ""],
    ["s3://bucket/site", "bucket", "site/"],
    ["s3://bucket/site/", "bucket", "site/"],
    ["s3://bucket/a/b", "bucket", "a/b/"],
    ["  s3://my-site/www \n", "my-site", "www/"],
    [
      "s3://arn:aws:s3:us-east-1:123456789012:accesspoint/site",
      "arn:aws:s3:us-east-1:123456789012:accesspoint/site",
      "",
    ],
    [
      "s3://arn:aws:s3:us-east-1:123456789012:accesspoint/site/www",
      "arn:aws:s3:us-east-1:123456789012:accesspoint/site",
      "www/",
    ],
  ])("reads %j as bucket %s and prefix %j", (uri, bucket, prefix) => {
    expect(parseS3Location(uri)).toEqual({ bucket, prefix });
  });

  it.each(["https://bucket/site", "s3://", "s3:///site", "bucket/site", "s3://bad bucket/x", "", "S3://bucket"])(
    "refuses %j with a configuration error that names it",
    (uri) => {
      expect(() => parseS3Location(uri)).toThrow(ConfigurationError);
      expect(() => parseS3Location(uri)).toThrow(
        `the S3 location must be the sync's destination, s3://BUCKET or s3://BUCKET/PREFIX, got ${JSON.stringify(uri)}`,
      );
      // Adapters name their flag or input as the subject.
      expect(() => parseS3Location(uri, "--s3-uri")).toThrow(`--s3-uri must be the sync's destination`);
    },
  );

  it("gives a prefix that is empty or ends in / and never starts with /", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9][a-z0-9.-]{2,20}$/), fc.string({ maxLength: 30 }), (bucket, rest) => {
        let location: ReturnType<typeof parseS3Location>;
        try {
          location = parseS3Location(`s3://${bucket}/${rest}`);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigurationError);
          return;
        }
        expect(location.bucket).toBe(bucket);
        expect(location.prefix === "" || location.prefix.endsWith("/")).toBe(true);
        expect(location.prefix.startsWith("/")).toBe(false);
      }),
    );
  });
});

describe("parsePartSize", () => {
  it.each([
    ["8388608", 8388608],
    ["8MB", 8 * 1024 * 1024],
    ["8mib", 8 * 1024 * 1024],
    ["16 MiB", 16 * 1024 * 1024],
    ["5242880", 5 * 1024 * 1024],
    ["64KB", 64 * 1024],
    ["1gb", 1024 ** 3],
    ["1b", 1],
    [" 16MB ", 16 * 1024 * 1024],
  ])("reads %j as %d bytes (units binary, as the AWS CLI reads multipart_chunksize)", (text, bytes) => {
    expect(parsePartSize(text)).toBe(bytes);
  });

  it.each(["", " ", "0", "0MB", "8 MBs", "1.5MB", "8.5MB", "-1", "lots", "8TB", "99999999999GB"])(
    "refuses %j with a configuration error that names it",
    (text) => {
      expect(() => parsePartSize(text)).toThrow(ConfigurationError);
      expect(() => parsePartSize(text)).toThrow(
        `the part size must be a size in bytes such as 8388608, 8MB or 16MiB (the AWS CLI's multipart_chunksize), got ${JSON.stringify(text)}`,
      );
      expect(() => parsePartSize(text, '"part-size"')).toThrow(`"part-size" must be a size in bytes`);
    },
  );
});
