import { describe, expect, it } from "vitest";
import { type ChangeLogBytes, readChangeLog } from "../src/change-source.js";
import { ConfigurationError } from "../src/errors.js";

const ESC = "\u001b";

function utf16be(text: string): Buffer {
  const le = Buffer.from(text, "utf16le");
  for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return le;
}
const bom = {
  utf8: Buffer.from([0xef, 0xbb, 0xbf]),
  utf16le: Buffer.from([0xff, 0xfe]),
  utf16be: Buffer.from([0xfe, 0xff]),
};

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
async function* pieces(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield part;
}
const keysOf = async (bytes: ChangeLogBytes | string, source = "log") =>
  (await readChangeLog(typeof bytes === "string" ? Buffer.from(bytes) : bytes, source)).keys;

const progress = "Completed 1.0 MiB/2.0 MiB (3.0 MiB/s) with 2 file(s) remaining";
const log = [
  `${progress}\r${"upload: public/café.html to s3://site/café.html".padEnd(progress.length)}`,
  `${progress}\r${"delete: s3://site/old page.html".padEnd(progress.length)}`,
  "upload: public/日本/ページ.html to s3://site/日本/ページ.html",
  "upload failed: public/x to s3://site/x An error occurred (AccessDenied)",
  "",
].join("\r\n");
const logKeys = [
  "café.html",
  "old page.html",
  `old page.html${" ".repeat(progress.length - "delete: s3://site/old page.html".length)}`,
  "日本/ページ.html",
];

describe("readChangeLog: one decoder for every source", () => {
  const cases: [string, Buffer][] = [
    ["UTF-8", Buffer.from(log)],
    ["UTF-8 with a BOM", Buffer.concat([bom.utf8, Buffer.from(log)])],
    ["UTF-16LE with a BOM", Buffer.concat([bom.utf16le, Buffer.from(log, "utf16le")])],
    ["UTF-16BE with a BOM", Buffer.concat([bom.utf16be, utf16be(log)])],
  ];
  for (const [name, bytes] of cases) {
    it(`reads ${name} the same as a buffer, as a stream, and split at every byte`, async () => {
      const whole = await readChangeLog(bytes, "log");
      expect(whole.keys).toEqual(logKeys);
      expect(whole.warnings).toHaveLength(1); // the failed upload
      expect(await keysOf(chunked(bytes, 1))).toEqual(logKeys);
      expect(await keysOf(chunked(bytes, 7))).toEqual(logKeys);
      for (let split = 0; split <= bytes.length; split++) {
        const read = await readChangeLog(pieces(bytes.subarray(0, split), bytes.subarray(split)), "log");
        expect(read.keys, `split at ${split}`).toEqual(logKeys);
        expect(read.warnings, `split at ${split}`).toEqual(whole.warnings);
      }
    });
  }

  it("says which encoding it read", async () => {
    expect((await readChangeLog(cases[2]![1], "log")).encoding).toBe("utf-16le");
    expect((await readChangeLog(cases[3]![1], "log")).encoding).toBe("utf-16be");
    expect((await readChangeLog(cases[1]![1], "log")).encoding).toBe("utf-8");
  });

  it("refuses UTF-16 without a BOM, from a buffer or a stream, naming the source and the fix", async () => {
    for (const bytes of [Buffer.from(log, "utf16le"), chunked(Buffer.from(log, "utf16le"), 3)]) {
      const read = readChangeLog(bytes, "--sync-log a.log");
      await expect(read).rejects.toThrow(ConfigurationError);
      await expect(readChangeLog(Buffer.from(log, "utf16le"), "--sync-log a.log")).rejects.toThrow(
        /--sync-log a\.log .*UTF-16.*UTF-8/,
      );
    }
  });

  it("reads a line that is not UTF-8 as Windows-1252, with one warning naming the source, and the other lines as UTF-8", async () => {
    // A log pasted together from a Latin-1 console and a UTF-8 one.
    const bytes = Buffer.concat([
      Buffer.from("upload: a/café.html to s3://b/café.html\n", "latin1"),
      Buffer.from("upload: a/€uro.html to s3://b/€uro.html\n", "utf8"),
      Buffer.from("delete: s3://b/naïve.html\n", "latin1"),
    ]);
    for (const input of [bytes, chunked(bytes, 1), chunked(bytes, 5)]) {
      const read = await readChangeLog(input, "--sync-log sync.log");
      expect(read.keys).toEqual(["café.html", "€uro.html", "naïve.html"]);
      expect(read.warnings).toHaveLength(1);
      expect(read.warnings[0]).toMatch(/^--sync-log sync\.log is not valid UTF-8 \(2 line\(s\)\).*Windows-1252/);
    }
  });

  it("keeps every whole line of a UTF-8 log cut off mid-character", async () => {
    // Cut after the first of the two bytes of the last "è".
    const cutInChar = Buffer.from("upload: p/é.html to s3://b/é.html\nupload: p/x.html to s3://b/xè").subarray(0, -1);
    const read = await readChangeLog(chunked(cutInChar, 4), "sync.log");
    expect(read.keys).toEqual(["é.html", "x"]);
    expect(read.warnings).toEqual([
      "sync.log ends in an incomplete UTF-8 character (cut off?); the last bytes were ignored",
    ]);
  });

  it("reads string chunks (a stream with an encoding set) like the bytes they came from", async () => {
    async function* strings() {
      yield "upload: a/ca";
      yield "fé.html to s3://b/café.html\r";
      yield "\n";
    }
    expect(await keysOf(strings())).toEqual(["café.html"]);
  });

  it("turns a failing stream into a ConfigurationError naming the source", async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from("upload: a to s3://b/a\n");
      throw new Error("EISDIR: illegal operation on a directory, read");
    }
    await expect(readChangeLog(failing(), "--sync-log logs/")).rejects.toThrow(
      /^--sync-log logs\/: cannot read it: EISDIR/,
    );
  });
});

describe("readChangeLog: decorated lines (ANSI colours, CI timestamps)", () => {
  const table: [string, string, string[]][] = [
    [
      "a timestamp in colour before the verb",
      `${ESC}[90m[12:00:01]${ESC}[0m upload: a/x.html to s3://b/x.html`,
      ["x.html"],
    ],
    ["a whole line in colour", `${ESC}[32mupload: a/y.html to s3://b/y.html ${ESC}[0m`, ["y.html"]],
    ["colour inside the key", `upload: a/${ESC}[1mz${ESC}[22m.html to s3://b/${ESC}[1mz${ESC}[22m.html`, ["z.html"]],
    [
      "a GitHub timestamp, then colour",
      `2026-11-27T09:00:00.1234567Z ${ESC}[36;1mdelete: s3://b/d.html${ESC}[0m`,
      ["d.html"],
    ],
    [
      "an OSC hyperlink around the URI",
      `delete: ${ESC}]8;;https://x${ESC}\\s3://b/e.html${ESC}]8;;${ESC}\\`,
      ["e.html"],
    ],
    ["a bare time before the verb", "12:00:01 upload: a/f.html to s3://b/f.html", ["f.html"]],
  ];
  for (const [name, line, keys] of table) {
    it(`reads ${name}`, async () => {
      expect(await keysOf(`${line}\n`)).toEqual(keys);
    });
  }
});

describe("readChangeLog: key lists", () => {
  const table: [string, string, string[]][] = [
    [
      "a key that mentions `aws s3`",
      "index.html\nguides/aws s3 basics.html\n",
      ["index.html", "guides/aws s3 basics.html"],
    ],
    ["a key that starts like a time", "index.html\n12:30:00 standup.html\n", ["index.html", "12:30:00 standup.html"]],
    ["a key that starts like shell tracing", "index.html\n+ plus.html\n", ["index.html", "+ plus.html"]],
    ["a key that looks like a bracketed word", "[draft] notes.html\n", ["[draft] notes.html"]],
    ["repeated keys, once each", "a.html\n/a.html\nb.html\na.html\n", ["a.html", "b.html"]],
    ["s3:// URIs", "s3://b/k.html\r\n", ["k.html"]],
  ];
  for (const [name, text, keys] of table) {
    it(`reads ${name}`, async () => {
      const read = await readChangeLog(Buffer.from(text), "--changes keys.txt");
      expect(read.keys).toEqual(keys);
      expect(read.kind).toBe("key-list");
    });
  }

  const nothingChanged: [string, string][] = [
    ["a GitHub log of the sync step", "##[group]Run aws s3 sync public s3://b\n##[endgroup]\n"],
    ["a timestamped CI line", "2026-11-27T09:00:00.0000000Z Run ./deploy.sh\n"],
    ["an echoed command", "+ aws s3 sync public s3://b --delete\n"],
    ["progress only", "Completed 0 file(s) with 0 file(s) remaining\n"],
    ["a coloured echo of the command", `${ESC}[36;1maws s3 sync public s3://b${ESC}[0m\n`],
    ["a CodeBuild line", "[Container] 2026/11/27 09:00:00.123456 Running command ./deploy.sh\n"],
  ];
  for (const [name, text] of nothingChanged) {
    it(`reads ${name} as a log of a sync that changed nothing`, async () => {
      const read = await readChangeLog(Buffer.from(text), "log");
      expect(read.keys).toEqual([]);
      expect(read.kind).toBe("log");
    });
  }

  it("reads an empty input as empty", async () => {
    expect(await readChangeLog(Buffer.from("\n\n"), "log")).toMatchObject({ keys: [], kind: "empty" });
  });

  const ambiguous: [string, string][] = [
    ["CI lines next to would-be keys", "##[group]Run ./deploy.sh\nDeploying the site\n##[endgroup]\n"],
    ["an echoed sync next to a key", "+ aws s3 sync public s3://b\nindex.html\n"],
    ["a timestamped line next to a key", "index.html\n2026-11-27T09:00:00Z Run x\n"],
  ];
  for (const [name, text] of ambiguous) {
    it(`refuses ${name}, naming the source and quoting both sorts of line`, async () => {
      const read = readChangeLog(Buffer.from(text), "--sync-log out.log");
      await expect(read).rejects.toThrow(ConfigurationError);
      await expect(readChangeLog(Buffer.from(text), "--sync-log out.log")).rejects.toThrow(
        /^--sync-log out\.log cannot be read as a sync log or as a key list: .*CI log \(such as ".+"\).*keys \(such as ".+"\)/,
      );
    });
  }

  it("reads a log with CLI lines as a log, whatever else it holds", async () => {
    // Build output and the deploy script's own lines are the usual company of a sync's output.
    expect(await keysOf("> site@1.0.0 build\nDeploying\nupload: public/a to s3://b/a\nDone\n")).toEqual(["a"]);
  });
});

describe("readChangeLog: padded lines read both ways", () => {
  const p = "Completed 9 Bytes/9 Bytes (1 Bytes/s) with 1 file(s) remaining"; // 62 characters
  const table: [string, string, string[]][] = [
    // A progress segment of 17 characters, then a delete line of exactly that width ending in a space.
    ["a delete of the progress line's width, one space", `${p.slice(0, 17)}\rdelete: s3://b/a `, ["a", "a "]],
    [
      "a delete padded to the progress line",
      `${p}\r${"delete: s3://b/a".padEnd(p.length)}`,
      ["a", `a${" ".repeat(p.length - 16)}`],
    ],
    [
      "a delete longer than the progress line (no padding)",
      `${p}\rdelete: s3://b/${"k".repeat(60)} `,
      [`${"k".repeat(60)} `],
    ],
    ["a delete with nothing before it", "delete: s3://b/a ", ["a", "a "]],
    [
      "a cp to another name, padded",
      `${p}\r${"upload: ./x.html to s3://b/y.html".padEnd(p.length)}`,
      ["y.html", `y.html${" ".repeat(p.length - 33)}`],
    ],
    ["a copy to another name with nothing before it", "copy: s3://a/x to s3://b/y  ", ["y", "y  "]],
    ["a sync upload: the source's name settles it", `${p}\r${"upload: site/a to s3://b/a".padEnd(p.length)}`, ["a"]],
    ["a sync upload of a key ending in a space", `${p}\r${"upload: site/a  to s3://b/a ".padEnd(p.length)}`, ["a "]],
    [
      "a move to another name, padded",
      `${p}\r${"move: s3://a/k to s3://b/j".padEnd(p.length)}`,
      ["k", "j", `j${" ".repeat(p.length - 26)}`],
    ],
  ];
  for (const [name, text, keys] of table) {
    it(`reads ${name}`, async () => {
      expect(await keysOf(`${text}\n`)).toEqual(keys);
    });
  }
});

describe("readChangeLog streams: memory follows the distinct keys, not the input", () => {
  const MiB = 1024 * 1024;
  // Big by default; LARGE_LOG_MB=4000 runs a multi-GB log (minutes).
  const targetBytes = Number(process.env.LARGE_LOG_MB ?? 300) * MiB;
  const distinct = 20_000;

  /** A log of progress lines and repeated uploads and deletes, made on the fly (never held whole). */
  async function* generatedLog(): AsyncGenerator<Uint8Array> {
    const bar = "Completed 12.5 MiB/~1.2 GiB (48.1 MiB/s) with ~9120 file(s) remaining";
    let produced = 0;
    let n = 0;
    while (produced < targetBytes) {
      let chunk = "";
      while (chunk.length < 256 * 1024) {
        const key = `assets/${n % distinct} café page.html`;
        chunk +=
          n % 7 === 0
            ? `${bar}\r${`delete: s3://site/${key}`.padEnd(bar.length)}\n`
            : `${bar}\r${bar}\r${`upload: public/${key} to s3://site/${key}`.padEnd(bar.length)}\n`;
        n++;
      }
      const bytes = Buffer.from(chunk);
      produced += bytes.length;
      yield bytes;
    }
  }

  it(`reads a generated ${targetBytes / MiB} MB log with bounded heap growth`, { timeout: 600_000 }, async () => {
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }, 20);
    const started = performance.now();
    try {
      const read = await readChangeLog(generatedLog(), "generated");
      const seconds = (performance.now() - started) / 1000;
      peak = Math.max(peak, process.memoryUsage().heapUsed);
      // Deletes are padded after a progress line of their width: both readings, as documented.
      expect(read.keys.length).toBeGreaterThanOrEqual(distinct);
      expect(read.keys.length).toBeLessThanOrEqual(2 * distinct);
      expect(read.keys[0]).toBe("assets/0 café page.html");
      expect(read.keys).toContain(`assets/${distinct - 1} café page.html`);
      expect(read.buckets).toEqual(["site"]);
      const growth = peak - before;
      console.log(
        `readChangeLog: ${targetBytes / MiB} MiB in ${seconds.toFixed(1)} s (${(targetBytes / MiB / seconds).toFixed(0)} MiB/s), ` +
          `heap growth at peak ${(growth / MiB).toFixed(0)} MiB, ${read.keys.length} keys`,
      );
      // Reading the whole input would hold at least its size (twice, as a UTF-16 string); the keys
      // are a few MiB, the rest is garbage the collector has not reached yet (70-80 MiB measured).
      expect(growth).toBeLessThan(Math.min(targetBytes / 2, 200 * MiB));
    } finally {
      clearInterval(sampler);
    }
  });
});
