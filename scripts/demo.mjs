#!/usr/bin/env node
// `pnpm demo`: the whole flow on a laptop with no AWS account.
//
// 1. starts moto_server (a local AWS emulator) on a free loopback port, if it is installed;
// 2. creates a CloudFront distribution in it;
// 3. runs the three real bundles against it, the way their hosts do:
//    - the CLI (packages/cli/dist) on a generated 240-post blog's deploy, which collapses into
//      wildcards, with the plan's cost next to `/*` and one path per file; then on a small log,
//    - the GitHub Action (packages/github-action/dist) with INPUT_* variables and GITHUB_OUTPUT,
//    - the Lambda (packages/codepipeline-lambda/dist) with a CodePipeline event, a small local
//      stand-in playing CodePipeline's job API (moto has none);
// 4. prints the plan, the invalidations and their status.
//
// Without moto it runs the plan as a dry run and says what it skipped. It stops every process it
// started, on success, on error and on Ctrl-C. Plain Node (20+), no dependencies of its own except
// the CloudFront client the CLI package already installs, used for the final status listing.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createRequire } from "node:module";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "packages/cli/dist/index.js");
const ACTION = join(ROOT, "packages/github-action/dist/index.js");
const ACTION_YML = join(ROOT, "packages/github-action/action.yml");
const LAMBDA = join(ROOT, "packages/codepipeline-lambda/dist/index.js");
const SYNC_LOG = join(ROOT, "packages/cli/test/fixtures/sync-sample.log");
// The sample log's keys live under `site/` in the bucket; the distribution's origin path is /site.
const S3_PREFIX = "site";
const STEP_TIMEOUT_MS = 30_000;
const FAKE_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: "AKIADEMOMOTO00000001",
  AWS_SECRET_ACCESS_KEY: "demoSecretForMotoOnly000000000000000000",
  AWS_SESSION_TOKEN: "demoSessionTokenForMotoOnly000000000000",
};

const color = process.stdout.isTTY === true;
const bold = (s) => (color ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s) => (color ? `\x1b[2m${s}\x1b[0m` : s);
const rel = (p) => relative(process.cwd(), p) || ".";

// ---------------------------------------------------------------- cleanup of everything we start
const children = new Set();
const servers = new Set();
const tempDirs = new Set();
let cleanedUp = false;

async function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const server of servers) {
    server.closeAllConnections?.();
    server.close();
  }
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", resolve);
          child.kill("SIGTERM");
          setTimeout(() => child.kill("SIGKILL"), 3000).unref();
        }),
    ),
  );
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}

// The last resort, if the demo dies some other way (an exception, a closed stdout): 'exit' runs
// synchronously, and kill() is synchronous, so nothing the demo started outlives it.
process.once("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});
// `pnpm demo | head` closes stdout early: stop cleanly instead of dying on EPIPE.
process.stdout.on("error", (error) => {
  if (error.code !== "EPIPE") throw error;
  cleanup().finally(() => process.exit(0));
});

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping what the demo started...`);
    cleanup().finally(() => process.exit(130));
  });
}

function track(child) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

// ------------------------------------------------------------------------------------ helpers
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const onPath = (tool) => spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0;

/** How to start moto here: `moto_server`, or `python3 -m moto.server` where only the module is installed. */
function motoCommand() {
  if (onPath("moto_server")) return ["moto_server", []];
  if (onPath("python3") && spawnSync("python3", ["-c", "import moto.server"], { stdio: "ignore" }).status === 0) {
    return ["python3", ["-m", "moto.server"]];
  }
  return undefined;
}

/** A clean environment for a bundle: never the user's own AWS profile or keys. */
function cleanEnv(extra) {
  const home = tempDir("cf-demo-home-");
  return {
    PATH: process.env.PATH ?? "",
    HOME: home,
    AWS_CONFIG_FILE: join(home, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, "no-aws-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    // The SDK's notice that its 2027 releases need Node 22 would only clutter the demo's output.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...extra,
  };
}

/** Runs a bundle as its host would, echoing its output indented, within STEP_TIMEOUT_MS. */
function runStep(args, { env, cwd = ROOT, quietStdout = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = track(spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] }));
    let stdout = "";
    let stderr = "";
    const echo = (chunk) => {
      for (const line of chunk.toString().split("\n")) if (line.trim() !== "") console.log(dim(`    │ ${line}`));
    };
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      if (!quietStdout) echo(chunk);
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      echo(chunk);
    });
    const timer = setTimeout(() => {
      console.log(`    ! no answer within ${STEP_TIMEOUT_MS / 1000} s: stopping it`);
      child.kill("SIGKILL");
    }, STEP_TIMEOUT_MS);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A fresh clone has no bundles that are not committed: build the missing ones once, through turbo
 * (which builds invalidation-core first and caches). Whatever still fails to build is skipped later.
 */
function buildMissingBundles() {
  const missing = [
    [CLI, "cf-invalidate"],
    [ACTION, "github-action"],
    [LAMBDA, "codepipeline-lambda"],
  ].filter(([file]) => !existsSync(file));
  if (missing.length === 0) return;
  const filters = missing.map(([, name]) => `--filter=${name}`);
  console.log(bold(`\n0. Building the bundles not built yet: ${missing.map(([, name]) => name).join(", ")}`));
  console.log(`    $ pnpm turbo run build ${filters.join(" ")}   ${dim("(once; later runs skip this)")}`);
  const started = Date.now();
  const build = spawnSync("pnpm", ["turbo", "run", "build", ...filters, "--output-logs=errors-only"], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 180_000,
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (build.status === 0) {
    console.log(`    built in ${seconds} s`);
    return;
  }
  const output = `${build.stdout ?? ""}${build.stderr ?? ""}${build.error ? String(build.error) : ""}`;
  console.log(`    the build failed after ${seconds} s; what did not build is skipped below. Last lines:`);
  for (const line of output.trim().split("\n").slice(-8)) console.log(dim(`    │ ${line}`));
}

function missingBundle(file) {
  if (existsSync(file)) return false;
  console.log(`    skipped: ${rel(file)} is not built yet. Build it with \`pnpm build\` and run the demo again.`);
  return true;
}

// ---------------------------------------------------------------------------- moto and CloudFront
async function startMoto([command, args]) {
  const port = await freePort();
  const child = track(
    spawn(command, [...args, "-H", "127.0.0.1", "-p", String(port)], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, PYTHONUNBUFFERED: "1" },
    }),
  );
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`);
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).status < 500) return endpoint;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > 20_000)
      throw new Error(`moto_server did not answer on ${endpoint} within 20 s: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** Creates a distribution in moto with the request body the AWS CLI sends; returns its id and domain. */
async function createDistribution(endpoint) {
  const body =
    '<DistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">' +
    `<CallerReference>demo-${Date.now()}</CallerReference>` +
    "<Origins><Quantity>1</Quantity><Items><Origin><Id>site</Id><DomainName>my-site-bucket.s3.amazonaws.com</DomainName>" +
    "<OriginPath>/site</OriginPath><S3OriginConfig><OriginAccessIdentity /></S3OriginConfig></Origin></Items></Origins>" +
    "<DefaultCacheBehavior><TargetOriginId>site</TargetOriginId><ForwardedValues><QueryString>false</QueryString>" +
    "<Cookies><Forward>none</Forward></Cookies></ForwardedValues><TrustedSigners><Enabled>false</Enabled>" +
    "<Quantity>0</Quantity></TrustedSigners><ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy><MinTTL>0</MinTTL>" +
    "</DefaultCacheBehavior><DefaultRootObject>index.html</DefaultRootObject><Enabled>true</Enabled>" +
    "<Comment>cf-invalidate demo</Comment></DistributionConfig>";
  const response = await fetch(`${endpoint}/2020-05-31/distribution`, {
    method: "POST",
    headers: {
      "content-type": "application/xml",
      // moto_server picks the service from the credential scope of the Authorization header.
      authorization: `AWS4-HMAC-SHA256 Credential=${FAKE_CREDENTIALS.AWS_ACCESS_KEY_ID}/20260101/us-east-1/cloudfront/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body,
  });
  const text = await response.text();
  const id = /<Id>([A-Z0-9]+)<\/Id>/.exec(text)?.[1];
  const domain = /<DomainName>([^<]+\.cloudfront\.net)<\/DomainName>/.exec(text)?.[1];
  if (!response.ok || !id) throw new Error(`creating a distribution in moto failed (${response.status}): ${text}`);
  return { id, domain };
}

// ------------------------------------------------------------ CodePipeline job API, stood in
/**
 * The two calls a Lambda invoke action makes, PutJobSuccessResult and PutJobFailureResult
 * (JSON 1.1), recorded and answered like CodePipeline: one result per job. A plain-JS cousin of
 * packages/test-utils/src/codepipeline-stand-in.ts, which the tests use (this script cannot import .ts).
 */
async function startCodePipelineStandIn() {
  const results = [];
  const server = createHttpServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const operation = String(request.headers["x-amz-target"] ?? "").replace(/^CodePipeline_20150709\./, "");
      let body = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
      } catch {
        // answered below
      }
      const reply = (status, payload) => {
        response.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
        response.end(JSON.stringify(payload));
      };
      if (operation !== "PutJobSuccessResult" && operation !== "PutJobFailureResult") {
        return reply(400, { __type: "UnknownOperationException", message: `not served: ${operation}` });
      }
      if (results.some((r) => r.body.jobId === body.jobId)) {
        return reply(400, { __type: "InvalidJobStateException", message: "the job already has a result" });
      }
      results.push({ operation, body });
      reply(200, {});
    });
  });
  servers.add(server);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { endpoint: `http://127.0.0.1:${server.address().port}`, results };
}

// --------------------------------------------------------------------------------- the three runs
async function runCli(distributionId, awsEnv, dryRun) {
  console.log(bold("\n3b. The CLI, on a small `aws s3 sync` log with odd names and a failed upload"));
  if (missingBundle(CLI)) return undefined;
  const args = [
    CLI,
    ...(distributionId ? ["--distribution-id", distributionId] : []),
    "--sync-log",
    SYNC_LOG,
    "--s3-prefix",
    S3_PREFIX,
    ...(dryRun ? ["--dry-run"] : ["--wait", "--wait-timeout", "20"]),
  ];
  console.log(`    $ cat ${rel(SYNC_LOG)}`);
  for (const line of readFileSync(SYNC_LOG, "utf8").trim().split("\n")) console.log(dim(`    │ ${line}`));
  console.log(`    $ node ${args.map((a) => (a.includes(ROOT) ? rel(a) : a)).join(" ")}`);
  const run = await runStep(args, { env: cleanEnv(awsEnv) });
  console.log(`    → exit code ${run.code}`);
  return run;
}

/** action.yml's input defaults: the runner sets INPUT_<NAME> for every input, defaults included. */
function actionDefaults() {
  const defaults = {};
  let inInputs = false;
  let name;
  for (const line of readFileSync(ACTION_YML, "utf8").split("\n")) {
    if (/^\S/.test(line)) inInputs = line.startsWith("inputs:");
    if (!inInputs) continue;
    const input = /^ {2}([A-Za-z0-9_-]+):\s*$/.exec(line);
    if (input) name = input[1];
    const value = /^ {4}default:\s*(.*)$/.exec(line);
    if (value && name) defaults[name] = value[1].trim().replace(/^(["'])(.*)\1$/, "$2");
  }
  return defaults;
}

async function runAction(distributionId, awsEnv, dryRun) {
  console.log(bold("\n3c. The GitHub Action's dist/, the way a runner runs it"));
  if (missingBundle(ACTION)) return undefined;
  const root = tempDir("cf-demo-runner-");
  const workspace = join(root, "workspace");
  spawnSync("mkdir", ["-p", workspace]);
  writeFileSync(join(workspace, "sync.log"), readFileSync(SYNC_LOG));
  const outputFile = join(root, "github_output");
  const summaryFile = join(root, "step_summary.md");
  writeFileSync(outputFile, "");
  writeFileSync(summaryFile, "");
  const inputs = {
    ...actionDefaults(),
    "distribution-id": distributionId ?? "E2QWRUHAPOMQZL",
    "sync-log": "sync.log",
    "s3-prefix": S3_PREFIX,
    wait: dryRun ? "false" : "true",
    "wait-timeout-seconds": "20",
    "dry-run": dryRun ? "true" : "false",
  };
  const inputEnv = Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [`INPUT_${k.replace(/ /g, "_").toUpperCase()}`, v]),
  );
  console.log(
    `    $ INPUT_DISTRIBUTION-ID=${inputs["distribution-id"]} INPUT_SYNC-LOG=sync.log ... node ${rel(ACTION)}`,
  );
  const run = await runStep([ACTION], {
    cwd: workspace,
    env: cleanEnv({
      ...awsEnv,
      ...inputEnv,
      GITHUB_ACTIONS: "true",
      CI: "true",
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: root,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_RUN_ID: String(Date.now()),
      GITHUB_RUN_ATTEMPT: "1",
      GITHUB_JOB: "deploy",
      GITHUB_ACTION: "invalidate",
    }),
  });
  console.log(`    → exit code ${run.code}; outputs (GITHUB_OUTPUT):`);
  const outputs = readOutputs(readFileSync(outputFile, "utf8"));
  for (const [key, value] of Object.entries(outputs)) {
    console.log(`      ${key} = ${value.includes("\n") ? JSON.stringify(value) : value}`);
  }
  return { ...run, outputs };
}

/** GITHUB_OUTPUT as the runner reads it: `name<<DELIMITER` heredocs or `name=value` lines. */
function readOutputs(text) {
  const outputs = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const value = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i]);
      outputs[heredoc[1]] = value.join("\n");
    } else if (lines[i].includes("=")) {
      const at = lines[i].indexOf("=");
      outputs[lines[i].slice(0, at)] = lines[i].slice(at + 1);
    }
  }
  return outputs;
}

// The Lambda runtime's way: import the file as an ES module and await handler(event, context).
const LAMBDA_RUNTIME = `
const { pathToFileURL } = await import("node:url");
const mod = await import(pathToFileURL(process.env.HANDLER_FILE).href);
const result = await mod.handler(JSON.parse(process.env.HANDLER_EVENT), { functionName: "cf-invalidate-demo" });
process.stdout.write("HANDLER_RESULT " + JSON.stringify(result) + "\\n");
`;

async function runLambda(distributionId, awsEnv) {
  console.log(bold("\n3d. The Lambda's dist/, invoked with a CodePipeline job event"));
  if (missingBundle(LAMBDA)) return undefined;
  const codePipeline = await startCodePipelineStandIn();
  const jobId = crypto.randomUUID();
  const userParameters = { distributionId, paths: ["/index.html", "/about/*"], wait: true };
  const event = {
    "CodePipeline.job": {
      id: jobId,
      accountId: "111122223333",
      data: {
        actionConfiguration: {
          configuration: { FunctionName: "cf-invalidate", UserParameters: JSON.stringify(userParameters) },
        },
        inputArtifacts: [],
        outputArtifacts: [],
        artifactCredentials: { accessKeyId: "ASIADEMO", secretAccessKey: "demo-secret", sessionToken: "demo-token" },
      },
    },
  };
  console.log(`    CodePipeline job ${jobId}, UserParameters ${JSON.stringify(userParameters)}`);
  console.log(`    CodePipeline's job API: a local stand-in on ${codePipeline.endpoint}`);
  const run = await runStep(["--input-type=module", "-e", LAMBDA_RUNTIME], {
    quietStdout: true,
    env: cleanEnv({
      ...awsEnv,
      AWS_ENDPOINT_URL_CODEPIPELINE: codePipeline.endpoint,
      HANDLER_FILE: LAMBDA,
      HANDLER_EVENT: JSON.stringify(event),
    }),
  });
  // The handler logs JSON lines; show them shortened, then what CodePipeline received.
  for (const line of run.stdout.split("\n").filter((l) => l.trim() !== "")) {
    console.log(dim(`    │ ${line.length > 160 ? `${line.slice(0, 157)}...` : line}`));
  }
  console.log(`    → exit code ${run.code}; CodePipeline received:`);
  for (const result of codePipeline.results) {
    const details = result.body.executionDetails ?? result.body.failureDetails ?? {};
    console.log(`      ${result.operation}: ${details.summary ?? details.message ?? ""}`);
    if (result.body.outputVariables)
      console.log(`      outputVariables: ${JSON.stringify(result.body.outputVariables)}`);
  }
  if (codePipeline.results.length === 0) console.log("      nothing (the action would time out after 20 minutes)");
  return { ...run, results: codePipeline.results };
}

// ------------------------------------------------------------------- a realistic deploy to plan
/**
 * A generated blog, as a static site generator writes it, and the sync log of one deploy: a new
 * post shifts every page of the paginated listing, touches its tags' pages, the feed, the sitemap
 * and the home page. Enough files that one path per file is costly, few enough to read the plan.
 */
function writeBlogDeploy() {
  const root = tempDir("cf-demo-site-");
  const site = join(root, "public");
  const files = ["index.html", "about/index.html", "feed.xml", "sitemap.xml", "css/main.css", "js/app.js"];
  const posts = 240;
  const perPage = 10;
  const tags = ["aws", "cloudfront", "s3", "ci", "static-sites", "performance", "security", "tooling"];
  for (let i = 1; i <= posts; i++) files.push(`blog/posts/post-${i}/index.html`, `img/posts/post-${i}.jpg`);
  for (let page = 2; page <= Math.ceil((posts + 1) / perPage); page++) files.push(`blog/page/${page}/index.html`);
  files.push("blog/index.html", ...tags.map((tag) => `tags/${tag}/index.html`));
  files.push(`blog/posts/post-${posts + 1}/index.html`, `img/posts/post-${posts + 1}.jpg`);
  for (const file of files) {
    mkdirSync(dirname(join(site, file)), { recursive: true });
    writeFileSync(join(site, file), `${file}\n`);
  }
  // What `aws s3 sync public/ s3://my-site-bucket/site/` printed for the deploy of post 241.
  const changed = [
    `blog/posts/post-${posts + 1}/index.html`,
    `img/posts/post-${posts + 1}.jpg`,
    "blog/index.html",
    ...Array.from({ length: Math.ceil((posts + 1) / perPage) - 1 }, (_, i) => `blog/page/${i + 2}/index.html`),
    "tags/aws/index.html",
    "tags/cloudfront/index.html",
    "feed.xml",
    "sitemap.xml",
    "index.html",
  ];
  const log = join(root, "sync.log");
  writeFileSync(log, changed.map((key) => `upload: public/${key} to s3://my-site-bucket/site/${key}`).join("\n"));
  return { site, log, files: files.length, changed: changed.length };
}

/** The plan next to `/*` and one path per file: paths billed, a month of daily deploys, cache kept. */
function printComparison(json) {
  const { cost } = json;
  if (!cost) return;
  const unchanged = cost.keptWarm ? cost.keptWarm.vsEverything + cost.keptWarm.lostVsPerFile : undefined;
  const month = (paths) => {
    const usd = Math.max(0, paths * 30 - 1000) * 0.005;
    return usd === 0 ? "free" : `USD ${usd.toFixed(2)}`;
  };
  const kept = (n) => (unchanged ? `${n} of ${unchanged} (${Math.round((100 * n) / unchanged)}%)` : "?");
  const rows = [
    ["", "paths billed", "30 deploys a month", "unchanged URLs kept cached"],
    ["this plan", String(cost.pathsBilled), month(cost.pathsBilled), kept(cost.keptWarm?.vsEverything ?? 0)],
    ["/*", "1", month(1), kept(0)],
    ["one path per file", String(cost.perFile.pathsBilled), month(cost.perFile.pathsBilled), kept(unchanged ?? 0)],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const row of rows)
    console.log(
      `    ${row
        .map((cell, c) => cell.padEnd(widths[c]))
        .join("  ")
        .trimEnd()}`,
    );
  console.log(dim("    (the first 1,000 paths a month are free per account, then USD 0.005 a path)"));
}

async function runCliDeploy(distributionId, awsEnv, dryRun) {
  console.log(bold("\n3a. The CLI on a real-sized deploy: one new post on a 240-post blog"));
  if (missingBundle(CLI)) return undefined;
  const deploy = writeBlogDeploy();
  console.log(
    `    the site: ${deploy.files} files; the sync log: ${deploy.changed} uploads under s3://my-site-bucket/site/` +
      (dryRun ? "" : "\n    no --s3-prefix: the CLI reads the distribution's origin path (/site) to map keys to URLs"),
  );
  const args = (extra) => [
    CLI,
    ...(distributionId ? ["--distribution-id", distributionId] : []),
    "--sync-log",
    deploy.log,
    "--site-dir",
    deploy.site,
    ...(dryRun ? ["--dry-run", "--s3-prefix", S3_PREFIX] : []),
    ...extra,
  ];
  console.log(
    `    $ node ${rel(CLI)} --distribution-id ${distributionId ?? "(none)"} --sync-log sync.log --site-dir public${dryRun ? " --dry-run" : " --wait"}`,
  );
  const run = await runStep(args(dryRun ? [] : ["--wait", "--wait-timeout", "20"]), { env: cleanEnv(awsEnv) });
  console.log(`    → exit code ${run.code}`);
  // The same plan as data, for the comparison (a dry run: nothing is sent twice).
  const json = await runStep(args(dryRun ? ["--json"] : ["--dry-run", "--json", "--s3-prefix", S3_PREFIX]), {
    env: cleanEnv(awsEnv),
    quietStdout: true,
  });
  try {
    printComparison(JSON.parse(json.stdout));
  } catch {
    console.log("    (no comparison: the CLI printed no JSON)");
  }
  return run;
}

// ------------------------------------------------------------------------------- final listing
async function listInvalidations(distributionId, endpoint) {
  console.log(bold(`\n4. The invalidations on ${distributionId}, as CloudFront (moto) reports them`));
  let sdk;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  try {
    sdk = createRequire(join(ROOT, "packages/cli/package.json"))("@aws-sdk/client-cloudfront");
  } catch {
    console.log("    skipped: @aws-sdk/client-cloudfront is not installed (run `pnpm install`)");
    return;
  }
  const client = new sdk.CloudFrontClient({
    region: "us-east-1",
    endpoint,
    credentials: {
      accessKeyId: FAKE_CREDENTIALS.AWS_ACCESS_KEY_ID,
      secretAccessKey: FAKE_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
    },
  });
  try {
    const list = await client.send(new sdk.ListInvalidationsCommand({ DistributionId: distributionId }));
    const items = list.InvalidationList?.Items ?? [];
    if (items.length === 0) console.log("    none");
    for (const summary of items) {
      const { Invalidation } = await client.send(
        new sdk.GetInvalidationCommand({ DistributionId: distributionId, Id: summary.Id }),
      );
      const batch = Invalidation?.InvalidationBatch;
      const paths = batch?.Paths?.Items ?? [];
      console.log(`    ${summary.Id}  ${Invalidation?.Status}  ${paths.length} path(s)  ref ${batch?.CallerReference}`);
      console.log(dim(`      ${paths.join(" ")}`));
    }
  } finally {
    client.destroy();
  }
}

// ------------------------------------------------------------------------------------------ main
async function main() {
  const started = Date.now();
  console.log(bold("cf-invalidate demo: invalidate CloudFront after an S3 deploy, with no AWS account"));
  buildMissingBundles();
  const moto = motoCommand();
  const failures = [];
  const check = (name, run, ok) => {
    if (run && !ok(run)) failures.push(name);
  };

  if (!moto) {
    console.log(bold("\n1. moto_server: not installed"));
    console.log('    The local AWS emulator is missing. Install it with:  pip install "moto[server]"');
    console.log("    Running the plan as a dry run instead. Skipped, because they need a CloudFront to talk to:");
    console.log("      - creating a distribution (2), sending invalidations (3) and listing them (4);");
    console.log("      - the Lambda (3d): it has no dry run; a CodePipeline job always creates invalidations.");
    const deploy = await runCliDeploy(undefined, {}, true);
    check("CLI dry run (deploy)", deploy, (r) => r.code === 0);
    const cli = await runCli(undefined, {}, true);
    check("CLI dry run", cli, (r) => r.code === 0);
    const action = await runAction(undefined, {}, true);
    check("GitHub Action dry run", action, (r) => r.code === 0);
  } else {
    console.log(bold("\n1. moto_server"));
    const endpoint = await startMoto(moto);
    console.log(`    started (${moto[0]}) on ${endpoint}`);
    console.log(bold("\n2. A CloudFront distribution"));
    const distribution = await createDistribution(endpoint);
    console.log(`    ${distribution.id} (${distribution.domain ?? "no domain"}), origin my-site-bucket/site`);
    const awsEnv = { ...FAKE_CREDENTIALS, AWS_REGION: "us-east-1", AWS_ENDPOINT_URL_CLOUDFRONT: endpoint };

    const deploy = await runCliDeploy(distribution.id, awsEnv, false);
    check("CLI (deploy)", deploy, (r) => r.code === 0);
    const cli = await runCli(distribution.id, awsEnv, false);
    check("CLI", cli, (r) => r.code === 0);
    const action = await runAction(distribution.id, awsEnv, false);
    check("GitHub Action", action, (r) => r.code === 0);
    const lambda = await runLambda(distribution.id, awsEnv);
    check("Lambda", lambda, (r) => r.code === 0 && r.results.some((x) => x.operation === "PutJobSuccessResult"));
    await listInvalidations(distribution.id, endpoint);
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (failures.length > 0) {
    console.log(bold(`\nDone in ${seconds} s, but these did not succeed: ${failures.join(", ")}.`));
    process.exitCode = 1;
  } else {
    console.log(bold(`\nDone in ${seconds} s.`));
  }
}

try {
  await main();
} catch (error) {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
