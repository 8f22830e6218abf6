import {
  CloudFrontClient,
  CreateInvalidationCommand,
  GetInvalidationCommand,
  type Invalidation,
  ListInvalidationsCommand,
} from "@aws-sdk/client-cloudfront";
import { type Clock, systemClock } from "./clock.js";
import {
  ConfigurationError,
  classifyError,
  DeadlineExceededError,
  errorName,
  type InvalidationError,
  type UnsentBatch,
} from "./errors.js";

export interface CloudFrontClientOptions {
  /** SDK attempts per call (standard retry strategy). Default 3. */
  readonly maxAttempts?: number;
  /**
   * Signing region. Default `us-east-1`, whatever `AWS_REGION` says: CloudFront is global and
   * signs in us-east-1. Only the China partition needs another (`cn-northwest-1`).
   */
  readonly region?: string;
}

/** The SDK's default number of attempts per call. */
export const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * A CloudFront client as every adapter needs it: signing region us-east-1 (CloudFront is
 * global), credentials and endpoint (`AWS_ENDPOINT_URL[_CLOUDFRONT]`) from the environment.
 *
 * @example
 * const client = createCloudFrontClient({ maxAttempts: 5 });
 */
export function createCloudFrontClient(options: CloudFrontClientOptions = {}): CloudFrontClient {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new ConfigurationError(
      `maxAttempts must be a whole number of at least 1, got ${JSON.stringify(options.maxAttempts)}`,
    );
  }
  // An explicit region wins over AWS_REGION; the endpoint and credentials are left to the SDK's
  // own resolution from the environment (AWS_ENDPOINT_URL_CLOUDFRONT, AWS_ENDPOINT_URL, profiles, ...).
  return new CloudFrontClient({ region: options.region ?? "us-east-1", retryMode: "standard", maxAttempts });
}

/** Identifies one invalidation. */
export interface InvalidationRef {
  readonly distributionId: string;
  readonly id: string;
}

export interface InvalidationStatus extends InvalidationRef {
  /** `InProgress` or `Completed` (normalized from whatever case the endpoint used). */
  readonly status: string;
}

export interface CreatedInvalidation {
  readonly distributionId: string;
  readonly id: string;
  /** `InProgress` or `Completed` (normalized from whatever case the endpoint used). */
  readonly status: string;
  readonly paths: readonly string[];
  readonly callerReference: string;
  /** Which batch of the plan this is. */
  readonly batchIndex: number;
}

export type SendEvent =
  | { readonly type: "created"; readonly invalidation: CreatedInvalidation }
  | {
      readonly type: "waiting-for-slot";
      readonly distributionId: string;
      readonly batchIndex: number;
      readonly retryInMs: number;
    }
  | { readonly type: "progress"; readonly completed: number; readonly total: number; readonly elapsedMs: number };

export interface SubmitBatchesOptions {
  readonly client: CloudFrontClient;
  readonly distributionId: string;
  readonly batches: readonly (readonly string[])[];
  /** Index of the first batch to send (batches before it were sent earlier). */
  readonly fromBatch: number;
  readonly callerReference: (batchIndex: number) => string;
  /** Called as soon as each invalidation exists, before the next batch is sent (or an error thrown). */
  readonly onCreated?: (invalidation: CreatedInvalidation) => void;
}

export interface SubmitBatchesResult {
  readonly created: readonly CreatedInvalidation[];
  /** Index of the first batch not yet sent (`batches.length` when all were sent). */
  readonly nextBatch: number;
  /** CloudFront refused the next batch with TooManyInvalidationsInProgress: try again later. */
  readonly busy: boolean;
}

const COMPLETED = "Completed";
const IN_PROGRESS = "InProgress";

/**
 * CloudFront says `InProgress` and `Completed`; moto says `COMPLETED`. Anything that is not
 * recognisably completed counts as still in progress, so an odd answer makes us wait, never skip.
 */
export function normalizeStatus(status: string | undefined): string {
  const folded = (status ?? "").toLowerCase().replace(/[^a-z]/g, "");
  return folded === "completed" ? COMPLETED : IN_PROGRESS;
}

/**
 * One step, no waiting: sends batches in order from `fromBatch` until all are sent or CloudFront
 * answers TooManyInvalidationsInProgress (then `busy`). Other errors throw, classified.
 * The Lambda calls this once per continuation; `invalidate` loops on it.
 *
 * Resending a batch with the same caller reference is safe: CloudFront returns the invalidation
 * it created the first time.
 */
export async function submitBatches(options: SubmitBatchesOptions): Promise<SubmitBatchesResult> {
  const { client, distributionId, batches } = options;
  if (!Number.isInteger(options.fromBatch) || options.fromBatch < 0 || options.fromBatch > batches.length) {
    throw new ConfigurationError(
      `fromBatch must be a whole number between 0 and ${batches.length}, got ${JSON.stringify(options.fromBatch)}`,
    );
  }
  const created: CreatedInvalidation[] = [];
  for (let batchIndex = options.fromBatch; batchIndex < batches.length; batchIndex++) {
    const paths = batches[batchIndex] ?? [];
    const callerReference = options.callerReference(batchIndex);
    let invalidation: Invalidation | undefined;
    try {
      const output = await client.send(
        new CreateInvalidationCommand({
          DistributionId: distributionId,
          InvalidationBatch: { CallerReference: callerReference, Paths: { Quantity: paths.length, Items: [...paths] } },
        }),
      );
      invalidation = output.Invalidation;
    } catch (error) {
      const name = errorName(error);
      if (name === "TooManyInvalidationsInProgress") return { created, nextBatch: batchIndex, busy: true };
      if (name === "InvalidationBatchAlreadyExists") {
        throw new ConfigurationError(
          `CreateInvalidation on ${distributionId} failed: caller reference ${JSON.stringify(callerReference)} ` +
            `was already used for batch ${batchIndex} with other paths. A caller reference must identify one ` +
            "deploy: use a new one (for example a new run or job id) when the paths change",
          { cause: error },
        );
      }
      throw classifyError(error, `CreateInvalidation on ${distributionId}`);
    }
    if (invalidation?.Id === undefined) {
      throw classifyError(
        new Error("the response holds no invalidation id"),
        `CreateInvalidation on ${distributionId} (batch ${batchIndex})`,
      );
    }
    const entry: CreatedInvalidation = {
      distributionId,
      id: invalidation.Id,
      status: normalizeStatus(invalidation.Status),
      paths: invalidation.InvalidationBatch?.Paths?.Items ?? [...paths],
      callerReference: invalidation.InvalidationBatch?.CallerReference ?? callerReference,
      batchIndex,
    };
    created.push(entry);
    options.onCreated?.(entry);
  }
  return { created, nextBatch: batches.length, busy: false };
}

/**
 * One poll, no waiting: GetInvalidation for each ref. Errors throw, classified (an AccessDenied
 * is a PermissionError at once, never a reason to poll again).
 */
export async function getInvalidationStatuses(
  client: CloudFrontClient,
  refs: readonly InvalidationRef[],
): Promise<InvalidationStatus[]> {
  const statuses: InvalidationStatus[] = [];
  // One after the other: a handful of refs per run, and GetInvalidation is rate limited per account.
  for (const ref of refs) {
    try {
      const output = await client.send(new GetInvalidationCommand({ DistributionId: ref.distributionId, Id: ref.id }));
      statuses.push({
        distributionId: ref.distributionId,
        id: ref.id,
        status: normalizeStatus(output.Invalidation?.Status),
      });
    } catch (error) {
      throw classifyError(error, `GetInvalidation ${ref.id} on ${ref.distributionId}`);
    }
  }
  return statuses;
}

/**
 * The invalidations in progress on a distribution (the first page of ListInvalidations, newest
 * first, which is where running ones are). Used to tell when a slot frees up after
 * TooManyInvalidationsInProgress. Errors throw, classified.
 */
export async function listRunningInvalidations(
  client: CloudFrontClient,
  distributionId: string,
): Promise<InvalidationRef[]> {
  try {
    const output = await client.send(new ListInvalidationsCommand({ DistributionId: distributionId, MaxItems: 100 }));
    return (output.InvalidationList?.Items ?? [])
      .filter((item) => item.Id !== undefined && normalizeStatus(item.Status) !== COMPLETED)
      .map((item) => ({ distributionId, id: item.Id as string }));
  } catch (error) {
    throw classifyError(error, `ListInvalidations on ${distributionId}`);
  }
}

/** How long `invalidate` waits between tries. All in milliseconds; tests set them small or use a fake clock. */
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
}

export interface InvalidateResult {
  readonly invalidations: readonly CreatedInvalidation[];
  /** True when every invalidation is known to be Completed. */
  readonly completed: boolean;
}

function describeCreated(invalidations: readonly CreatedInvalidation[]): string {
  if (invalidations.length === 0) return "no invalidation was created";
  return `created ${invalidations.map((i) => `${i.id} on ${i.distributionId} (batch ${i.batchIndex})`).join(", ")}`;
}

/**
 * Creates the plan's invalidations on every distribution, batch by batch as in-progress slots
 * free up, and optionally waits for completion. Idempotent through `callerReference`.
 *
 * Distributions are served one after the other, round by round: a busy distribution does not
 * hold up the others (each has its own limits), yet no two requests run at once, so events come
 * in a stable order and the account's API rate limit is not strained. Configuration and permission
 * errors end the call at once. A transient error on CreateInvalidation (already retried by the SDK)
 * ends it too; one on GetInvalidation while waiting is tried again at the next poll.
 *
 * @throws DeadlineExceededError with `invalidations` (created) and `unsent` (never sent) when
 *   `deadline` passes while waiting for a slot or for completion.
 * @example
 * await invalidate({ client, distributionIds: ["E2QWRUHAPOMQZL"], batches: plan.batches,
 *   callerReference: (d, i) => `${runId}-${d}-${i}`, wait: true, deadline: Date.now() + 600_000 });
 */
export async function invalidate(options: InvalidateOptions): Promise<InvalidateResult> {
  const clock = options.clock ?? systemClock;
  const timing = { ...DEFAULT_WAIT_TIMING, ...options.timing };
  const emit = options.onEvent ?? (() => {});
  const started = clock.now();
  const created: CreatedInvalidation[] = [];
  const nextBatch = new Map(options.distributionIds.map((id) => [id, 0]));

  const unsent = (): UnsentBatch[] =>
    [...nextBatch].flatMap(([distributionId, from]) =>
      options.batches.slice(from).map((paths, offset) => ({ distributionId, batchIndex: from + offset, paths })),
    );

  // While a distribution is busy, the invalidations that were running when it got busy: a
  // retry makes sense once one of them completes. `undefined`: not known (ListInvalidations
  // failed or found none), so retry on the backoff alone.
  const runningWhenBusy = new Map<string, InvalidationRef[] | undefined>();
  const slotFreed = async (distributionId: string): Promise<boolean> => {
    const running = runningWhenBusy.get(distributionId);
    if (running === undefined || running.length === 0) return true;
    let statuses: InvalidationStatus[];
    try {
      statuses = await getInvalidationStatuses(options.client, running);
    } catch (error) {
      // A permission or configuration error here would surface on CreateInvalidation too;
      // a transient one should not stop the run. Either way, let the create decide.
      void error;
      return true;
    }
    const still = statuses.filter((s) => s.status !== COMPLETED);
    if (still.length === running.length) return false;
    runningWhenBusy.delete(distributionId);
    return true;
  };
  const listRunning = async (distributionId: string): Promise<InvalidationRef[] | undefined> => {
    try {
      return await listRunningInvalidations(options.client, distributionId);
    } catch {
      // Optional knowledge: a role without cloudfront:ListInvalidations still gets plain backoff.
      return undefined;
    }
  };

  let slotDelay = timing.slotRetryMs;
  let candidates: string[] = [...options.distributionIds];
  for (;;) {
    let sentAny = false;
    const busy: string[] = [];
    for (const distributionId of candidates) {
      const from = nextBatch.get(distributionId) ?? 0;
      if (from >= options.batches.length) continue;
      const result = await submitBatches({
        client: options.client,
        distributionId,
        batches: options.batches,
        fromBatch: from,
        callerReference: (batchIndex) => options.callerReference(distributionId, batchIndex),
        onCreated: (invalidation) => {
          created.push(invalidation);
          emit({ type: "created", invalidation });
        },
      });
      nextBatch.set(distributionId, result.nextBatch);
      if (result.created.length > 0) sentAny = true;
      if (result.busy) busy.push(distributionId);
    }
    const stillBusy = [...nextBatch].filter(([, from]) => from < options.batches.length).map(([id]) => id);
    if (stillBusy.length === 0) break;
    // A slot freed up somewhere: start again from a short wait.
    if (sentAny) slotDelay = timing.slotRetryMs;
    for (const distributionId of busy) {
      if (!runningWhenBusy.has(distributionId)) runningWhenBusy.set(distributionId, await listRunning(distributionId));
    }
    // Sleep, then look whether any running invalidation completed; only those distributions retry.
    candidates = [];
    while (candidates.length === 0) {
      const remaining = options.deadline - clock.now();
      if (remaining <= 0) {
        const left = unsent();
        throw new DeadlineExceededError(
          `the deadline passed while ${stillBusy.join(", ")} had too many invalidations in progress ` +
            `(TooManyInvalidationsInProgress): ${describeCreated(created)}; ${left.length} batch(es) still unsent: ` +
            `${left.map((b) => `${b.distributionId} batch ${b.batchIndex}`).join(", ")}. ` +
            "Run again with the same caller reference once CloudFront has finished the running invalidations, or allow more time",
          { invalidations: [...created], unsent: left },
        );
      }
      const delay = Math.min(slotDelay, remaining);
      for (const distributionId of stillBusy) {
        emit({
          type: "waiting-for-slot",
          distributionId,
          batchIndex: nextBatch.get(distributionId) ?? 0,
          retryInMs: delay,
        });
      }
      await clock.sleep(delay);
      slotDelay = Math.min(slotDelay * 2, timing.maxSlotRetryMs);
      const lastChance = options.deadline - clock.now() <= 0;
      for (const distributionId of stillBusy) {
        // At the deadline, one last create per distribution before giving up.
        if (lastChance || (await slotFreed(distributionId))) candidates.push(distributionId);
      }
    }
  }

  const status = new Map(created.map((i) => [`${i.distributionId}/${i.id}`, i.status]));
  const pending = () => created.filter((i) => status.get(`${i.distributionId}/${i.id}`) !== COMPLETED);
  const progress = () =>
    emit({
      type: "progress",
      completed: created.length - pending().length,
      total: created.length,
      elapsedMs: clock.now() - started,
    });
  const invalidations = () =>
    created.map((i) => ({ ...i, status: status.get(`${i.distributionId}/${i.id}`) ?? i.status }));

  if (!options.wait) return { invalidations: invalidations(), completed: pending().length === 0 };

  progress();
  let interval = timing.pollIntervalMs;
  let lastError: InvalidationError | undefined;
  while (pending().length > 0) {
    const remaining = options.deadline - clock.now();
    if (remaining <= 0) {
      const waiting = pending();
      throw new DeadlineExceededError(
        `the deadline passed before ${waiting.length} of ${created.length} invalidation(s) completed: ` +
          `${waiting.map((i) => `${i.id} on ${i.distributionId}`).join(", ")} still in progress ` +
          `(they go on in CloudFront)${lastError ? `; the last poll failed: ${lastError.message}` : ""}`,
        { invalidations: invalidations(), ...(lastError ? { cause: lastError } : {}) },
      );
    }
    await clock.sleep(Math.min(interval, remaining));
    interval = Math.min(Math.round(interval * 1.5), timing.maxPollIntervalMs);
    try {
      for (const s of await getInvalidationStatuses(options.client, pending())) {
        status.set(`${s.distributionId}/${s.id}`, s.status);
      }
      lastError = undefined;
    } catch (error) {
      const classified = classifyError(error);
      // Never poll again on a permanent error (the SDK's own waiter would spin on an AccessDenied).
      if (classified.kind !== "transient") throw classified;
      lastError = classified;
    }
    progress();
  }
  return { invalidations: invalidations(), completed: true };
}
