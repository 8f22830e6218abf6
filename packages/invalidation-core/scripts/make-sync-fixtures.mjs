#!/usr/bin/env node
// Regenerates the REAL sync-log fixtures in test/fixtures/cli-v1/ by running the AWS CLI v1
// (`aws s3 sync|cp|mv|rm`) against a moto_server started here on a free loopback port.
//
// For every captured log it also writes `<name>.expected.json`: the objects that really changed,
// computed from S3 listings taken before and after the command (keys and ETags), NOT from the
// log. The parser tests compare the two, so a parser bug cannot hide behind a fixture made by it.
//
// Usage: node scripts/make-sync-fixtures.mjs   (needs `aws` (CLI v1), `moto_server`, `script`)
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, "..", "test", "fixtures", "cli-v1");
const BUCKET = "fixture-site";

/** Local file names (relative to the site folder) that stress the parser and the encoder. */
const SITE_FILES = [
  "index.html",
  "blog/index.html",
  "blog/2024/index.html",
  "blog/2024/first post.html",
  "docs/a b/index.html",
  "my file.html",
  "#hash-first.html",
  "notes/#1.html",
  "what?.html",
  "100%.html",
  "already%20encoded.html",
  "it's.html",
  "c++.html",
  "~tilde.txt",
  "a~b.html",
  "star*.txt",
  "ends-with*",
  "café.html",
  "日本/ページ.html",
  "a to b/c to s3:x.txt",
  "x to s3:y.txt",
  "trailing space ",
  "back\\slash.txt",
  "semi;colon&amp=1.html",
];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const port = await freePort();
const endpoint = `http://127.0.0.1:${port}`;
const env = {
  ...process.env,
  AWS_ENDPOINT_URL: endpoint,
  AWS_ACCESS_KEY_ID: "AKIAFIXTURE000000000",
  AWS_SECRET_ACCESS_KEY: "fixtureSecretForMotoOnly",
  AWS_DEFAULT_REGION: "us-east-1",
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_PAGER: "",
  // Same byte stream whatever the locale of the machine that regenerates the fixtures.
  PYTHONIOENCODING: "utf-8",
  LC_ALL: "C.UTF-8",
};
const moto = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
const stopMoto = () => {
  if (moto.exitCode === null) moto.kill("SIGTERM");
};
process.on("exit", stopMoto);

const work = mkdtempSync(join(tmpdir(), "sync-fixtures-"));
try {
  await waitForMoto();
  await main();
} finally {
  stopMoto();
  rmSync(work, { recursive: true, force: true });
}

async function waitForMoto() {
  for (let i = 0; i < 300; i++) {
    try {
      await fetch(`${endpoint}/moto-api/`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`moto_server did not answer on ${endpoint}`);
}

function aws(args, { cwd = work, stderr = false } = {}) {
  const result = spawnSync("aws", args, { cwd, env, encoding: "utf8" });
  if (result.error) throw result.error;
  return { out: stderr ? result.stdout + result.stderr : result.stdout, status: result.status, err: result.stderr };
}

/** Runs the CLI on a pseudo-terminal (util-linux `script`), as a developer's terminal would. */
function awsOnPty(args, cwd = work) {
  const quoted = ["aws", ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
  const result = spawnSync("script", ["-qec", quoted, "/dev/null"], { cwd, env, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`script/aws failed: ${result.stderr}`);
  return result.stdout;
}

/** Every object in the bucket: key → ETag. */
function listing(prefix = "") {
  const { out, status, err } = aws([
    "s3api",
    "list-objects-v2",
    "--bucket",
    BUCKET,
    "--prefix",
    prefix,
    "--output",
    "json",
  ]);
  if (status !== 0) throw new Error(`listing failed: ${err}`);
  const parsed = out.trim() === "" ? {} : JSON.parse(out);
  return new Map((parsed.Contents ?? []).map((o) => [o.Key, o.ETag]));
}

function changedBetween(before, after, action) {
  const objects = [];
  for (const [key, etag] of after) if (before.get(key) !== etag) objects.push({ bucket: BUCKET, key, action });
  return objects;
}

function removedBetween(before, after, action) {
  return [...before.keys()].filter((key) => !after.has(key)).map((key) => ({ bucket: BUCKET, key, action }));
}

function save(name, log, expected, note) {
  writeFileSync(join(outDir, `${name}.log`), log);
  const sorted = [...expected].sort((a, b) =>
    `${a.action}\0${a.bucket}\0${a.key}`.localeCompare(`${b.action}\0${b.bucket}\0${b.key}`),
  );
  writeFileSync(join(outDir, `${name}.expected.json`), `${JSON.stringify({ note, objects: sorted }, null, 2)}\n`);
  console.log(`${name}: ${expected.length} changed object(s), ${log.length} bytes of log`);
}

function writeSite(root, files, content) {
  for (const file of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), content(file));
  }
}

async function main() {
  mkdirSync(outDir, { recursive: true });
  const site = join(work, "site");
  writeSite(site, SITE_FILES, (f) => `v1 ${f}\n`);
  if (aws(["s3", "mb", `s3://${BUCKET}`]).status !== 0) throw new Error("make_bucket failed");

  // 1. First deploy: every file is uploaded. stdout is a pipe, as in CI.
  let before = listing();
  let run = aws(["s3", "sync", "site", `s3://${BUCKET}/web`]);
  save(
    "sync-first-deploy",
    run.out,
    changedBetween(before, listing(), "upload"),
    "aws s3 sync site s3://B/web, stdout piped",
  );

  // 2. Second deploy with --delete: some files changed (other size), some removed, one added.
  const changed = ["blog/index.html", "my file.html", "what?.html", "ends-with*", "日本/ページ.html"];
  writeSite(site, changed, (f) => `version two of ${f}\n`);
  writeSite(site, ["new/index.html"], () => "new\n");
  for (const f of ["#hash-first.html", "a to b/c to s3:x.txt", "star*.txt", "café.html"]) rmSync(join(site, f));
  before = listing();
  run = aws(["s3", "sync", "site", `s3://${BUCKET}/web`, "--delete"]);
  let after = listing();
  save(
    "sync-delete",
    run.out,
    [...changedBetween(before, after, "upload"), ...removedBetween(before, after, "delete")],
    "aws s3 sync site s3://B/web --delete after changing, adding and removing files",
  );

  // 3. cp --recursive on a pseudo-terminal: progress lines joined by CR, lines ended by CRLF.
  before = listing();
  const ptyLog = awsOnPty(["s3", "cp", "--recursive", "site", `s3://${BUCKET}/tty`]);
  save(
    "cp-recursive-pty",
    ptyLog,
    changedBetween(before, listing(), "upload"),
    "aws s3 cp --recursive on a pty (script -qec)",
  );

  // 4. cp --recursive without progress lines.
  before = listing();
  run = aws(["s3", "cp", "--recursive", "--no-progress", "site", `s3://${BUCKET}/plain`]);
  save(
    "cp-recursive-no-progress",
    run.out,
    changedBetween(before, listing(), "upload"),
    "aws s3 cp --recursive --no-progress",
  );

  // 5. Server-side copy s3 -> s3 (`copy:` lines): the destination changes.
  before = listing();
  run = aws(["s3", "cp", "--recursive", `s3://${BUCKET}/web/`, `s3://${BUCKET}/copy/`]);
  save(
    "cp-s3-to-s3",
    run.out,
    changedBetween(before, listing(), "copy"),
    "aws s3 cp --recursive s3://B/web/ s3://B/copy/",
  );

  // 6. mv s3 -> s3: both the source (removed) and the destination (written) change.
  before = listing();
  run = aws(["s3", "mv", "--recursive", `s3://${BUCKET}/copy/`, `s3://${BUCKET}/moved/`]);
  after = listing();
  save(
    "mv-s3-to-s3",
    run.out,
    [...changedBetween(before, after, "move"), ...removedBetween(before, after, "move")],
    "aws s3 mv --recursive s3://B/copy/ s3://B/moved/",
  );

  // 7. mv local -> s3 and s3 -> local, one file each.
  writeSite(work, ["loose/to move.html"], () => "moving\n");
  before = listing();
  run = aws(["s3", "mv", "loose/to move.html", `s3://${BUCKET}/web/moved here.html`]);
  let log = run.out;
  const mid = listing();
  const expectedMv = changedBetween(before, mid, "move");
  run = aws(["s3", "mv", `s3://${BUCKET}/web/it's.html`, "downloaded/it's.html"]);
  log += run.out;
  expectedMv.push(...removedBetween(mid, listing(), "move"));
  save("mv-local-and-back", log, expectedMv, "aws s3 mv ./file s3://B/key, then aws s3 mv s3://B/key ./file");

  // 8. rm --recursive.
  before = listing();
  run = aws(["s3", "rm", "--recursive", `s3://${BUCKET}/moved/`]);
  save("rm-recursive", run.out, removedBetween(before, listing(), "delete"), "aws s3 rm --recursive s3://B/moved/");

  // 9. Download: nothing changes in S3.
  before = listing();
  run = aws(["s3", "sync", `s3://${BUCKET}/web`, "downloaded-site"]);
  save(
    "sync-download",
    run.out,
    changedBetween(before, listing(), "upload"),
    "aws s3 sync s3://B/web ./dir: downloads only",
  );

  // 10. --dryrun: nothing changes.
  writeSite(site, ["dry/index.html"], () => "dry\n");
  before = listing();
  run = aws(["s3", "sync", "site", `s3://${BUCKET}/web`, "--dryrun", "--delete"]);
  save("sync-dryrun", run.out, changedBetween(before, listing(), "upload"), "aws s3 sync --dryrun --delete");

  // 11. Failures: uploads to a bucket that does not exist (stderr merged into the log, as CI shows it).
  run = aws(["s3", "cp", "--recursive", "site/blog", "s3://no-such-fixture-bucket/blog"], { stderr: true });
  save("cp-upload-failed", run.out, [], "aws s3 cp --recursive to a missing bucket, stdout and stderr merged");
}
