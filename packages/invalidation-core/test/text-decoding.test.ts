import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../src/errors.js";
import { parseChanges } from "../src/sync-log.js";
import { decodeChangeText } from "../src/text-decoding.js";

const line = "upload: public/café.html to s3://site/café.html\n";

function utf16be(text: string): Buffer {
  const le = Buffer.from(text, "utf16le");
  for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return le;
}

describe("decodeChangeText", () => {
  it("reads UTF-8, with or without a BOM, without a warning", () => {
    expect(decodeChangeText(Buffer.from(line), "log")).toEqual({ text: line });
    expect(decodeChangeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(line)]), "log")).toEqual({
      text: line,
    });
  });

  it("reads UTF-16 by its BOM, little and big endian, so the keys survive", () => {
    for (const bytes of [
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(line, "utf16le")]),
      Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(line)]),
    ]) {
      const { text, warning } = decodeChangeText(bytes, "log");
      expect(warning).toBeUndefined();
      expect(parseChanges(text).objects).toEqual([{ bucket: "site", key: "café.html", action: "upload" }]);
    }
  });

  it("refuses UTF-16 without a BOM, naming the input and the fix", () => {
    expect(() => decodeChangeText(Buffer.from(line, "utf16le"), "--sync-log a.log")).toThrow(ConfigurationError);
    expect(() => decodeChangeText(Buffer.from(line, "utf16le"), "--sync-log a.log")).toThrow(
      /--sync-log a\.log .*UTF-16.*UTF-8/,
    );
  });

  it("reads a Latin-1 log as Windows-1252 and says so, keeping the real key", () => {
    const { text, warning } = decodeChangeText(Buffer.from(line, "latin1"), "sync.log");
    expect(warning).toMatch(/sync\.log is not valid UTF-8/);
    expect(parseChanges(text).objects[0]?.key).toBe("café.html");
  });

  it("keeps a UTF-8 log that was cut off mid-character as UTF-8, dropping only the broken tail", () => {
    const whole = Buffer.from(`${line}upload: public/é.html to s3://site/é.html\n`);
    const cut = whole.subarray(0, whole.length - 7); // after the first byte of the last "é"
    const { text, warning } = decodeChangeText(cut, "sync.log");
    expect(warning).toMatch(/incomplete UTF-8 character/);
    expect(parseChanges(text).objects[0]?.key).toBe("café.html");
  });
});
