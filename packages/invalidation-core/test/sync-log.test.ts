import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ChangedObject,
  ChangeLogParser,
  MAX_LINE_LENGTH,
  MAX_QUOTED_LINES,
  parseChanges,
  parseS3Uri,
} from "../src/sync-log.js";

interface Expected {
  readonly note: string;
  readonly objects: ChangedObject[];
  readonly warnings?: number;
}

const fixtures = new URL("./fixtures/", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, fixtures), "utf8");
const id = (o: ChangedObject) => `${o.action} ${o.bucket ?? "-"} ${JSON.stringify(o.key)}`;
const keys = (text: string) => parseChanges(text).objects.map((o) => o.key);

describe("parseChanges on real AWS CLI v1 output (test/fixtures/cli-v1, made by scripts/make-sync-fixtures.mjs)", () => {
  const logs = readdirSync(new URL("cli-v1/", fixtures)).filter((name) => name.endsWith(".log"));

  it("has the fixtures", () => {
    // Guards the loop below against silently testing nothing.
    expect(logs.length).toBeGreaterThanOrEqual(11);
  });

  for (const log of logs) {
    it(`finds exactly the objects S3 listings show changed: ${log}`, () => {
      const expected = JSON.parse(read(`cli-v1/${log.replace(/\.log$/, ".expected.json")}`)) as Expected;
      const parsed = parseChanges(read(`cli-v1/${log}`));
      const got = new Set(parsed.objects.map(id));
      const want = new Set(expected.objects.map(id));
      expect([...want].filter((x) => !got.has(x))).toEqual([]);
      // The only extra allowed: a line whose trailing spaces may be padding or the key's own is
      // read both ways (issue 16), so an extra object differs from an expected one only in its
      // trailing spaces. (Was: only the shorter reading of an unpadded delete; since padded lines
      // after a progress line of their width are read both ways too, the longer reading of a
      // padded delete is also allowed.)
      const extra = parsed.objects.filter((o) => !want.has(id(o)));
      for (const o of extra) {
        expect(
          expected.objects.some(
            (e) => e.bucket === o.bucket && e.action === o.action && e.key.trimEnd() === o.key.trimEnd(),
          ),
          id(o),
        ).toBe(true);
      }
    });
  }

  it("reads failed uploads as warnings, never as changes", () => {
    const parsed = parseChanges(read("cli-v1/cp-upload-failed.log"));
    expect(parsed.objects).toEqual([]);
    expect(parsed.warnings).toHaveLength(3);
    for (const warning of parsed.warnings) expect(warning).toMatch(/^upload failed: site\/blog\/.*\(NoSuchBucket\)/);
  });

  it("reads a dry run as no change, with a warning", () => {
    const parsed = parseChanges(read("cli-v1/sync-dryrun.log"));
    expect(parsed.objects).toEqual([]);
    expect(parsed.warnings.join("\n")).toMatch(/dryrun/);
  });

  it("keeps raw keys with spaces, #, ?, %, ', +, ~, *, non-ASCII, ` to ` and a trailing space", () => {
    const found = new Set(keys(read("cli-v1/sync-first-deploy.log")));
    for (const key of [
      "web/my file.html",
      "web/#hash-first.html",
      "web/what?.html",
      "web/100%.html",
      "web/already%20encoded.html",
      "web/it's.html",
      "web/c++.html",
      "web/~tilde.txt",
      "web/ends-with*",
      "web/日本/ページ.html",
      "web/a to b/c to s3:x.txt",
      "web/x to s3:y.txt",
      "web/trailing space ",
      "web/back\\slash.txt",
    ]) {
      expect(found.has(key), key).toBe(true);
    }
  });
});

describe("parseChanges on hand-written logs (test/fixtures/hand-written)", () => {
  for (const log of ["cli-v2-sync.log", "github-actions-raw.log", "windows-crlf.log"]) {
    it(`reads ${log}`, () => {
      const expected = JSON.parse(read(`hand-written/${log.replace(/\.log$/, ".expected.json")}`)) as Expected;
      const parsed = parseChanges(read(`hand-written/${log}`));
      expect(parsed.objects.map(id).sort()).toEqual(expected.objects.map(id).sort());
      expect(parsed.warnings).toHaveLength(expected.warnings ?? 0);
    });
  }
});

describe("parseChanges, line by line", () => {
  it("takes the destination of an upload and of an S3-to-S3 copy", () => {
    expect(parseChanges("upload: public/a b.html to s3://site/a b.html\n").objects).toEqual([
      { bucket: "site", key: "a b.html", action: "upload" },
    ]);
    expect(parseChanges("copy: s3://old/x/y.css to s3://new/y.css").objects).toEqual([
      { bucket: "new", key: "y.css", action: "copy" },
    ]);
  });

  it("takes both objects of a move within S3, the S3 side of a move to or from disk", () => {
    expect(parseChanges("move: s3://a/k.txt to s3://b/k.txt").objects).toEqual([
      { bucket: "a", key: "k.txt", action: "move" },
      { bucket: "b", key: "k.txt", action: "move" },
    ]);
    expect(parseChanges("move: ./k.txt to s3://b/k.txt").objects).toEqual([
      { bucket: "b", key: "k.txt", action: "move" },
    ]);
    expect(parseChanges("move: s3://a/k.txt to ./k.txt").objects).toEqual([
      { bucket: "a", key: "k.txt", action: "move" },
    ]);
  });

  it("takes the object of an S3 delete, and ignores local deletes and downloads", () => {
    expect(parseChanges("delete: s3://a/old.html").objects).toEqual([
      { bucket: "a", key: "old.html", action: "delete" },
    ]);
    const local = parseChanges("delete: downloaded/old.html\ndownload: s3://a/b.html to downloaded/b.html\n");
    expect(local).toEqual({ objects: [], warnings: [] });
  });

  it("splits at the right ` to ` when names hold ` to ` and even ` to s3://`", () => {
    expect(keys("upload: site/a to b/c to d.txt to s3://bkt/web/a to b/c to d.txt")).toEqual(["web/a to b/c to d.txt"]);
    // An S3 key can hold `//`, so a copy's key can hold ` to s3://bucket/`: the shared suffix decides.
    expect(parseChanges("copy: s3://src/p/u to s3://abc/w to s3://dst/q/u to s3://abc/w").objects).toEqual([
      { bucket: "dst", key: "q/u to s3://abc/w", action: "copy" },
    ]);
    expect(keys("move: s3://bkt/a to b to a to b")).toEqual(["a to b"]);
  });

  it("matches Windows source paths (backslashes) to keys", () => {
    expect(keys("upload: site\\a to s3\\b.txt to s3://bkt/a to s3/b.txt")).toEqual(["a to s3/b.txt"]);
  });

  it("ignores progress lines joined by CR, and the padding that overwrites them", () => {
    const progress = "Completed 1.0 MiB/2.0 MiB (3.0 MiB/s) with 2 file(s) remaining";
    const line = "upload: s/a.html to s3://b/a.html".padEnd(progress.length);
    expect(parseChanges(`${progress}\r${progress}\r${line}\r\n`).objects).toEqual([
      { bucket: "b", key: "a.html", action: "upload" },
    ]);
    // A delete of the progress line's width is ambiguous (padding, or a key ending in spaces): read
    // both ways since issue 16 (was: only "gone.html"). The upload above names the same file on both
    // sides, so its source settles it.
    const deleted = "delete: s3://b/gone.html".padEnd(progress.length);
    expect(keys(`${progress}\r${deleted}\n`)).toEqual(["gone.html", deleted.slice("delete: s3://b/".length)]);
  });

  it("keeps a key's own trailing spaces when the line is longer than the progress line it overwrites", () => {
    // The CLI pads only up to the progress line's length, so beyond it a space is the key's.
    expect(
      keys("Completed 1 file(s) with 1 file(s) remaining\rdelete: s3://bucket/a long key name ends in space  \n"),
    ).toEqual(["a long key name ends in space  "]);
  });

  it("reads a delete line with trailing spaces and nothing before it both ways (padding or key?)", () => {
    expect(keys("delete: s3://b/x.html   \n")).toEqual(["x.html", "x.html   "]);
  });

  it("restores a destination's trailing spaces from its source, and drops the padding", () => {
    const progress = "Completed 2 Bytes/9 Bytes (1 Bytes/s) with 3 file(s) remaining".padEnd(90);
    // Source `site/name  ` (two spaces), then ` to `: the key is `web/name  `, then padding.
    expect(keys(`${progress}\rupload: site/name   to s3://b/web/name  `.padEnd(progress.length * 2 + 1))).toEqual([
      "web/name  ",
    ]);
  });

  it("turns `... failed:`, `fatal error:` and skipped-file lines into warnings", () => {
    const parsed = parseChanges(
      [
        "upload failed: ./a to s3://b/a An error occurred (AccessDenied) when calling the PutObject operation: Access Denied   ",
        "delete failed: s3://b/c An error occurred (AccessDenied)",
        "copy failed: s3://b/d to s3://c/d An error occurred (NoSuchKey)",
        "warning: Skipping file /x/y. File/Directory is not readable.",
        "fatal error: An error occurred (NoSuchBucket) when calling the ListObjectsV2 operation",
      ].join("\n"),
    );
    expect(parsed.objects).toEqual([]);
    expect(parsed.warnings).toHaveLength(5);
    expect(parsed.warnings[0]).toBe(
      "upload failed: ./a to s3://b/a An error occurred (AccessDenied) when calling the PutObject operation: Access Denied",
    );
  });

  it("quotes at most MAX_QUOTED_LINES problem lines and counts the rest", () => {
    const text = Array.from({ length: MAX_QUOTED_LINES + 7 }, (_, i) => `delete failed: s3://b/${i} boom`).join("\n");
    const { warnings } = parseChanges(text);
    expect(warnings).toHaveLength(MAX_QUOTED_LINES + 1);
    expect(warnings.at(-1)).toBe("... and 7 more such lines");
  });

  it("warns about a CLI line it cannot read instead of dropping it silently", () => {
    const parsed = parseChanges("upload: ./a to s3://Not a bucket/a\n");
    expect(parsed.objects).toEqual([]);
    expect(parsed.warnings[0]).toMatch(/could not read this line.*Not a bucket/);
  });

  it("accepts CI timestamps and colour codes before a line, not workflow markers or other text", () => {
    const text = [
      "2026-11-27T09:00:00.1234567Z upload: a/1.html to s3://b/1.html",
      "[09:00:01] upload: a/2.html to s3://b/2.html",
      "2026-11-27 09:00:02,123 upload: a/3.html to s3://b/3.html",
      "\u001b[32mupload: a/4.html to s3://b/4.html\u001b[0m",
      "   upload: a/5.html to s3://b/5.html",
      "##[group]upload: a/6.html to s3://b/6.html",
      "echo upload: a/7.html to s3://b/7.html",
      "::notice::upload: a/8.html to s3://b/8.html",
    ].join("\n");
    // Colour codes are removed wherever they are (issue 16; was: only at the start, so the reset
    // after line 4 ended up in the key "4.html\u001b[0m").
    expect(keys(text)).toEqual(["1.html", "2.html", "3.html", "4.html", "5.html"]);
  });

  it("ignores a byte-order mark and blank or unrelated lines", () => {
    expect(keys("\uFEFFupload: a to s3://b/a\n\nsome other output\n")).toEqual(["a"]);
  });

  it("reads access point ARNs as the bucket", () => {
    expect(
      parseChanges("upload: x/k to s3://arn:aws:s3:us-west-2:123456789012:accesspoint/site/web/k").objects,
    ).toEqual([{ bucket: "arn:aws:s3:us-west-2:123456789012:accesspoint/site", key: "web/k", action: "upload" }]);
  });
});

describe("parseChanges on a plain list of keys", () => {
  it("reads one key per line, with an optional leading /, CRLF and blank lines", () => {
    expect(parseChanges("index.html\r\n/blog/a b.html\r\n\r\n  #x.html  \n").objects).toEqual([
      { key: "index.html", action: "upload" },
      { key: "blog/a b.html", action: "upload" },
      { key: "#x.html", action: "upload" },
    ]);
  });

  it("reads s3:// URIs in a list with their bucket", () => {
    expect(parseChanges("s3://b/k.html\n").objects).toEqual([{ bucket: "b", key: "k.html", action: "upload" }]);
  });

  it("is not used as soon as one CLI line appears anywhere", () => {
    expect(keys("not-a-key.txt\nupload: a to s3://b/a\n")).toEqual(["a"]);
  });

  it("is not used for a CI log of a sync that changed nothing", () => {
    // Otherwise the runner's own lines would become keys.
    for (const text of [
      "##[group]Run aws s3 sync public s3://b\n##[endgroup]\n",
      "2026-11-27T09:00:00.0000000Z Run ./deploy.sh\n",
      "+ aws s3 sync public s3://b\n",
      "Completed 0 file(s) with 0 file(s) remaining\n",
    ]) {
      expect(parseChanges(text).objects, text).toEqual([]);
    }
  });
});

describe("parseS3Uri", () => {
  it("splits bucket and key and refuses what is not an object URI", () => {
    expect(parseS3Uri("s3://my.bucket-1/a/b")).toEqual({ bucket: "my.bucket-1", key: "a/b" });
    expect(parseS3Uri("s3://bucket/")).toBeUndefined();
    expect(parseS3Uri("s3://bucket")).toBeUndefined();
    expect(parseS3Uri("s3://bad bucket/k")).toBeUndefined();
    expect(parseS3Uri("./local")).toBeUndefined();
  });
});

describe("parseChanges properties", () => {
  // Keys as the CLI could print them: anything but line breaks (which no log can carry).
  const fragment = fc.constantFrom(
    " to ",
    "s3://",
    "b/",
    "a",
    " ",
    "#",
    "?",
    "%20",
    "é",
    "日本",
    "\\",
    "/",
    "*",
    "~",
    "'",
  );
  const key = fc
    .oneof(
      fc.string({ unit: "grapheme", minLength: 1 }),
      fc.array(fragment, { minLength: 1, maxLength: 12 }).map((p) => p.join("")),
    )
    .filter(
      (k) => !/[\r\n]/.test(k) && k.trim() !== "" && !k.startsWith("/") && !k.includes("//") && !k.includes("\\"),
    );

  it("reads back the key of any upload, with or without progress and padding", () => {
    fc.assert(
      fc.property(key, fc.boolean(), fc.nat(200), (k, withProgress, extra) => {
        const line = `upload: site/${k} to s3://bucket/web/${k}`;
        const progress = `Completed 1 file(s) with 9 file(s) remaining${" ".repeat(extra)}`;
        const text = withProgress ? `${progress}\r${line.padEnd(progress.length)}\n` : `${line}\n`;
        expect(keys(text)).toEqual([`web/${k}`]);
      }),
      { numRuns: 500 },
    );
  });

  it("reads back both keys of any S3-to-S3 move", () => {
    fc.assert(
      fc.property(key, (k) => {
        expect(parseChanges(`move: s3://from/old/${k} to s3://to/new/${k}\n`).objects).toEqual([
          { bucket: "from", key: `old/${k}`, action: "move" },
          { bucket: "to", key: `new/${k}`, action: "move" },
        ]);
      }),
      { numRuns: 300 },
    );
  });

  it("never throws, whatever the text", () => {
    const noise = fc.array(
      fc.oneof(
        fc.string({ unit: "binary" }),
        fc.constantFrom(
          "upload: ",
          "copy: ",
          "move: ",
          "delete: ",
          " failed: ",
          " to ",
          "s3://",
          "\r",
          "\n",
          "\r\n",
          "   ",
        ),
      ),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(noise, (parts) => {
        const parsed = parseChanges(parts.join(""));
        expect(Array.isArray(parsed.objects)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("parseChanges at scale", () => {
  // No timing assertions (speed is measured by `pnpm bench`): these inputs are sized so that a
  // super-linear parser would run into the test timeout instead of passing.
  it("parses a million lines with progress segments and padding", { timeout: 60_000 }, () => {
    const progress = "Completed 1.0 MiB/9.0 MiB (3.0 MiB/s) with 8 file(s) remaining";
    const lines: string[] = [];
    for (let i = 0; i < 1_000_000; i++) {
      lines.push(
        i % 2 === 0 ? `${progress}\rupload: site/p/${i} a.html to s3://b/p/${i} a.html   ` : `delete: s3://b/q/${i}`,
      );
    }
    const parsed = parseChanges(lines.join("\n"));
    expect(parsed.objects).toHaveLength(1_000_000);
    expect(parsed.objects[0]).toEqual({ bucket: "b", key: "p/0 a.html", action: "upload" });
    expect(parsed.objects[999_999]).toEqual({ bucket: "b", key: "q/999999", action: "delete" });
  });

  it("reads a long log that ends in a lone CR", () => {
    // Looking for the next CR from every line would rescan the whole rest of the text each time.
    const text = `${"delete: s3://b/k\n".repeat(300_000)}\r`;
    expect(parseChanges(text).objects).toHaveLength(300_000);
  });

  it("splits one long line full of ` to s3://` at the right place", () => {
    // Scoring each split candidate by comparing strings would be quadratic: minutes here.
    const body = Array.from({ length: 20_000 }, () => "x to s3://bkt/y").join(" ");
    const parsed = parseChanges(`copy: s3://a/${body} to s3://c/${body}`);
    expect(parsed.objects).toEqual([{ bucket: "c", key: body, action: "copy" }]);
  });
});

describe("ChangeLogParser, fed in pieces", () => {
  const read = (pieces: readonly string[]) => {
    const objects: ChangedObject[] = [];
    const parser = new ChangeLogParser((object) => objects.push(object));
    for (const piece of pieces) parser.write(piece);
    const summary = parser.finish();
    return { objects: summary.kind === "key-list" ? [...summary.listed] : objects, warnings: summary.warnings };
  };
  const readSummary = (pieces: readonly string[]) => {
    const objects: ChangedObject[] = [];
    const parser = new ChangeLogParser((object) => objects.push(object));
    for (const piece of pieces) parser.write(piece);
    return { objects, ...parser.finish() };
  };
  const progress = "Completed 1 file(s) with 2 file(s) remaining";
  const logs = [
    // Progress segments, padding read both ways, CRLF, colours, a timestamp, a failure, a BOM.
    `\uFEFF${progress}\r${"delete: s3://b/a".padEnd(progress.length)}\r\n` +
      `${progress}\r${progress}\r${"upload: s/x.html to s3://b/x.html".padEnd(progress.length)}\n` +
      `\u001b[90m[12:00:01]\u001b[0m upload: s/é y.html to s3://b/é y.html\r\n` +
      "upload failed: s/z to s3://b/z boom\n" +
      `${progress}\rdelete: s3://b/${"k".repeat(50)} \r`,
    "index.html\r\n/blog/a b.html\n+ plus.html\n12:30:00 standup.html",
  ];

  for (const [n, log] of logs.entries()) {
    it(`gives the same result split at every point as whole (log ${n})`, () => {
      const whole = parseChanges(log);
      expect(whole.objects.length).toBeGreaterThan(0);
      expect(read([log])).toEqual(whole);
      for (let i = 0; i <= log.length; i++) {
        expect(read([log.slice(0, i), log.slice(i)]), `split at ${i}`).toEqual(whole);
      }
      expect(read([...log])).toEqual(whole);
    });
  }

  it("gives the same result for any split of any generated log", () => {
    const line = fc.constantFrom(
      "upload: s/a b to s3://b/a b",
      "delete: s3://b/c  ",
      progress,
      "copy: s3://a/x to s3://b/y ",
      "\u001b[32mmove: s3://a/m to s3://b/m\u001b[0m",
      "2026-11-27T09:00:00Z ##[group]x",
      "some output",
      "",
    );
    const end = fc.constantFrom("\n", "\r\n", "\r");
    const text = fc.array(fc.tuple(line, end), { maxLength: 12 }).map((l) => l.map(([a, b]) => a + b).join(""));
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { maxLength: 6 }), (log, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (log.length + 1)))].sort((a, b) => a - b);
        const pieces = [0, ...points].map((from, i) => log.slice(from, [...points, log.length][i]));
        // Ambiguous texts included: the summary (kind, listed keys, warnings) must not depend on the split either.
        expect(readSummary(pieces)).toEqual(readSummary([log]));
      }),
      { numRuns: 500 },
    );
  });

  it("skips a line longer than MAX_LINE_LENGTH with a warning, holding no more than that", () => {
    const parser = new ChangeLogParser(() => {});
    const keys: string[] = [];
    const counted = new ChangeLogParser((o) => keys.push(o.key));
    for (const p of [parser, counted]) {
      p.write("upload: a to s3://b/first\n");
      for (let i = 0; i < 5; i++) p.write("x".repeat(MAX_LINE_LENGTH / 2));
      p.write("\ndelete: s3://b/last\n");
    }
    expect(keys).toEqual(["first", "last"]);
    expect(counted.finish().warnings).toEqual([
      `1 line(s) longer than ${MAX_LINE_LENGTH} characters skipped: no change line is that long`,
    ]);
  });
});
