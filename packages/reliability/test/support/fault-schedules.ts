// What the fault runs of the three adapters share: the seeded proxies in front of moto's
// CloudFront, the deadline bookkeeping of one process run, and (for the adapters that run as a
// process and are simply run again on failure: the action and the CLI) one whole schedule.
import type { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import { createTestDistribution, type FaultProxy, type MotoServer, startFaultProxy } from "test-utils";
import { invalidationsIn, judge } from "./census.ts";
import type { ProcessRun } from "./processes.ts";
import type { FaultTally } from "./summary.ts";

/**
 * A seeded fault schedule in front of moto's CloudFront. With CloudFront's CallerReference
 * idempotency, which moto lacks: without it a `reset-after` would make a duplicate that real
 * CloudFront would not.
 */
export function startCloudFrontFaults(moto: MotoServer, seed: number, faultRate: number): Promise<FaultProxy> {
  return startFaultProxy({
    target: moto.endpoint,
    seed,
    faultRate,
    slowMs: 50,
    protocol: "rest-xml",
    cloudFrontIdempotency: true,
  });
}

/** CloudFront that stays busy: every CreateInvalidation answers TooManyInvalidationsInProgress. */
export function startBusyCloudFront(moto: MotoServer): Promise<FaultProxy> {
  return startFaultProxy({
    target: moto.endpoint,
    seed: 1,
    faultRate: 1,
    faults: ["too-many-invalidations"],
    protocol: "rest-xml",
  });
}

/** Stops a `startBusyCloudFront` proxy, counting its answers apart from the random schedules'. */
export async function stopBusyCloudFront(busy: FaultProxy, tally: FaultTally): Promise<void> {
  // Counted apart: the random schedules' numbers should not be swamped by this one run.
  tally.extra.deadlineRunBusyAnswers = busy.stats.injected["too-many-invalidations"];
  await busy.stop();
}

// Measured from the process's first output (ProcessRun.workMs), so Node's start-up (0.3 s idle,
// seconds on a loaded 2-core machine) is left out; what remains past the timeout is at most one
// SDK call already under way at the deadline, with its own retries (the core bounds waiting, not
// a request in flight), slowed by the machine's load. A deadline that is ignored shows in the
// "stays busy" tests, which would then never end; and one that slept its 10 s slot retry past a
// 2 s timeout would overrun by 8 s, more than this slack.
/** How far past its deadline an adapter run as a process may still end. */
export const PROCESS_SLACK_MS = 6_000;

/** The deadline a run was given, and how far past it a run may still end. */
export interface Deadline {
  readonly timeoutSeconds: number;
  readonly slackMs: number;
}

/**
 * Counts one process run in `tally` with its overrun of the deadline (work and wall time), and
 * returns a finding when it worked past the deadline and slack.
 */
export function countRun(tally: FaultTally, deadline: Deadline, run: ProcessRun): string | undefined {
  tally.processes++;
  tally.overrun(run.workMs - deadline.timeoutSeconds * 1000);
  tally.wallOverrun(run.wallMs - deadline.timeoutSeconds * 1000);
  // workMs: from the first output (Node's start-up left out: seconds on a loaded machine).
  if (run.workMs > deadline.timeoutSeconds * 1000 + deadline.slackMs) return `worked ${run.workMs} ms`;
  return undefined;
}

export interface RerunSchedule<R extends ProcessRun> {
  readonly seed: number;
  readonly moto: MotoServer;
  /** A client straight to moto: what was really created. */
  readonly truth: CloudFrontClient;
  readonly tally: FaultTally;
  readonly deadline: Deadline;
  /** Runs before giving up on a schedule. */
  readonly maxRuns: number;
  /** The comment of the schedule's own distribution. */
  readonly distributionName: string;
  readonly proxySeed: number;
  readonly faultRate: number;
  /** Every path the plan holds: all must be covered in the end, none twice. */
  readonly plannedPaths: readonly string[];
  /** One run of the adapter, its CloudFront at `proxy`. */
  run(proxy: FaultProxy, distributionId: string): Promise<R>;
  /** What is wrong with one run's result, if anything, besides a non-zero exit. */
  check(run: R): string[];
}

/**
 * One seeded schedule: a distribution of its own, the adapter run through the fault proxy and run
 * again while it fails (as a CI job's retry would, with the same caller references), then what
 * moto holds judged against the plan. Returns the findings, each prefixed with the seed.
 */
export async function runRerunSchedule<R extends ProcessRun>(schedule: RerunSchedule<R>): Promise<string[]> {
  const { seed, tally } = schedule;
  const failures: string[] = [];
  const distributionId = await createTestDistribution(schedule.moto, schedule.distributionName);
  const proxy = await startCloudFrontFaults(schedule.moto, schedule.proxySeed, schedule.faultRate);
  try {
    let ok = false;
    for (let attempt = 0; attempt < schedule.maxRuns && !ok; attempt++) {
      if (attempt > 0) tally.reruns++;
      const run = await schedule.run(proxy, distributionId);
      const overrun = countRun(tally, schedule.deadline, run);
      if (overrun) failures.push(`seed ${seed}: ${overrun}`);
      ok = run.code === 0;
      for (const problem of schedule.check(run)) failures.push(`seed ${seed}: ${problem}`);
    }
    if (!ok) failures.push(`seed ${seed}: still failing after ${schedule.maxRuns} runs`);
    const verdict = judge(await invalidationsIn(schedule.truth, distributionId), schedule.plannedPaths);
    tally.duplicates += verdict.duplicates;
    tally.uncoveredPaths += verdict.uncovered.length;
    if (verdict.duplicates > 0 || verdict.uncovered.length > 0) {
      failures.push(
        `seed ${seed}: ${verdict.duplicates} duplicate(s), uncovered ${verdict.uncovered.join(" ")}: ${verdict.detail}`,
      );
    }
  } finally {
    tally.addStats(proxy.stats);
    await proxy.stop();
  }
  tally.schedules++;
  return failures;
}
