import { createHmac, timingSafeEqual } from "node:crypto";
import { ConfigurationError, MAX_TRANSIENT_ROUNDS, type SendState } from "invalidation-core";
import * as v from "valibot";

/** CodePipeline's limit on `continuationToken`. */
export const CONTINUATION_TOKEN_LIMIT = 2048;
/** The environment variable holding the key that signs tokens (the template provisions it). */
export const TOKEN_KEY_ENV = "CONTINUATION_TOKEN_KEY";
const MIN_KEY_LENGTH = 32;
const MAC_LENGTH = 32; // base64url characters of the HMAC-SHA256: 192 bits
// The payload's budget: the MAC and its separator, and a margin no rounding of ours can reach.
const PAYLOAD_BUDGET = CONTINUATION_TOKEN_LIMIT - MAC_LENGTH - 1 - 15;
// Room reserved per invalidation before it is created: `["I2J0I21PCUYOIK",399,0],` is 25 characters.
const PER_INVALIDATION = 32;
const LAST_ERROR_LENGTH = 120;
const DOMAIN = "cloudfront-invalidate/codepipeline-continuation/2\n";

/** What a continuation carries: the job that started the work (its caller references) and the engine's state. */
export interface Continuation {
  readonly originalJobId: string;
  readonly state: SendState;
}

const Whole = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const Delay = v.pipe(Whole, v.maxValue(3_600_000));
const Bit = v.picklist([0, 1]);
const InvalidationId = v.pipe(v.string(), v.regex(/^[A-Z0-9]{1,64}$/));
// [version, first job id, plan digest, wait, startedAt, deadline, phase, slot delay, poll delay,
//  transient failures, omitted completed, last error, [[distribution, next batch, [[id, batch, completed]], watching]]]
const Payload = v.strictTuple([
  v.literal(2),
  v.pipe(v.string(), v.regex(/^[A-Za-z0-9-]{1,64}$/)),
  v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{12}$/)),
  Bit,
  Whole,
  Whole,
  v.picklist(["send", "slot", "poll"]),
  Delay,
  Delay,
  v.pipe(Whole, v.maxValue(MAX_TRANSIENT_ROUNDS)),
  v.pipe(Whole, v.maxValue(1_000_000)),
  v.nullable(v.pipe(v.string(), v.maxLength(LAST_ERROR_LENGTH))),
  v.pipe(
    v.array(
      v.strictTuple([
        v.pipe(v.string(), v.regex(/^[A-Z0-9]{10,20}$/)), // the core's form (parseDistributionId)
        Whole,
        v.array(v.strictTuple([InvalidationId, Whole, Bit])),
        v.nullable(v.pipe(v.array(InvalidationId), v.maxLength(5))),
      ]),
    ),
    v.minLength(1),
    v.maxLength(100),
  ),
]);

function serialize({ originalJobId, state }: Continuation): string {
  return JSON.stringify([
    2,
    originalJobId,
    state.planDigest,
    state.wait ? 1 : 0,
    state.startedAt,
    state.deadline,
    state.phase,
    state.slotDelayMs,
    state.pollDelayMs,
    state.transientFailures,
    state.omittedCompleted,
    state.lastError?.slice(0, LAST_ERROR_LENGTH) ?? null,
    state.distributions.map((d) => [
      d.distributionId,
      d.nextBatch,
      d.invalidations.map((i) => [i.id, i.batchIndex, i.completed ? 1 : 0]),
      d.busy?.watching ?? null,
    ]),
  ]);
}

/**
 * What the token may leave out when it runs short of room, in this order: the oldest invalidations
 * nobody waits for any more (completed, or all of them without `wait`: counted in `omittedCompleted`),
 * the running invalidations a busy distribution watches (the engine then falls back to plain backoff),
 * the last error's text. What is still awaited is never dropped: `roomForIds` keeps room for it.
 */
function shrink(state: SendState): SendState | undefined {
  const index = state.distributions.findIndex((d) => d.invalidations.some((i) => i.completed || !state.wait));
  if (index >= 0) {
    return {
      ...state,
      omittedCompleted: state.omittedCompleted + 1,
      distributions: state.distributions.map((d, i) => {
        if (i !== index) return d;
        const drop = d.invalidations.findIndex((inv) => inv.completed || !state.wait);
        return { ...d, invalidations: d.invalidations.filter((_, at) => at !== drop) };
      }),
    };
  }
  const watching = state.distributions.findIndex((d) => (d.busy?.watching.length ?? 0) > 0);
  if (watching >= 0) {
    return {
      ...state,
      distributions: state.distributions.map((d, i) => (i === watching ? { ...d, busy: { watching: [] } } : d)),
    };
  }
  if (state.lastError !== undefined) {
    const { lastError: _, ...rest } = state;
    return rest;
  }
  return undefined;
}

function fit(continuation: Continuation): string {
  let state = continuation.state;
  for (;;) {
    const payload = serialize({ ...continuation, state });
    if (payload.length <= PAYLOAD_BUDGET) return payload;
    const smaller = shrink(state);
    if (smaller === undefined) throw new Error(`the continuation token would be ${payload.length} characters`);
    state = smaller;
  }
}

/** How many more invalidations the token can take (what `shrink` may drop counts as room). */
export function roomForIds(continuation: Continuation): number {
  let state = continuation.state;
  for (let smaller = shrink(state); smaller !== undefined; smaller = shrink(state)) state = smaller;
  return Math.max(0, Math.floor((PAYLOAD_BUDGET - serialize({ ...continuation, state }).length) / PER_INVALIDATION));
}

function tokenKey(env: Readonly<Record<string, string | undefined>>): string {
  const key = env[TOKEN_KEY_ENV];
  if (key === undefined || key.length < MIN_KEY_LENGTH) {
    throw new ConfigurationError(
      `The function's ${TOKEN_KEY_ENV} is ${key === undefined ? "not set" : `shorter than ${MIN_KEY_LENGTH} characters`}, ` +
        "so it cannot sign or check the continuation tokens that waiting across invocations needs. " +
        "Deploy the function with the package's template.yaml (it generates the key in Secrets Manager)",
    );
  }
  return key;
}

function mac(key: string, payload: string): string {
  return createHmac("sha256", key).update(DOMAIN).update(payload).digest("base64url").slice(0, MAC_LENGTH);
}

/**
 * Seals a continuation into a token of at most 2,048 characters: compact JSON, then `.` and an
 * HMAC-SHA256 of it under the stack's key. Throws ConfigurationError when no key is configured.
 */
export function sealContinuation(
  continuation: Continuation,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const payload = fit(continuation);
  return `${payload}.${mac(tokenKey(env), payload)}`;
}

/**
 * Opens a token this function sealed. A token with a missing or wrong MAC, or whose fields are out of
 * bounds, is refused with a ConfigurationError and never believed. The core then checks the state
 * against the plan (`checkResumedState`) and reads back every id it reports.
 */
export function openContinuation(token: string, env: Readonly<Record<string, string | undefined>>): Continuation {
  const refuse: (why: string) => never = (why) => {
    throw new ConfigurationError(
      `The continuation token is refused: ${why}. Tokens come only from this function, signed with the key in ${TOKEN_KEY_ENV}; ` +
        "one that was changed, or signed before the key was replaced, cannot be continued. Run the pipeline again",
    );
  };
  if (token.length > CONTINUATION_TOKEN_LIMIT) refuse(`it is ${token.length} characters long`);
  const key = tokenKey(env);
  const dot = token.lastIndexOf(".");
  const payload = token.slice(0, Math.max(0, dot));
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(mac(key, payload));
  if (dot < 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    refuse("its signature does not match");
  }
  let raw: unknown;
  try {
    raw = JSON.parse(payload);
  } catch {
    refuse("it is not JSON");
  }
  const parsed = v.safeParse(Payload, raw);
  if (!parsed.success) {
    refuse(
      `it does not hold what this function writes (${parsed.issues.map((i) => v.getDotPath(i) ?? "token").join(", ")})`,
    );
  }
  const [, originalJobId, planDigest, wait, startedAt, deadline, phase, slotDelayMs, pollDelayMs, ...rest] =
    parsed.output;
  const [transientFailures, omittedCompleted, lastError, distributions] = rest;
  return {
    originalJobId,
    state: {
      version: 1,
      planDigest,
      wait: wait === 1,
      startedAt,
      deadline,
      phase,
      slotDelayMs,
      pollDelayMs,
      transientFailures,
      ...(lastError === null ? {} : { lastError }),
      omittedCompleted,
      distributions: distributions.map(([distributionId, nextBatch, invalidations, watching]) => ({
        distributionId,
        nextBatch,
        invalidations: invalidations.map(([id, batchIndex, completed]) => ({
          id,
          batchIndex,
          completed: completed === 1,
        })),
        ...(watching === null ? {} : { busy: { watching } }),
      })),
    },
  };
}
