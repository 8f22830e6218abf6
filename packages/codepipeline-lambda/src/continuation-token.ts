import * as v from "valibot";

/** CodePipeline's limit on `continuationToken`. */
export const CONTINUATION_TOKEN_LIMIT = 2048;
// Kept under the limit with a margin, so that no rounding of ours can reach it.
const TOKEN_BUDGET = 2000;
// Room reserved per invalidation id before sending a batch (CloudFront ids are ~14 characters).
const ID_ALLOWANCE = 32;

/** Where one distribution stands. Positions and ids only: the paths are recomputed from the config. */
export interface DistributionProgress {
  /** Index of the plan's first batch not yet sent. */
  readonly nextBatch: number;
  /** Invalidations created and not yet seen Completed. */
  readonly inProgress: readonly string[];
  /** Invalidations seen Completed (or created while not waiting), as far as the token has room. */
  readonly done: readonly string[];
}

/** Everything a continuation needs to carry on the work of the job that started it. */
export interface ContinuationState {
  /** The first job's id: every batch keeps the caller reference derived from it. */
  readonly originalJobId: string;
  readonly startedAt: number;
  /** Epoch milliseconds after which waiting fails. */
  readonly deadline: number;
  /** Hash of the plan and distributions: a continuation whose config now plans otherwise fails. */
  readonly fingerprint: string;
  /** One entry per distribution, in the config's order. */
  readonly distributions: readonly DistributionProgress[];
  /** How many finished invalidation ids were left out of `done` to keep the token small. */
  readonly omittedDone: number;
  /** Transient failures in a row; past a few the job fails instead of trying again. */
  readonly transientFailures: number;
}

const Ids = v.array(v.string());
const TokenSchema = v.strictObject({
  v: v.literal(1),
  j: v.pipe(v.string(), v.minLength(1)),
  s: v.number(),
  e: v.number(),
  f: v.string(),
  d: v.array(v.tuple([v.pipe(v.number(), v.integer(), v.minValue(0)), Ids, Ids])),
  o: v.pipe(v.number(), v.integer(), v.minValue(0)),
  r: v.pipe(v.number(), v.integer(), v.minValue(0)),
});

function serialize(state: ContinuationState): string {
  return JSON.stringify({
    v: 1,
    j: state.originalJobId,
    s: state.startedAt,
    e: state.deadline,
    f: state.fingerprint,
    d: state.distributions.map((d) => [d.nextBatch, d.inProgress, d.done]),
    o: state.omittedDone,
    r: state.transientFailures,
  });
}

/**
 * Encodes the state as a token of at most CONTINUATION_TOKEN_LIMIT characters. When the
 * finished ids do not all fit, the oldest are dropped (counted in `omittedDone`).
 * Throws when even the in-progress ids do not fit (`roomForNewIds` prevents that).
 */
export function encodeContinuationToken(state: ContinuationState): string {
  let current = state;
  let token = serialize(current);
  while (token.length > TOKEN_BUDGET) {
    const index = current.distributions.findIndex((d) => d.done.length > 0);
    if (index < 0) {
      throw new Error(`continuation token would be ${token.length} characters, over ${TOKEN_BUDGET}`);
    }
    current = {
      ...current,
      omittedDone: current.omittedDone + 1,
      distributions: current.distributions.map((d, i) => (i === index ? { ...d, done: d.done.slice(1) } : d)),
    };
    token = serialize(current);
  }
  return token;
}

/** How many more invalidation ids the token can take (finished ids may be dropped to make room). */
export function roomForNewIds(state: ContinuationState): number {
  const withoutDone = serialize({ ...state, distributions: state.distributions.map((d) => ({ ...d, done: [] })) });
  return Math.max(0, Math.floor((TOKEN_BUDGET - withoutDone.length) / ID_ALLOWANCE));
}

/** Decodes a token that this function wrote. Throws an Error naming the problem otherwise. */
export function decodeContinuationToken(token: string): ContinuationState {
  let raw: unknown;
  try {
    raw = JSON.parse(token);
  } catch {
    throw new Error(`the continuation token is not JSON: ${JSON.stringify(token.slice(0, 100))}`);
  }
  const result = v.safeParse(TokenSchema, raw);
  if (!result.success) {
    throw new Error(
      `the continuation token is not one this function wrote (${result.issues.map((i) => `${v.getDotPath(i) ?? "token"}: ${i.message}`).join("; ")})`,
    );
  }
  const t = result.output;
  return {
    originalJobId: t.j,
    startedAt: t.s,
    deadline: t.e,
    fingerprint: t.f,
    distributions: t.d.map(([nextBatch, inProgress, done]) => ({ nextBatch, inProgress, done })),
    omittedDone: t.o,
    transientFailures: t.r,
  };
}
