import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { seededRandom } from "test-utils";

/** A sync log with names that need care (space, non-ASCII). The keys and their correct paths. */
export const NICE_LOG = "upload: public/café.html to s3://b/café.html\nupload: public/a b.html to s3://b/a b.html\n";
export const NICE_PATHS = ["/caf%C3%A9.html", "/a%20b.html"];

export const MILLION = 1_000_000;

/**
 * Writes the malformed sync logs to `dir` and returns their file names by case. Deterministic:
 * the binary one comes from a seeded generator.
 */
export function writeSyncLogs(dir: string): Record<string, string> {
  const files: Record<string, Buffer | string> = {
    "crlf.log": NICE_LOG.replaceAll("\n", "\r\n"),
    "lf.log": NICE_LOG,
    // Cut in the middle of the last line and in the middle of a UTF-8 sequence (é is C3 A9).
    "truncated.log": Buffer.concat([Buffer.from(NICE_LOG), Buffer.from("upload: public/caf\xc3", "latin1")]),
    "utf16le-bom.log": Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(NICE_LOG, "utf16le")]),
    "utf16be-bom.log": Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(NICE_LOG, "utf16le").swap16()]),
    "latin1.log": Buffer.from(NICE_LOG, "latin1"),
    "utf8-bom.log": Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(NICE_LOG)]),
    "empty.log": "",
    "no-change.log": "Completed 0 file(s) with 0 file(s) remaining\r\n",
    "long-line.log": `upload: public/x to s3://b/${"a".repeat(5_000_000)}\n`,
    "fatal.log":
      "fatal error: An error occurred (AccessDenied) when calling the ListObjectsV2 operation: Access Denied\n",
  };
  const random = seededRandom(42);
  const binary = Buffer.alloc(200_000);
  for (let i = 0; i < binary.length; i++) binary[i] = Math.floor(random() * 256);
  files["binary.log"] = binary;
  const lines: string[] = [];
  for (let i = 0; i < MILLION; i++)
    lines.push(`upload: public/d${i % 1000}/f${i}.html to s3://b/d${i % 1000}/f${i}.html`);
  files["million.log"] = `${lines.join("\n")}\n`;
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return Object.fromEntries(Object.keys(files).map((name) => [name.replace(/\.log$/, ""), join(dir, name)]));
}
