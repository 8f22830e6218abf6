import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ALL_FAULTS, type Fault, type FaultProxyStats } from "test-utils";

const ms = (value: number): string => (Number.isFinite(value) ? String(Math.round(value)) : "n/a");

const REPORTS = join(dirname(fileURLToPath(import.meta.url)), "..", "..", ".reports");

/** The numbers one fault suite established; printed and written to .reports/reliability-<name>.json. */
export class FaultTally {
  schedules = 0;
  processes = 0;
  requests = 0;
  readonly injected: Record<Fault, number> = Object.fromEntries(ALL_FAULTS.map((f) => [f, 0])) as Record<Fault, number>;
  idempotentReplays = 0;
  duplicates = 0;
  uncoveredPaths = 0;
  jobsWithoutResult = 0;
  jobsWithTwoResults = 0;
  /** Runs that needed a re-run (step re-run, CLI retry, CodePipeline retry of the stage). */
  reruns = 0;
  /** Largest wall time past the configured deadline, in ms (negative: all ended before it). */
  maxOverrunMs = Number.NEGATIVE_INFINITY;
  /** The same, process start-up included (wall time from spawn to exit). */
  maxWallOverrunMs = Number.NEGATIVE_INFINITY;
  readonly extra: Record<string, number> = {};

  constructor(readonly name: string) {}

  addStats(stats: FaultProxyStats): void {
    this.requests += stats.requests;
    this.idempotentReplays += stats.idempotentReplays;
    for (const fault of ALL_FAULTS) this.injected[fault] += stats.injected[fault];
  }

  overrun(ms: number): void {
    this.maxOverrunMs = Math.max(this.maxOverrunMs, ms);
  }

  wallOverrun(ms: number): void {
    this.maxWallOverrunMs = Math.max(this.maxWallOverrunMs, ms);
  }

  line(): string {
    const faults = ALL_FAULTS.map((f) => `${f}=${this.injected[f]}`).join(" ");
    const extra = Object.entries(this.extra)
      .map(([k, v]) => ` ${k}=${v}`)
      .join("");
    return (
      `RELIABILITY ${this.name}: schedules=${this.schedules} processes=${this.processes} requests=${this.requests} ` +
      `injected{${faults}} replays=${this.idempotentReplays} reruns=${this.reruns} duplicates=${this.duplicates} ` +
      `uncovered=${this.uncoveredPaths} jobsWithoutResult=${this.jobsWithoutResult} jobsWithTwoResults=${this.jobsWithTwoResults} ` +
      `maxOverrunMs=${ms(this.maxOverrunMs)} maxWallOverrunMs=${ms(this.maxWallOverrunMs)}${extra}`
    );
  }

  /** Prints the summary line and writes it as JSON (RELIABILITY.md quotes these numbers). */
  publish(): void {
    console.log(this.line());
    mkdirSync(REPORTS, { recursive: true });
    writeFileSync(
      join(REPORTS, `reliability-${this.name}.json`),
      `${JSON.stringify({ ...this, line: this.line() }, null, 2)}\n`,
    );
  }
}
