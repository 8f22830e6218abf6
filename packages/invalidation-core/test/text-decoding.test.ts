import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../src/errors.js";
import { parseChanges } from "../src/sync-log.js";
import { ChangeTextDecoder, decodeChangeText } from "../src/text-decoding.js";

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

describe("ChangeTextDecoder, fed chunk by chunk", () => {
  const text = "upload: a/café.html to s3://b/café.html\r\nCompleted 1 file(s)\rdelete: s3://b/日本 😀\n";
  const encodings: [string, Buffer][] = [
    ["UTF-8", Buffer.from(text)],
    ["UTF-8 with a BOM", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])],
    ["UTF-16LE with a BOM", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")])],
    ["UTF-16BE with a BOM", Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(text)])],
  ];
  for (const [name, bytes] of encodings) {
    it(`decodes ${name} split at every byte, and byte by byte, as the whole`, () => {
      const decode = (chunks: Buffer[]) => {
        const decoder = new ChangeTextDecoder("log");
        let out = "";
        for (const chunk of chunks) out += decoder.decode(chunk);
        return { text: out + decoder.end(), warnings: decoder.warnings };
      };
      expect(decode([bytes])).toEqual({ text, warnings: [] });
      for (let i = 0; i <= bytes.length; i++) {
        expect(decode([bytes.subarray(0, i), bytes.subarray(i)]), `split at ${i}`).toEqual({ text, warnings: [] });
      }
      expect(decode([...bytes].map((b) => Buffer.from([b])))).toEqual({ text, warnings: [] });
    });
  }

  it("decides UTF-8 or Windows-1252 per line, whatever the split", () => {
    const bytes = Buffer.concat([
      Buffer.from("café\n", "latin1"),
      Buffer.from("café\r", "utf8"),
      Buffer.from("naïve", "latin1"),
    ]);
    for (let i = 0; i <= bytes.length; i++) {
      const decoder = new ChangeTextDecoder("log");
      const out = decoder.decode(bytes.subarray(0, i)) + decoder.decode(bytes.subarray(i)) + decoder.end();
      expect(out, `split at ${i}`).toBe("café\ncafé\rnaïve");
      expect(decoder.windows1252Lines).toBe(2);
    }
  });
});
