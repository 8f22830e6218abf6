import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { ScaleSample } from "./scale-child.js";
import { formatInt, formatMs, formatRatio } from "./stats.js";
import { renderTable } from "./table.js";

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL("./scale-child.js", import.meta.url));

/** The target from issue #7: 10^5 changed keys planned in under half a second. */
export const SCALE_TARGET = { keys: 100_000, ms: 500 } as const;

export async function measureScale(sizes: readonly number[], runs: (n: number) => number): Promise<ScaleSample[]> {
  const samples: ScaleSample[] = [];
  for (const n of sizes) {
    // A fresh process per size: maxRSS is a lifetime peak, so a shared process would report the largest size for all.
    const { stdout } = await run(process.execPath, [CHILD, String(n), String(runs(n))], { maxBuffer: 1 << 20 });
    samples.push(JSON.parse(stdout) as ScaleSample);
  }
  return samples;
}

export function renderScale(samples: readonly ScaleSample[]): string {
  const first = samples[0];
  const rows: string[][] = [
    [
      "changed keys",
      "paths",
      "runs",
      "median ms",
      "CPU ms",
      "map ms",
      "plan ms",
      "µs/key",
      "µs/key vs 10^3",
      "RSS keys only",
      "peak RSS",
    ],
  ];
  for (const s of samples) {
    const perKey = (s.medianMs * 1000) / s.keys;
    const base = first === undefined ? perKey : (first.medianMs * 1000) / first.keys;
    rows.push([
      formatInt(s.keys),
      formatInt(s.paths),
      String(s.runs),
      formatMs(s.medianMs),
      formatMs(s.cpuMs),
      formatMs(s.mapMs),
      formatMs(s.planMs),
      perKey.toFixed(2),
      formatRatio(perKey / base),
      `${(s.rssBeforeKB / 1024).toFixed(0)} MB`,
      `${(s.maxRssKB / 1024).toFixed(0)} MB`,
    ]);
  }
  const target = samples.find((s) => s.keys === SCALE_TARGET.keys);
  const verdict =
    target === undefined
      ? `target (${formatInt(SCALE_TARGET.keys)} keys < ${SCALE_TARGET.ms} ms): not measured in this run`
      : `target: ${formatInt(SCALE_TARGET.keys)} keys in ${formatMs(target.medianMs)} ms (< ${SCALE_TARGET.ms} ms: ${target.medianMs < SCALE_TARGET.ms ? "met" : "MISSED"})`;
  return renderTable("2. Planner scale: keysToPaths + planInvalidation (max 30 paths, no site listing)", rows, [
    "Each size runs in a fresh node process; times are medians of that many runs in it (the first includes JIT warm-up).",
    "median ms is wall time (map + plan); CPU ms is user + system time of the same runs, which other load on the machine inflates less.",
    "µs/key staying flat as n grows 1000x means linear; n log n would grow it by about 2x from 10^3 to 10^6.",
    "RSS keys only: the process with the generated keys, before planning; peak RSS: process.resourceUsage().maxRSS.",
    verdict,
  ]);
}
