// Issue 15's speed claim as a user meets it: the CLI bundle planning 10^5 changed keys from a sync
// log, end to end (start-up, reading, decoding, mapping, planning, printing), next to a minimal
// Node script that only reads the same log, extracts the keys and sorts their paths. Both run as
// processes, interleaved, on the same file.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "./startup.js";
import { formatMs, formatRatio, median } from "./stats.js";
import { renderTable } from "./table.js";

const run = promisify(execFile);
const CLI = join(REPO_ROOT, "packages/cli/dist/index.js");

/** Targets from issue 15: the CLI within 2x the minimal script; budget 3,000 within 3x budget 30. */
export const END_TO_END_TARGETS = { vsMinimal: 2, budget3000VsBudget30: 3 } as const;

// The least a tool must do: read the log, take each upload's key, make it a path (percent-encoded
// segment by segment, as a careful script would), sort.
const MINIMAL = `
const text = require("node:fs").readFileSync(process.argv[1], "utf8");
const paths = [];
for (const line of text.split("\\n")) {
  const at = line.indexOf(" to s3://");
  if (!line.startsWith("upload: ") || at < 0) continue;
  const key = line.slice(line.indexOf("/", at + 9) + 1);
  paths.push("/" + key.split("/").map(encodeURIComponent).join("/"));
}
paths.sort();
process.stdout.write(String(paths.length) + "\\n");
`;

export interface EndToEndSample {
  readonly label: string;
  readonly medianMs: number;
}

async function timed(file: string, args: readonly string[]): Promise<number> {
  const started = performance.now();
  await run(process.execPath, [file, ...args], { maxBuffer: 64 * 1024 * 1024 });
  return performance.now() - started;
}

/** Medians of `runs` interleaved runs of the minimal script and the CLI at budgets 30 and 3,000. */
export async function measureEndToEnd(keys: number, runs: number): Promise<EndToEndSample[]> {
  const dir = await mkdtemp(join(tmpdir(), "bench-e2e-"));
  try {
    const log = join(dir, "sync.log");
    const lines: string[] = [];
    for (let i = 0; i < keys; i++) {
      const key = `section-${i % 40}/topic-${Math.floor(i / 40) % 50}/page-${i}.html`;
      lines.push(`upload: public/${key} to s3://site/${key}`);
    }
    await writeFile(log, `${lines.join("\n")}\n`);
    const script = join(dir, "minimal.cjs");
    await writeFile(script, MINIMAL);
    const cli = (budget: number) => [
      "--dry-run",
      "--json",
      "--distribution-id",
      "E2QWRUHAPOMQZL",
      "--sync-log",
      log,
      "--max-paths",
      String(budget),
    ];
    const times: Record<string, number[]> = { minimal: [], cli30: [], cli3000: [] };
    for (let r = 0; r < runs; r++) {
      times.minimal!.push(await timed(script, [log]));
      times.cli30!.push(await timed(CLI, cli(30)));
      times.cli3000!.push(await timed(CLI, cli(3000)));
    }
    return [
      { label: "minimal script (read, extract, sort)", medianMs: median(times.minimal!) },
      { label: "cf-invalidate --max-paths 30", medianMs: median(times.cli30!) },
      { label: "cf-invalidate --max-paths 3000", medianMs: median(times.cli3000!) },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function renderEndToEnd(samples: readonly EndToEndSample[], keys: number): string {
  const [minimal, at30, at3000] = samples;
  const rows = samples.map((s) => [s.label, formatMs(s.medianMs), formatRatio(s.medianMs / (minimal?.medianMs ?? 1))]);
  const vsMinimal = (at30?.medianMs ?? 0) / (minimal?.medianMs ?? 1);
  const budgets = (at3000?.medianMs ?? 0) / (at30?.medianMs ?? 1);
  return renderTable(
    `CLI end to end: ${keys.toLocaleString("en-US")} changed keys from a sync log`,
    [["process", "median ms", "vs minimal"], ...rows],
    [
      `Target: the CLI within ${END_TO_END_TARGETS.vsMinimal}x the minimal script: ${formatRatio(vsMinimal)} (${vsMinimal <= END_TO_END_TARGETS.vsMinimal ? "met" : "missed"}).`,
      `Target: budget 3,000 within ${END_TO_END_TARGETS.budget3000VsBudget30}x budget 30: ${formatRatio(budgets)} (${budgets <= END_TO_END_TARGETS.budget3000VsBudget30 ? "met" : "missed"}).`,
      "Each a process from spawn to exit (Node's start-up included), runs interleaved; the CLI with --dry-run --json.",
    ],
  );
}
