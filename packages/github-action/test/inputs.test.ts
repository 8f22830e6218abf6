import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConfigurationError,
  DEFAULT_INDEX_DOCUMENT,
  DEFAULT_MAX_PATHS,
  DEFAULT_URLS_PER_PATH,
  parseBooleanText,
  parseWholeNumber,
} from "invalidation-core";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_WAIT_TIMEOUT_SECONDS, readConfig } from "../src/inputs.js";
import { actionDefaults, actionInputNames, RecordingIO } from "./support/action-io.js";

const ID = "E2QWRUHAPOMQZL";
let workspace: string;

beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), "gha-inputs-"));
  await writeFile(join(workspace, "sync.log"), "upload: public/index.html to s3://site/index.html\n");
  await mkdir(join(workspace, "public", "docs"), { recursive: true });
  await writeFile(join(workspace, "public", "index.html"), "<h1>hi</h1>");
  await writeFile(join(workspace, "public", "docs", "a.html"), "a");
});

const read = (inputs: Record<string, string>) =>
  readConfig(new RecordingIO({ "distribution-id": ID, ...inputs }), workspace);

describe("readConfig", () => {
  it("gives the action.yml defaults when only the distribution is set", async () => {
    const config = await read({});
    expect(config).toEqual({
      distributionIds: [ID],
      tenants: [],
      paths: [],
      cacheTags: [],
      indexDocument: "index.html",
      maxPaths: DEFAULT_MAX_PATHS,
      urlsPerPath: DEFAULT_URLS_PER_PATH,
      wait: false,
      waitTimeoutSeconds: DEFAULT_WAIT_TIMEOUT_SECONDS,
      dryRun: false,
    });
  });

  it("splits distribution ids on newlines and commas and drops duplicates", async () => {
    const config = await read({ "distribution-id": `${ID}, E1ABCDEFGHIJKL\n\n${ID}\n` });
    expect(config.distributionIds).toEqual([ID, "E1ABCDEFGHIJKL"]);
  });

  it("accepts alternate domain names and *.cloudfront.net names for the core to resolve", async () => {
    const config = await read({ "distribution-id": `${ID} WWW.Example.com. d111111abcdef8.cloudfront.net` });
    expect(config.distributionIds).toEqual([ID, "www.example.com", "d111111abcdef8.cloudfront.net"]);
  });

  it("takes tenants instead of a distribution, and cache tags as CloudFront's items", async () => {
    const config = await read({ "distribution-id": "", tenant: "shop.example.com, dt_2abc\nshop.example.com" });
    expect(config.distributionIds).toEqual([]);
    expect(config.tenants).toEqual(["shop.example.com", "dt_2abc"]);
    expect((await read({ "cache-tags": "product:TV, #blog\nproduct:tv" })).cacheTags).toEqual(["#product:tv", "#blog"]);
    expect((await read({ "urls-per-path": "0" })).urlsPerPath).toBe(0);
  });

  it("reads the sync log and the site directory relative to the workspace", async () => {
    const config = await read({ "sync-log": "sync.log", "site-directory": "public" });
    // The log is streamed into the core when planning: the config holds where it is, not its text.
    expect(config.syncLog).toEqual({ file: "sync.log", path: join(workspace, "sync.log") });
    // Drift fix (README): the core lists the folder when it plans, as for the CLI's --site-dir.
    expect(config.siteDirectory).toBe(join(workspace, "public"));
  });

  it("takes one path per line, and an empty index-document turns directory forms off", async () => {
    const config = await read({ paths: "/index.html\n  /assets/*  \n", "index-document": "" });
    expect(config.paths).toEqual(["/index.html", "/assets/*"]);
    expect(config.indexDocument).toBeNull();
  });

  it.each([
    ["TRUE", true],
    ["Yes", true],
    ["1", true],
    ["false", false],
    ["NO", false],
    ["0", false],
  ])("reads the boolean word %s as %s", async (word, expected) => {
    expect((await read({ wait: word, "dry-run": word })).wait).toBe(expected);
    // The core's validator, which readConfig uses for every boolean input.
    expect(parseBooleanText(word, 'input "dry-run"', !expected)).toBe(expected);
  });

  // Each bad input must fail with a ConfigurationError whose message names the input, so the
  // user knows which `with:` line to fix.
  it.each([
    ["distribution-id", { "distribution-id": "" }, /distribution-id.*required/],
    ["distribution-id", { "distribution-id": "not-an-id" }, /distribution-id.*not-an-id/],
    ["distribution-id", { "distribution-id": `${ID},e2qwruhapomqzl!` }, /distribution-id/],
    ["paths", { paths: "/ok.html\nno-leading-slash.html" }, /paths.*no-leading-slash/],
    ["paths", { paths: "/a*b" }, /paths/],
    ["paths", { paths: "/a.html\n#release" }, /"paths" line 2: "#release" .*cache tag.*"cache-tags"/],
    ["cache-tags", { "cache-tags": "product:*" }, /"cache-tags": cache tag "product:\*"/],
    ["urls-per-path", { "urls-per-path": "-1" }, /"urls-per-path".*whole number/],
    ["urls-per-path", { "urls-per-path": "a few" }, /"urls-per-path".*"a few"/],
    ["distribution-id", { "distribution-id": "https://www.example.com/" }, /"distribution-id".*host name only/],
    ["wait", { wait: "maybe" }, /"wait".*"maybe"/],
    ["wait", { wait: "on" }, /"wait".*"on"/],
    ["dry-run", { "dry-run": "ture" }, /"dry-run".*"ture"/],
    ["max-paths", { "max-paths": "thirty" }, /"max-paths".*whole number.*"thirty"/],
    ["max-paths", { "max-paths": "0" }, /max-paths/],
    ["max-paths", { "max-paths": "2.5" }, /"max-paths".*whole number/],
    ["max-paths", { "max-paths": "1e3" }, /"max-paths".*whole number/],
    ["wait-timeout-seconds", { "wait-timeout-seconds": "10m" }, /"wait-timeout-seconds".*"10m"/],
    ["wait-timeout-seconds", { "wait-timeout-seconds": "-5" }, /"wait-timeout-seconds"/],
    ["wait-timeout-seconds", { "wait-timeout-seconds": "999999" }, /"wait-timeout-seconds".*between/],
    ["sync-log", { "sync-log": "missing/sync.log" }, /"sync-log".*missing\/sync\.log.*no such file/],
    ["site-directory", { "site-directory": "no-such-dir" }, /"site-directory".*no-such-dir/],
  ])("rejects a bad %s input with a message naming it (%j)", async (name, inputs, message) => {
    const failure = read(inputs);
    await expect(failure).rejects.toBeInstanceOf(ConfigurationError);
    await expect(failure).rejects.toThrow(message);
    await expect(failure).rejects.toThrow(name);
  });
});

describe("action.yml", () => {
  it("declares exactly the inputs the action reads, with the defaults the code falls back to", async () => {
    const io = new RecordingIO({ "distribution-id": ID });
    await readConfig(io, workspace);
    const declared = actionDefaults();
    expect(new Set(io.inputsRead)).toEqual(new Set(actionInputNames()));
    expect(actionInputNames()).toHaveLength(19);
    // The runner fills these in; the code's own fallbacks (for an empty value) must agree.
    expect(declared["max-paths"]).toBe(String(DEFAULT_MAX_PATHS));
    expect(declared["urls-per-path"]).toBe(String(DEFAULT_URLS_PER_PATH));
    expect(declared["wait-timeout-seconds"]).toBe(String(DEFAULT_WAIT_TIMEOUT_SECONDS));
    expect(declared.wait).toBe("false");
    expect(declared["dry-run"]).toBe("false");
    expect(declared["index-document"]).toBe(DEFAULT_INDEX_DOCUMENT);
    expect(declared).not.toHaveProperty("distribution-id");
  });
});

describe("parseWholeNumber (the core's, as the inputs use it)", () => {
  it("gives the fallback for an empty value and keeps plain whole numbers", () => {
    const range = { fallback: 30, min: 1, max: 100 };
    expect(parseWholeNumber("", 'input "max-paths"', range)).toBe(30);
    expect(parseWholeNumber(" 42 ", 'input "max-paths"', range)).toBe(42);
  });
});
