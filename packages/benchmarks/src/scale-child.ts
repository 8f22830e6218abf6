// Runs in its own process (see scale.ts), so that each size's peak memory is its own.
import { DEFAULT_MAX_PATHS, keysToPaths, planInvalidation } from "invalidation-core";
import { generateChangedKeys } from "./scale-keys.js";
import { median } from "./stats.js";

export interface ScaleSample {
  readonly keys: number;
  readonly paths: number;
  readonly runs: number;
  readonly medianMs: number;
  readonly mapMs: number;
  readonly planMs: number;
  /** Median CPU time (user + system) of a run: less sensitive than wall time to other load on the machine. */
  readonly cpuMs: number;
  /** Resident set before the first run, with the keys generated (KB). */
  readonly rssBeforeKB: number;
  /** Peak resident set of the process over its lifetime (KB), from process.resourceUsage(). */
  readonly maxRssKB: number;
  readonly planPaths: number;
}

const n = Number(process.argv[2]);
const runs = Number(process.argv[3] ?? 5);
if (!Number.isInteger(n) || n < 1 || !Number.isInteger(runs) || runs < 1) {
  throw new Error(`usage: scale-child.js <keys> [runs], got ${process.argv.slice(2).join(" ")}`);
}
const keys = generateChangedKeys(n);
const rssBeforeKB = Math.round(process.memoryUsage().rss / 1024);
const total: number[] = [];
const map: number[] = [];
const plan: number[] = [];
const cpu: number[] = [];
let paths = 0;
let planPaths = 0;
for (let r = 0; r < runs; r++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const mapped = keysToPaths(keys);
  const t1 = performance.now();
  const result = planInvalidation(mapped.paths, { maxPaths: DEFAULT_MAX_PATHS, distinctPaths: true });
  const t2 = performance.now();
  const c1 = process.cpuUsage(c0);
  cpu.push((c1.user + c1.system) / 1000);
  total.push(t2 - t0);
  map.push(t1 - t0);
  plan.push(t2 - t1);
  paths = mapped.paths.length;
  planPaths = result.pathCount;
}
const sample: ScaleSample = {
  keys: n,
  paths,
  runs,
  medianMs: median(total),
  mapMs: median(map),
  planMs: median(plan),
  cpuMs: median(cpu),
  rssBeforeKB,
  maxRssKB: process.resourceUsage().maxRSS,
  planPaths,
};
process.stdout.write(`${JSON.stringify(sample)}\n`);
