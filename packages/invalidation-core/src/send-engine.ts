import { createHash } from "node:crypto";
import type { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import { type Clock, systemClock } from "./clock.js";
import {
  getInvalidationStatuses,
  type InvalidationApis,
  type InvalidationRef,
  listRunningInvalidations,
  type SendEvent,
  submitBatches,
} from "./cloudfront.js";
import {
  ConfigurationError,
  type CreatedInvalidation,
  classifyError,
  DeadlineExceededError,
  type InvalidationError,
  TransientError,
  type UnsentBatch,
} from "./errors.js";

/**
 * The one send/wait engine. Its state is a plain JSON value, so the same rounds serve a process that
 * sleeps between them (the CLI, the action: {@link invalidate}) and a Lambda that cannot sleep and
 * instead carries the state to its next invocation in a CodePipeline continuation token.
 *
 * A round is one of:
 * - `send`: create the next batches on every distribution that may take them (in batch order; a
 *   distribution that answers TooManyInvalidationsInProgress becomes busy, the others go on);
 * - `slot`: for busy distributions, look whether one of the invalidations that were running when it
 *   got busy has completed (GetInvalidation); only then, or at the deadline, try it again;
 * - `poll`: with `wait`, GetInvalidation for what is still in progress.
 * Each round returns the delay before the next (slot waits double from 10 s to 60 s, poll waits grow
 * by half from 5 s to 30 s), or that the work is done. Deadlines, the transient-failure policy and
 * every message about them live here once.
 */

/** How long the engine waits between rounds. All in milliseconds; tests set them small or use a fake clock. */
export interface WaitTiming {
  /** First wait after TooManyInvalidationsInProgress. Doubles up to `maxSlotRetryMs`. Default 10 s. */
  readonly slotRetryMs?: number;
  /** Default 60 s. */
  readonly maxSlotRetryMs?: number;
  /** First wait between completion polls. Grows by half up to `maxPollIntervalMs`. Default 5 s. */
  readonly pollIntervalMs?: number;
  /** Default 30 s. */
  readonly maxPollIntervalMs?: number;
}

export const DEFAULT_WAIT_TIMING: Required<WaitTiming> = {
  slotRetryMs: 10_000,
  maxSlotRetryMs: 60_000,
  pollIntervalMs: 5_000,
  maxPollIntervalMs: 30_000,
};

/**
 * Rounds in a row that may fail transiently (throttling or a 5xx left over after the SDK's own
 * retries, a reset connection) before the run fails. The next round retries with the same caller
 * references, so a retry never creates a second invalidation.
 */
export const MAX_TRANSIENT_ROUNDS = 3;

/** Invalidations watched per busy distribution: the oldest running ones, the likeliest to complete first. */
export const MAX_WATCHED_RUNNING = 5;

/** One invalidation the engine created (or, resumed, was told it created). */
export interface SentInvalidation {
  readonly id: string;
  readonly batchIndex: number;
  /** Seen Completed (without `wait`, only when CloudFront answered so at once: nothing polls). */
  readonly completed: boolean;
}

/** Where one distribution stands. */
export interface DistributionProgress {
  readonly distributionId: string;
  /** Index of the plan's first batch not yet created. */
  readonly nextBatch: number;
  readonly invalidations: readonly SentInvalidation[];
  /**
   * Present while CloudFront refuses the next batch: the running invalidations whose completion frees
   * a slot (empty when they could not be listed: then the slot wait alone decides).
   */
  readonly busy?: { readonly watching: readonly string[] };
}

/** Everything needed to carry on the work; plain JSON. */
export interface SendState {
  readonly version: 1;
  /** Digest of the distributions, batches and wait flag: a resumed state must meet the same plan. */
  readonly planDigest: string;
  readonly wait: boolean;
  readonly startedAt: number;
  /** Epoch ms: past it, waiting (for a slot or for completion) ends in DeadlineExceededError. */
  readonly deadline: number;
  readonly phase: "send" | "slot" | "poll";
  /** The next slot wait and the next poll wait. */
  readonly slotDelayMs: number;
  readonly pollDelayMs: number;
  readonly transientFailures: number;
  /** The last transient failure, while rounds are being retried. */
  readonly lastError?: string;
  /** Completed invalidations a size-limited carrier (the Lambda's token) left out; counted only. */
  readonly omittedCompleted: number;
  readonly distributions: readonly DistributionProgress[];
}

/** The digest that ties a state to its plan. */
export function planDigest(distributionIds: readonly string[], batches: readonly (readonly string[])[], wait: boolean) {
  return createHash("sha256")
    .update(JSON.stringify([distributionIds, batches, wait]))
    .digest("base64url")
    .slice(0, 12);
}

export interface StartOptions {
  readonly distributionIds: readonly string[];
  readonly batches: readonly (readonly string[])[];
  readonly wait: boolean;
  readonly now: number;
  readonly deadline: number;
  readonly timing?: WaitTiming;
}

/** The state before the first round. */
export function startSending(options: StartOptions): SendState {
  const timing = { ...DEFAULT_WAIT_TIMING, ...options.timing };
  return {
    version: 1,
    planDigest: planDigest(options.distributionIds, options.batches, options.wait),
    wait: options.wait,
    startedAt: options.now,
    deadline: options.deadline,
    phase: "send",
    slotDelayMs: timing.slotRetryMs,
    pollDelayMs: timing.pollIntervalMs,
    transientFailures: 0,
    omittedCompleted: 0,
    distributions: options.distributionIds.map((distributionId) => ({
      distributionId,
      nextBatch: 0,
      invalidations: [],
    })),
  };
}

export interface ResumeLimits {
  /** The longest a whole run may take (the Lambda: CodePipeline's 24 hours). */
  readonly maxDurationMs: number;
  readonly now: number;
}

/** The form of an invalidation id CloudFront gives: what a saved state may name. */
export const INVALIDATION_ID = /^[A-Z0-9]{1,64}$/;

/**
 * Checks a state that came back from outside (a continuation token) against the plan it must
 * continue: the same plan, positions within it, ids in CloudFront's form, and a deadline within
 * `maxDurationMs` of a start that is not in the future. Throws ConfigurationError otherwise.
 */
export function checkResumedState(
  state: SendState,
  distributionIds: readonly string[],
  batches: readonly (readonly string[])[],
  limits: ResumeLimits,
): SendState {
  const refuse = (why: string): never => {
    throw new ConfigurationError(
      `the saved progress of this run cannot be continued: ${why}. Run the deploy again to start afresh`,
    );
  };
  if (state.planDigest !== planDigest(distributionIds, batches, state.wait)) {
    refuse("the plan changed since the run started (the configuration or its input is not the same)");
  }
  if (!(state.startedAt <= limits.now && state.deadline >= state.startedAt)) refuse("its times are impossible");
  if (state.deadline - state.startedAt > limits.maxDurationMs) {
    refuse(`its deadline is more than ${Math.round(limits.maxDurationMs / 60_000)} minutes after its start`);
  }
  if (state.distributions.length !== distributionIds.length) refuse("it names other distributions");
  state.distributions.forEach((d, i) => {
    if (d.distributionId !== distributionIds[i]) refuse(`it names distribution ${JSON.stringify(d.distributionId)}`);
    if (!Number.isInteger(d.nextBatch) || d.nextBatch < 0 || d.nextBatch > batches.length) {
      refuse("its batch position is outside the plan");
    }
    for (const inv of d.invalidations) {
      if (!INVALIDATION_ID.test(inv.id)) refuse(`${JSON.stringify(inv.id)} is not a CloudFront invalidation id`);
      if (!(Number.isInteger(inv.batchIndex) && inv.batchIndex >= 0 && inv.batchIndex < d.nextBatch)) {
        refuse(`invalidation ${inv.id} names a batch that was not sent`);
      }
    }
    for (const id of d.busy?.watching ?? []) {
      if (!INVALIDATION_ID.test(id)) refuse(`${JSON.stringify(id)} is not a CloudFront invalidation id`);
    }
  });
  return state;
}

export interface SendContext {
  /** A client (every target is a distribution), or the API of each target (distribution tenants). */
  readonly client: CloudFrontClient | InvalidationApis;
  readonly batches: readonly (readonly string[])[];
  readonly callerReference: (distributionId: string, batchIndex: number) => string;
  readonly clock: Clock;
  readonly timing?: WaitTiming;
  readonly onEvent?: (event: SendEvent) => void;
  /** How many more invalidation ids the state may hold (the Lambda's token has room for only so many). */
  readonly roomForIds?: (state: SendState) => number;
  /** Details of the invalidations created in this process, by id; the engine adds to it. */
  readonly created?: Map<string, CreatedInvalidation>;
  /** Every AWS call of a round is aborted at this epoch ms (default: the deadline plus {@link CALL_GRACE_MS}). */
  readonly abortAt?: number;
  /** Names the endpoint in a message about an unanswered call. */
  readonly endpoint?: string;
}

/** How long past the deadline a call already under way may still take before it is aborted. */
export const CALL_GRACE_MS = 5_000;

export interface Round {
  readonly state: SendState;
  /** Wait this long, then run the next round; undefined: the work is done. */
  readonly delayMs?: number;
}

/** Every invalidation of the state, with its details (from the context when created here). */
export function invalidationsOf(state: SendState, context: SendContext): CreatedInvalidation[] {
  return state.distributions.flatMap((d) =>
    d.invalidations.map((inv) => {
      const known = context.created?.get(`${d.distributionId}/${inv.id}`);
      return {
        distributionId: d.distributionId,
        id: inv.id,
        status: inv.completed ? "Completed" : "InProgress",
        paths: known?.paths ?? context.batches[inv.batchIndex] ?? [],
        callerReference: known?.callerReference ?? context.callerReference(d.distributionId, inv.batchIndex),
        batchIndex: inv.batchIndex,
      };
    }),
  );
}

/** The batches never created. */
export function unsentOf(state: SendState, batches: readonly (readonly string[])[]): UnsentBatch[] {
  return state.distributions.flatMap((d) =>
    batches
      .slice(d.nextBatch)
      .map((paths, offset) => ({ distributionId: d.distributionId, batchIndex: d.nextBatch + offset, paths })),
  );
}

/**
 * Runs one round. Throws the classified error that ends the run: configuration and permission
 * errors at once, transient ones after {@link MAX_TRANSIENT_ROUNDS} failing rounds in a row,
 * DeadlineExceededError (with what was created and what is unsent) when the deadline passes.
 */
export async function advanceSending(state: SendState, context: SendContext): Promise<Round> {
  const timing = { ...DEFAULT_WAIT_TIMING, ...context.timing };
  const draft = new Draft(state, context);
  const abortAt = context.abortAt ?? state.deadline + CALL_GRACE_MS;
  const signal = AbortSignal.timeout(Math.max(1, abortAt - context.clock.now()));
  try {
    if (state.phase === "poll") await draft.poll(signal);
    else await draft.send(state.phase === "slot", signal);
  } catch (thrown) {
    const error = unanswered(thrown, signal, context, state) ?? classifyError(thrown);
    if (error.kind !== "transient") throw error;
    const failures = state.transientFailures + 1;
    const remaining = state.deadline - context.clock.now();
    if (failures >= MAX_TRANSIENT_ROUNDS || remaining <= 0) {
      if (state.phase === "poll" && remaining <= 0) throw draft.completionTimeout(error.message);
      throw error;
    }
    // Retried at the next round of the same phase, after that phase's wait.
    const next = { ...draft.value(), transientFailures: failures, lastError: error.message };
    const delay = Math.min(state.phase === "poll" ? state.pollDelayMs : state.slotDelayMs, remaining);
    return { state: next, delayMs: delay };
  }
  return draft.next(timing);
}

/** An abort at `abortAt` means the endpoint did not answer in time: a timeout that names it. */
function unanswered(
  thrown: unknown,
  signal: AbortSignal,
  context: SendContext,
  state: SendState,
): InvalidationError | undefined {
  if (!signal.aborted) return undefined;
  const seconds = Math.round((context.clock.now() - state.startedAt) / 1000);
  if (context.clock.now() < state.deadline) {
    // Aborted before the run's deadline: the caller's own time ran out (a Lambda invocation's),
    // not the run's. Transient: the next round (the next invocation) tries again.
    return new TransientError(
      `${context.endpoint ?? "CloudFront"} did not answer within this invocation's time (${seconds} s into the run); trying again`,
      { cause: thrown },
    );
  }
  return new DeadlineExceededError(
    `${context.endpoint ?? "CloudFront"} did not answer in time: the run gave up after ${seconds} s ` +
      `(its deadline, and ${CALL_GRACE_MS / 1000} s of grace for the call under way). ` +
      "Check the network and the endpoint, or allow more time",
    { cause: thrown },
  );
}

/** The state of one round being worked on; a new SendState comes out of it. */
class Draft {
  private distributions: DistributionProgress[];
  private sentAny = false;
  private finishedSending = false;
  private readonly emit: (event: SendEvent) => void;

  constructor(
    private readonly start: SendState,
    private readonly context: SendContext,
  ) {
    this.distributions = [...start.distributions];
    this.emit = context.onEvent ?? (() => {});
  }

  value(): SendState {
    return { ...this.start, distributions: this.distributions };
  }

  private update(
    index: number,
    change: { readonly [K in keyof DistributionProgress]?: DistributionProgress[K] | undefined },
  ): void {
    const current = this.distributions[index] as DistributionProgress;
    const next = { ...current, ...change };
    if (next.busy === undefined) delete next.busy;
    this.distributions[index] = next as DistributionProgress;
  }

  private unsent(): number[] {
    const total = this.context.batches.length;
    return this.distributions.flatMap((d, i) => (d.nextBatch < total ? [i] : []));
  }

  /** A send round, or (`slotCheck`) a slot round that sends only where a slot freed up. */
  async send(slotCheck: boolean, signal: AbortSignal): Promise<void> {
    let candidates = this.unsent();
    if (slotCheck) {
      const lastChance = this.context.clock.now() >= this.start.deadline;
      const freed: number[] = [];
      for (const index of candidates) {
        // At the deadline, one last create per distribution before giving up.
        if (lastChance || (await this.slotFreed(index, signal))) freed.push(index);
      }
      candidates = freed;
    }
    const busyAgain = new Set<number>();
    for (const index of candidates) if (await this.sendTo(index, signal)) busyAgain.add(index);
    if (this.unsent().length === 0) {
      this.finishedSending = true;
      return;
    }
    // Listed after the round's sends, so that events keep their order. A distribution keeps what it
    // watches until a completion among them let it try again; then, busy again, it lists afresh.
    for (const index of this.unsent()) {
      const d = this.distributions[index] as DistributionProgress;
      const watched = d.busy?.watching.length ?? 0;
      if (d.busy !== undefined && !(busyAgain.has(index) && watched > 0)) continue;
      this.update(index, { busy: { watching: await this.listRunning(d.distributionId, signal) } });
    }
  }

  /** Sends what the distribution takes; true when CloudFront answered TooManyInvalidationsInProgress. */
  private async sendTo(index: number, signal: AbortSignal): Promise<boolean> {
    const roomNow = () => this.context.roomForIds?.(this.value()) ?? Number.POSITIVE_INFINITY;
    let room = roomNow();
    // No room to remember another id: learn which of ours completed (a size-limited carrier may
    // leave completed ones out), else nothing would ever free room before the poll phase.
    if (room <= 0 && this.start.wait && this.pending().length > 0) {
      await this.poll(signal);
      room = roomNow();
    }
    // Still no room: as good as busy, tried again next round.
    if (room <= 0) return true;
    const d = this.distributions[index] as DistributionProgress;
    const result = await submitBatches({
      client: this.context.client,
      distributionId: d.distributionId,
      batches: this.context.batches.slice(0, Math.min(this.context.batches.length, d.nextBatch + room)),
      fromBatch: d.nextBatch,
      callerReference: (batchIndex) => this.context.callerReference(d.distributionId, batchIndex),
      abortSignal: signal,
      onCreated: (invalidation) => {
        // Recorded before the next batch is sent, so a failure later in the call loses nothing.
        this.context.created?.set(`${d.distributionId}/${invalidation.id}`, invalidation);
        const current = this.distributions[index] as DistributionProgress;
        this.update(index, {
          nextBatch: invalidation.batchIndex + 1,
          invalidations: [
            ...current.invalidations,
            {
              id: invalidation.id,
              batchIndex: invalidation.batchIndex,
              completed: invalidation.status === "Completed",
            },
          ],
          busy: undefined,
        });
        this.sentAny = true;
        this.emit({ type: "created", invalidation });
      },
    });
    return result.busy;
  }

  /** Whether one of the invalidations running when the distribution got busy has completed since. */
  private async slotFreed(index: number, signal: AbortSignal): Promise<boolean> {
    const watching = this.distributions[index]?.busy?.watching ?? [];
    if (watching.length === 0) return true;
    const distributionId = (this.distributions[index] as DistributionProgress).distributionId;
    let statuses: { status: string }[];
    try {
      statuses = await getInvalidationStatuses(
        this.context.client,
        watching.map((id) => ({ distributionId, id })),
        signal,
      );
    } catch (error) {
      // A permission or configuration error here would surface on CreateInvalidation too; a
      // transient one should not stop the run. Either way, let the create decide.
      if (signal.aborted) throw error;
      return true;
    }
    return statuses.some((s) => s.status === "Completed");
  }

  private async listRunning(distributionId: string, signal: AbortSignal): Promise<string[]> {
    try {
      const running = await listRunningInvalidations(this.context.client, distributionId, signal);
      // Newest first: the oldest few are the likeliest to complete first.
      return running.slice(-MAX_WATCHED_RUNNING).map((ref) => ref.id);
    } catch (error) {
      // Optional knowledge: a role without cloudfront:ListInvalidations still gets plain backoff.
      if (signal.aborted) throw error;
      return [];
    }
  }

  async poll(signal: AbortSignal): Promise<void> {
    const refs: InvalidationRef[] = this.pending();
    if (refs.length === 0) return;
    const statuses = await getInvalidationStatuses(this.context.client, refs, signal);
    const completed = new Set(
      statuses.filter((s) => s.status === "Completed").map((s) => `${s.distributionId}/${s.id}`),
    );
    this.distributions = this.distributions.map((d) => ({
      ...d,
      invalidations: d.invalidations.map((inv) =>
        !inv.completed && completed.has(`${d.distributionId}/${inv.id}`) ? { ...inv, completed: true } : inv,
      ),
    }));
  }

  private pending(): InvalidationRef[] {
    return this.distributions.flatMap((d) =>
      d.invalidations.filter((inv) => !inv.completed).map((inv) => ({ distributionId: d.distributionId, id: inv.id })),
    );
  }

  private progress(): void {
    const all = this.distributions.flatMap((d) => d.invalidations);
    this.emit({
      type: "progress",
      completed: all.filter((inv) => inv.completed).length,
      total: all.length,
      elapsedMs: this.context.clock.now() - this.start.startedAt,
    });
  }

  /** The state after a round that did not fail, and the wait before the next. */
  next(timing: Required<WaitTiming>): Round {
    const clock = this.context.clock;
    const base = { ...this.value(), transientFailures: 0 };
    delete (base as { lastError?: string }).lastError;
    if (this.start.phase !== "poll" && !this.finishedSending) {
      const remaining = this.start.deadline - clock.now();
      if (remaining <= 0) throw this.busyTimeout();
      const slotDelay = this.sentAny ? timing.slotRetryMs : this.start.slotDelayMs;
      const delay = Math.min(slotDelay, remaining);
      for (const index of this.unsent()) {
        const d = this.distributions[index] as DistributionProgress;
        this.emit({
          type: "waiting-for-slot",
          distributionId: d.distributionId,
          batchIndex: d.nextBatch,
          retryInMs: delay,
        });
      }
      return {
        state: { ...base, phase: "slot", slotDelayMs: Math.min(slotDelay * 2, timing.maxSlotRetryMs) },
        delayMs: delay,
      };
    }
    if (!this.start.wait) return { state: { ...base, phase: "poll" } };
    this.progress();
    if (this.pending().length === 0) return { state: { ...base, phase: "poll" } };
    const remaining = this.start.deadline - clock.now();
    if (remaining <= 0) throw this.completionTimeout(undefined);
    const interval = this.start.phase === "poll" ? this.start.pollDelayMs : timing.pollIntervalMs;
    return {
      state: { ...base, phase: "poll", pollDelayMs: Math.min(Math.round(interval * 1.5), timing.maxPollIntervalMs) },
      delayMs: Math.min(interval, remaining),
    };
  }

  private busyTimeout(): DeadlineExceededError {
    const state = this.value();
    const created = invalidationsOf(state, this.context);
    const unsent = unsentOf(state, this.context.batches);
    const busy = this.unsent()
      .map((i) => this.distributions[i]?.distributionId)
      .join(", ");
    const createdText =
      created.length === 0
        ? "no invalidation was created"
        : `created ${created.map((i) => `${i.id} on ${i.distributionId} (batch ${i.batchIndex})`).join(", ")}`;
    return new DeadlineExceededError(
      `the deadline passed while ${busy} had too many invalidations in progress ` +
        `(TooManyInvalidationsInProgress): ${createdText}; ${unsent.length} batch(es) still unsent: ` +
        `${unsent.map((b) => `${b.distributionId} batch ${b.batchIndex}`).join(", ")}. ` +
        "Run again with the same caller reference once CloudFront has finished the running invalidations, or allow more time",
      { invalidations: created, unsent },
    );
  }

  completionTimeout(lastError: string | undefined): DeadlineExceededError {
    const state = this.value();
    const created = invalidationsOf(state, this.context);
    const waiting = created.filter((i) => i.status !== "Completed");
    const last = lastError ?? this.start.lastError;
    return new DeadlineExceededError(
      `the deadline passed before ${waiting.length} of ${created.length} invalidation(s) completed: ` +
        `${waiting.map((i) => `${i.id} on ${i.distributionId}`).join(", ")} still in progress ` +
        `(they go on in CloudFront)${last ? `; the last poll failed: ${last}` : ""}`,
      { invalidations: created },
    );
  }
}

export interface InvalidateOptions {
  readonly client: CloudFrontClient;
  readonly distributionIds: readonly string[];
  readonly batches: readonly (readonly string[])[];
  /** Stable across retries of one job or run, different for a new one. */
  readonly callerReference: (distributionId: string, batchIndex: number) => string;
  /** Wait for completion after creating. */
  readonly wait: boolean;
  /** Epoch milliseconds: past it, waiting (for a free slot or for completion) stops with DeadlineExceededError. */
  readonly deadline: number;
  readonly clock?: Clock;
  readonly onEvent?: (event: SendEvent) => void;
  readonly timing?: WaitTiming;
  readonly endpoint?: string;
}

export interface InvalidateResult {
  readonly invalidations: readonly CreatedInvalidation[];
  /** True when every invalidation is known to be Completed. */
  readonly completed: boolean;
}

/**
 * Creates the plan's invalidations on every distribution, batch by batch as in-progress slots
 * free up, and optionally waits for completion: the engine's rounds in one process, sleeping
 * between them. Idempotent through `callerReference`.
 *
 * Distributions are served one after the other, round by round: a busy distribution does not
 * hold up the others (each has its own limits), yet no two requests run at once, so events come
 * in a stable order and the account's API rate limit is not strained.
 *
 * @throws DeadlineExceededError with `invalidations` (created) and `unsent` (never sent) when
 *   `deadline` passes while waiting for a slot or for completion.
 * @example
 * await invalidate({ client, distributionIds: ["E2QWRUHAPOMQZL"], batches: plan.batches,
 *   callerReference: (d, i) => `${runId}-${d}-${i}`, wait: true, deadline: Date.now() + 600_000 });
 */
export async function invalidate(options: InvalidateOptions): Promise<InvalidateResult> {
  const clock = options.clock ?? systemClock;
  const context: SendContext = {
    client: options.client,
    batches: options.batches,
    callerReference: options.callerReference,
    clock,
    created: new Map(),
    ...(options.timing === undefined ? {} : { timing: options.timing }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
  };
  let state = startSending({
    distributionIds: options.distributionIds,
    batches: options.batches,
    wait: options.wait,
    now: clock.now(),
    deadline: options.deadline,
    ...(options.timing === undefined ? {} : { timing: options.timing }),
  });
  for (;;) {
    const round = await advanceSending(state, context);
    state = round.state;
    if (round.delayMs === undefined) break;
    await clock.sleep(round.delayMs);
  }
  const invalidations = invalidationsOf(state, context);
  return { invalidations, completed: invalidations.every((i) => i.status === "Completed") };
}
