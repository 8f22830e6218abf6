import { ConfigurationError } from "invalidation-core";
import { describe, expect, it } from "vitest";
import { DEFAULT_WAIT_TIMEOUT_SECONDS, parseCommandLine } from "../src/args.js";

function usageError(argv: string[]): ConfigurationError {
  try {
    parseCommandLine(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error(`expected ${argv.join(" ")} to be rejected`);
}

describe("parseCommandLine", () => {
  it("collects repeated --distribution-id and --path in the order given", () => {
    const parsed = parseCommandLine([
      "--distribution-id",
      "E1",
      "--path",
      "/a",
      "--distribution-id=E2",
      "--path",
      "/b c",
    ]);
    expect(parsed).toMatchObject({ command: "run", distributionIds: ["E1", "E2"], paths: ["/a", "/b c"] });
  });

  it("applies defaults: no wait, the default wait timeout, not a dry run, human output", () => {
    expect(parseCommandLine([])).toEqual({
      command: "run",
      distributionIds: [],
      tenants: [],
      paths: [],
      cacheTags: [],
      wait: false,
      waitTimeoutSeconds: DEFAULT_WAIT_TIMEOUT_SECONDS,
      dryRun: false,
      json: false,
    });
  });

  it("keeps every option it was given", () => {
    const parsed = parseCommandLine([
      "--paths-file",
      "p.txt",
      "--sync-log",
      "-",
      "--s3-prefix",
      "site/",
      "--index-document",
      "",
      "--max-paths",
      "12",
      "--site-dir",
      "public",
      "--wait",
      "--wait-timeout",
      "0.5",
      "--caller-reference",
      "deploy-42",
      "--dry-run",
      "--json",
    ]);
    expect(parsed).toEqual({
      command: "run",
      distributionIds: [],
      tenants: [],
      paths: [],
      cacheTags: [],
      pathsFile: "p.txt",
      syncLog: "-",
      s3Prefix: "site/",
      indexDocument: "",
      maxPaths: 12,
      siteDir: "public",
      wait: true,
      waitTimeoutSeconds: 0.5,
      callerReference: "deploy-42",
      dryRun: true,
      json: true,
    });
  });

  it("answers --help and --version before looking at anything else", () => {
    expect(parseCommandLine(["--max-paths", "0", "--help"])).toEqual({ command: "help" });
    expect(parseCommandLine(["-h"])).toEqual({ command: "help" });
    expect(parseCommandLine(["--version"])).toEqual({ command: "version" });
  });

  it("rejects an unknown flag, naming it", () => {
    expect(usageError(["--distribution-id", "E1", "--pathz", "/a"]).message).toContain("--pathz");
  });

  it("rejects a stray argument, naming it", () => {
    expect(usageError(["/index.html"]).message).toContain("/index.html");
  });

  it("rejects a flag whose value is missing", () => {
    expect(usageError(["--max-paths"]).message).toContain("--max-paths");
  });

  it.each(["0", "-3", "2.5", "ten", "", "1e3"])("rejects --max-paths %j, naming the flag and the value", (value) => {
    // The `=` form: node:util refuses a separate value that starts with a dash, before we see it.
    const message = usageError([`--max-paths=${value}`]).message;
    expect(message).toContain("--max-paths");
    // The core's validators quote text they could not read as a number, and show a number out of range as it is.
    expect(message).toContain(/^\d+$/.test(value) ? `got ${value}` : JSON.stringify(value));
  });

  // ".5" was accepted before the core's parseSeconds (drift fix, README): write 0.5.
  it.each(["0", "-1", "soon", "", "90000", "1s", ".5"])("rejects --wait-timeout %j", (value) => {
    expect(usageError([`--wait-timeout=${value}`]).message).toContain("--wait-timeout");
  });

  it.each([
    ["30", 30],
    ["0.25", 0.25],
  ])("accepts --wait-timeout %j as %d seconds", (value, seconds) => {
    expect(parseCommandLine(["--wait-timeout", value])).toMatchObject({ waitTimeoutSeconds: seconds });
  });

  it("reads --urls-per-path as a whole number of at least 0", () => {
    expect(parseCommandLine(["--urls-per-path", "0"])).toMatchObject({ urlsPerPath: 0 });
    expect(parseCommandLine(["--urls-per-path", "25"])).toMatchObject({ urlsPerPath: 25 });
    for (const value of ["-1", "1.5", "", "many"]) {
      expect(usageError([`--urls-per-path=${value}`]).message).toContain("--urls-per-path");
    }
  });

  it("reads --cache-tag repeated and comma-separated as CloudFront's #tag items, lower-cased, once each", () => {
    expect(parseCommandLine(["--cache-tag", "Product:TV,#blog", "--cache-tag", "product:tv"])).toMatchObject({
      cacheTags: ["#product:tv", "#blog"],
    });
    expect(usageError(["--cache-tag", "a*"]).message).toMatch(/^--cache-tag: cache tag "a\*"/);
  });

  it("collects repeated --tenant as given (the core resolves them)", () => {
    expect(parseCommandLine(["--tenant", "shop.example.com", "--tenant", "dt_1"])).toMatchObject({
      tenants: ["shop.example.com", "dt_1"],
    });
  });

  it("refuses to read stdin for both --paths-file and --sync-log", () => {
    const message = usageError(["--paths-file", "-", "--sync-log", "-"]).message;
    expect(message).toContain("--paths-file");
    expect(message).toContain("--sync-log");
  });

  it.each(["--paths-file", "--sync-log", "--site-dir", "--caller-reference"])("rejects an empty %s", (flag) => {
    expect(usageError([flag, " "]).message).toContain(flag);
  });
});
