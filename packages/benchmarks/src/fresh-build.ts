// Issue #9's benchmark: the plan-quality deploys rerun through a real fresh-build `aws s3 sync`
// (every file rewritten, so every file uploaded), comparing the plan from the sync's own log with
// the plan from the core's content diff taken before the sync.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { buildPlan, listSiteKeys, parseChanges } from "invalidation-core";
import {
  type ContentDiffReport,
  changedKeys,
  diffSiteAgainstBucket,
  formatChangeList,
} from "invalidation-core/content-diff";
import { spawnMoto } from "test-utils/moto-process";
import { type StrategyResult, scoreAgainst } from "./plan-quality.js";
import { type DeployCase, diffSites, type SiteFiles, type SitePair } from "./sites.js";
import { findAwsCli } from "./startup.js";
import { formatInt, formatMs, formatPercent, median } from "./stats.js";
import { renderTable } from "./table.js";

const execFileAsync = promisify(execFile);

/** The default budget, as every adapter plans unless told otherwise. */
const BUDGET = 30;
/** Fake credentials: moto accepts any; nothing here may reach AWS. */
const CREDENTIALS = { accessKeyId: "AKIABENCHFRESH000001", secretAccessKey: "benchFreshBuildSecretForMotoOnly0000000" };
const SYNC_TIMEOUT_MS = 10 * 60_000;

export interface FreshSource {
  readonly source: string;
  /** Keys the source says changed (the sync log's lines, or the diff's change list). */
  readonly keys: number;
  /** The source's keys that did not change by content (a fresh build's re-uploads). */
  readonly falseChanges: number;
  /** Keys that changed by content but that the source does not list. Must be 0. */
  readonly missedKeys: number;
  readonly result: StrategyResult;
  /** Wall time of the sync (with upload) or of the diff (median of `diffRuns`). */
  readonly ms: number;
}

export interface FreshCaseResult extends DeployCase {
  readonly files: number;
  /** Keys that changed by content (uploaded or deleted): the truth both sources are scored on. */
  readonly trueChanges: number;
  readonly syncLog: FreshSource;
  readonly diff: FreshSource;
  readonly diffRuns: number;
  /** Files the diff had to hash (same size as their object). */
  readonly hashedFiles: number;
  /** Changes a second diff still saw after the sync: anything but 0 means sync and diff disagree. */
  readonly leftAfterSync: number;
}

export type FreshOutcome =
  | { readonly skipped: string }
  | { readonly cases: readonly FreshCaseResult[]; readonly awsCli: string; readonly awsVersion: string };

function onPath(tool: string): Promise<boolean> {
  return execFileAsync("sh", ["-c", `command -v ${tool}`]).then(
    () => true,
    () => false,
  );
}

/** Writes a render as a build folder would be: every file written anew (so with a new mtime). */
async function writeBuild(folder: string, files: SiteFiles): Promise<void> {
  await rm(folder, { recursive: true, force: true });
  const dirs = new Set<string>();
  for (const key of files.keys()) dirs.add(dirname(join(folder, key)));
  for (const dir of [...dirs].sort()) await mkdir(dir, { recursive: true });
  const entries = [...files];
  // Bounded parallel writes: thousands of small files.
  for (let i = 0; i < entries.length; i += 64) {
    await Promise.all(entries.slice(i, i + 64).map(([key, content]) => writeFile(join(folder, key), content)));
  }
}

interface SyncRun {
  readonly log: string;
  readonly ms: number;
}

/** Set of keys a list names that are not in `truth`, and of `truth` not in the list. */
function compareKeys(listed: readonly string[], truth: ReadonlySet<string>): { extra: number; missing: number } {
  const set = new Set(listed);
  let extra = 0;
  for (const key of set) if (!truth.has(key)) extra++;
  let missing = 0;
  for (const key of truth) if (!set.has(key)) missing++;
  return { extra, missing };
}

/**
 * Runs each pair through moto's S3 with the real AWS CLI: the old build synced, the new build
 * written as a fresh CI build, the content diff taken, then the sync whose log the adapters would
 * read. Skips (with the reason) when moto_server or aws is not on PATH.
 */
export async function measureFreshBuilds(pairs: readonly SitePair[], diffRuns: number): Promise<FreshOutcome> {
  if (!(await onPath("moto_server")))
    return { skipped: 'moto_server is not on PATH (install it with: pip install "moto[server]")' };
  const awsCli = await findAwsCli();
  if (awsCli === undefined)
    return { skipped: "aws (the AWS CLI v1) is not on PATH (install it with: pip install awscli)" };

  const work = await mkdtemp(join(tmpdir(), "bench-fresh-"));
  // In a process group of its own, so that stopping it ends exactly moto and what pyenv started.
  const moto = await spawnMoto({ ownProcessGroup: true });
  try {
    // One clean environment for the CLI: fake credentials, no config files, the emulator only.
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: work,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_CONFIG_FILE: join(work, "no-config"),
      AWS_SHARED_CREDENTIALS_FILE: join(work, "no-credentials"),
      AWS_EC2_METADATA_DISABLED: "true",
    };
    const awsVersion = (await execFileAsync(awsCli, ["--version"], { env })).stdout.trim() || "unknown";
    const sync = async (bucket: string): Promise<SyncRun> => {
      const started = performance.now();
      // As a deploy step runs it, from the folder above the build: `aws s3 sync public/ s3://bucket --delete`.
      const { stdout } = await execFileAsync(awsCli, ["s3", "sync", "public/", `s3://${bucket}`, "--delete"], {
        cwd: work,
        env,
        maxBuffer: 256 * 1024 * 1024,
        timeout: SYNC_TIMEOUT_MS,
      });
      return { log: stdout, ms: performance.now() - started };
    };
    const s3 = new S3Client({
      region: "us-east-1",
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials: CREDENTIALS,
    });
    const folder = join(work, "public");
    const cases: FreshCaseResult[] = [];
    for (const [index, pair] of pairs.entries()) {
      const bucket = `fresh-build-${index + 1}`;
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await writeBuild(folder, pair.before);
      await sync(bucket);
      // The new build, written from scratch as CI does: every mtime is newer than the objects'.
      await writeBuild(folder, pair.after);

      const diff = () => diffSiteAgainstBucket({ s3, siteDirectory: folder, bucket });
      const diffTimes: number[] = [];
      let report: ContentDiffReport | undefined;
      for (let run = 0; run < diffRuns; run++) {
        const started = performance.now();
        report = await diff();
        diffTimes.push(performance.now() - started);
      }
      const syncRun = await sync(bucket);
      const leftAfterSync = changedKeys(await diff()).length;

      const siteKeys = await listSiteKeys(folder);
      const truthDeploy = diffSites(pair.site, pair.scenario, pair.before, pair.after);
      const truth = new Set([...truthDeploy.uploaded, ...truthDeploy.deleted]);
      const { score } = scoreAgainst(truthDeploy);
      const source = (name: string, changes: string, keys: readonly string[], ms: number): FreshSource => {
        const plan = buildPlan({ changes, siteKeys, maxPaths: BUDGET });
        const { extra, missing } = compareKeys(keys, truth);
        return {
          source: name,
          keys: keys.length,
          falseChanges: extra,
          missedKeys: missing,
          result: score(name, plan.plan.paths),
          ms,
        };
      };
      const logKeys = parseChanges(syncRun.log).objects.map((object) => object.key);
      cases.push({
        site: pair.site,
        scenario: pair.scenario,
        files: siteKeys.length,
        trueChanges: truth.size,
        syncLog: source("sync log (fresh build)", syncRun.log, logKeys, syncRun.ms),
        diff: source("content diff (before sync)", formatChangeList(report!), changedKeys(report!), median(diffTimes)),
        diffRuns,
        hashedFiles: report!.hashedFiles,
        leftAfterSync,
      });
    }
    s3.destroy();
    return { cases, awsCli, awsVersion };
  } finally {
    await moto.stop();
    await rm(work, { recursive: true, force: true });
  }
}

export function renderFreshBuilds(outcome: FreshOutcome, scaleNote: string): string {
  const title = "1b. Fresh CI builds: sync log vs content diff";
  if ("skipped" in outcome) return renderTable(title, [], [`skipped: ${outcome.skipped}`]);
  const rows: string[][] = [
    [
      "deploy",
      "change list from",
      "keys listed",
      "not changed",
      "missed",
      `paths billed (max ${BUDGET})`,
      "unchanged invalidated",
      "of unchanged cache",
      "missed paths",
      "time ms",
    ],
  ];
  const notes: string[] = [];
  for (const c of outcome.cases) {
    [c.syncLog, c.diff].forEach((s, i) => {
      rows.push([
        i === 0
          ? `${c.site}: ${c.scenario}`
          : `  ${formatInt(c.trueChanges)} of ${formatInt(c.files)} files changed by content`,
        s.source,
        formatInt(s.keys),
        formatInt(s.falseChanges),
        formatInt(s.missedKeys),
        formatInt(s.result.billed),
        formatInt(s.result.unchangedHit),
        formatPercent(s.result.unchangedShare),
        String(s.result.missed),
        formatMs(s.ms),
      ]);
    });
    if (c.leftAfterSync !== 0)
      notes.push(`WARNING ${c.site}: ${c.scenario}: the diff still saw ${c.leftAfterSync} changes after the sync`);
  }
  const runs = outcome.cases[0]?.diffRuns ?? 0;
  return renderTable(title, rows, [
    ...notes,
    scaleNote,
    `AWS CLI: ${outcome.awsVersion}; S3: moto_server on 127.0.0.1.`,
    "Per deploy: the old build synced with the real AWS CLI, then the new build written from scratch (new mtimes);",
    "  the content diff (diffSiteAgainstBucket: ListObjectsV2, MD5 vs ETag) runs before `aws s3 sync public/",
    "  s3://bucket --delete`, whose stdout is the sync log. Both change lists are planned with buildPlan at the",
    `  default budget ${BUDGET} with the folder's listing, and scored against the true content changes.`,
    "keys listed: keys the source names as changed; not changed: of those, keys whose content is the same (re-uploads);",
    "  missed: keys changed by content that the source does not name (must be 0).",
    "unchanged invalidated / of unchanged cache: unchanged site URLs the plan invalidates, and their share.",
    `time ms: the sync's wall time (uploading every file to moto) / the diff's, median of ${runs} runs, on loopback.`,
  ]);
}
