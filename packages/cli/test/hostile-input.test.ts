// Hostile and odd input through the bundle as a process (issue 16): names that look like runner
// commands, markup, times and signs; logs decorated with colours and CI timestamps; stdin in other
// encodings; AWS CLI habits; a prefix given as an S3 URI; a reader that goes away.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keysToPaths } from "invalidation-core";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, spawnCli } from "./run-cli.ts";

const KEYS = [
  "index.html",
  "guides/aws s3 basics.html",
  "12:30:00 standup.html",
  "+ plus.html",
  "café #1.png",
  "::error title=X::boom.html",
  "x ##[set-output name=y]z.html",
  "<img src=x onerror=alert(1)>.html",
  "a?b.html",
  "100%.html",
  "~tilde.html",
  "[link](https://example.com).html",
];
// The core's mapping (a `~` key gets both of its forms); every source must give exactly these.
const EXPECTED = [...keysToPaths(KEYS, { indexDocument: "" }).paths].sort();
const PLAN = ["--dry-run", "--json", "--s3-prefix", "site", "--index-document", "", "--max-paths", "1000"];

const syncLine = (key: string) => `upload: public/${key} to s3://my-site/site/${key}`;
const plain = `${KEYS.map(syncLine).join("\n")}\n`;
// A CI log viewer's timestamps and the colours of a wrapper script around the sync.
const decorated = `${KEYS.map((key, i) => (i % 2 === 0 ? `\x1b[90m[12:00:0${i % 10}]\x1b[0m ${syncLine(key)}` : `\x1b[32m${syncLine(key)}\x1b[0m`)).join("\r\n")}\r\n`;
const utf16be = (text: string) => Buffer.from(`\ufeff${text}`, "utf16le").swap16();
const ENCODINGS: [string, Uint8Array][] = [
  ["UTF-8", Buffer.from(plain, "utf8")],
  ["UTF-8 with colours and CI timestamps", Buffer.from(decorated, "utf8")],
  ["UTF-16LE with a BOM (PowerShell's >)", Buffer.from(`\ufeff${plain}`, "utf16le")],
  ["UTF-16BE with a BOM", utf16be(plain)],
  // Every key here is in Latin-1, where Windows-1252 and Node's "latin1" agree.
  ["Windows-1252", Buffer.from(plain, "latin1")],
];

const dir = mkdtempSync(join(tmpdir(), "cli-hostile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const planned = (stdout: string): string[] => [...JSON.parse(stdout).paths].sort();

describe("the same sync log gives the same paths from a file and from stdin, whatever its encoding", () => {
  it.each(ENCODINGS)("%s", async (name, bytes) => {
    const file = join(dir, `${name.replace(/\W+/g, "-")}.log`);
    writeFileSync(file, bytes);
    const [fromFile, fromStdin] = await Promise.all([
      spawnCli(["--sync-log", file, ...PLAN]),
      spawnCli(["--sync-log", "-", ...PLAN], { stdin: bytes }),
    ]);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(planned(fromFile.stdout)).toEqual(EXPECTED);
    expect(planned(fromStdin.stdout)).toEqual(EXPECTED);
  });

  it("a key list (the change list of diff) on stdin keeps every hostile key", async () => {
    const list = KEYS.map((key) => `site/${key}`).join("\n");
    const run = await runCli(["--changes", "-", ...PLAN], { stdin: `${list}\n` });
    expect(run.code, run.stderr).toBe(0);
    expect(planned(run.stdout)).toEqual(EXPECTED);
  });
});

describe("AWS CLI habits and misspelt flags get a did-you-mean, exit 2", () => {
  it.each([
    [["--paths", "/*"], "--path", /once per path/],
    [["--paths=/*"], "--path", /once per path/],
    [["--dryrun"], "--dry-run", /./],
    [["--distribution-ids", "E2QWRUHAPOMQZL"], "--distribution-id", /./],
    [["--synclog", "sync.log"], "--sync-log", /./],
    [["--wait-timout", "5"], "--wait-timeout", /./],
    [["diff", "--site-dir", "p", "--s3-uri", "s3://b", "--no-deletes"], "--no-delete", /./],
  ])("%j", async (args, suggestion, extra) => {
    const run = await runCli([...args, "--path", "/a"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Did you mean ${suggestion}?`);
    expect(run.stderr).toMatch(extra);
    expect(run.stdout).toBe("");
  });

  it("suggests nothing for a flag unlike any", async () => {
    const run = await runCli(["--bogus", "--path", "/a"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--bogus");
    expect(run.stderr).not.toContain("Did you mean");
  });
});

describe("the key prefix", () => {
  it.each(["s3://my-site/site", "S3://my-site/site/"])(
    "refuses %s, naming --s3-prefix and the prefix to give",
    async (prefix) => {
      const run = await runCli(["--sync-log", "-", "--s3-prefix", prefix, "--dry-run"], { stdin: plain });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("--s3-prefix");
      expect(run.stderr).toContain('"site');
    },
  );

  it.each([
    ["for people", [], (stdout: string) => expect(stdout).toContain("outside --s3-prefix")],
    [
      "as JSON",
      ["--json"],
      (stdout: string) =>
        expect(JSON.parse(stdout)).toMatchObject({ status: "outside-prefix", nothingChanged: false, paths: [] }),
    ],
  ])(
    'says when every change fell outside it, %s: exit 0, a warning, never "Nothing changed"',
    async (_name, extra, check) => {
      const run = await runCli(
        ["--distribution-id", "E2QWRUHAPOMQZL", "--sync-log", "-", "--s3-prefix", "other", ...extra],
        {
          stdin: plain,
        },
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/warning: every changed key lies outside the key prefix "other"/);
      expect(`${run.stdout}${run.stderr}`).not.toContain("Nothing changed");
      check(run.stdout);
    },
  );

  it('keeps "Nothing changed" for a log that changed nothing', async () => {
    const run = await runCli(["--distribution-id", "E2QWRUHAPOMQZL", "--sync-log", "-"], { stdin: "" });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe("Nothing changed: no invalidation needed.\n");
  });
});

describe("a reader that goes away (cf-invalidate ... | head -1)", () => {
  it.each([
    ["the plan for people", []],
    ["the JSON", ["--json"]],
  ])("ends quietly after %s: exit 0, no stack trace", async (_name, extra) => {
    // Far more than a pipe's buffer, so the writes go on after the reader has gone.
    const keys = Array.from({ length: 20_000 }, (_, i) => `page-${i}.html`).join("\n");
    const run = await spawnCli(["--sync-log", "-", "--dry-run", "--max-paths", "100000", ...extra], {
      stdin: Buffer.from(keys),
    });
    expect(run.code).toBe(0);
    expect(run.stderr).not.toMatch(/EPIPE|\n\s+at /);
  });
});
