import { createHmac, timingSafeEqual } from "node:crypto";
import * as v from "valibot";
import { ConfigurationError } from "./errors.js";
import { INVALIDATION_ID, MAX_TRANSIENT_ROUNDS, MAX_WATCHED_RUNNING, type SendState } from "./send-engine.js";

/**
 * The engine's state as a signed token for a carrier with a size limit (a CodePipeline
 * continuation token holds at most 2,048 characters). The token is compact JSON, `.`, and an
 * HMAC-SHA256 of it under a key only the carrier's owner has: an edited token is refused, never
 * believed. Every field is bounded on the way back in; `checkResumedState` then checks the state
 * against the plan, and the run reads back from CloudFront every invalidation id it reports.
 */

/** Where a token travels, and how it is signed. */
export interface TokenCarrier {
  /** The most characters the carrier takes. */
  readonly maxLength: number;
  /** The signing key (at least 32 characters). */
  readonly key: string;
  /** Says in a refusal where tokens come from and how to start afresh. */
  readonly refusalHint: string;
}

/** The state, and who started the run (the carrier's own id for it, such as the first job's id). */
export interface SealedState {
  readonly origin: string;
  readonly state: SendState;
}

const MAC_LENGTH = 32; // base64url characters of the HMAC-SHA256: 192 bits
// Room reserved per invalidation before it is created: `["I2J0I21PCUYOIK",399,0],` is 25 characters.
const PER_INVALIDATION = 32;
const LAST_ERROR_LENGTH = 120;
const DOMAIN = "cloudfront-invalidate/send-state/2\n";

const Whole = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const Delay = v.pipe(Whole, v.maxValue(3_600_000));
const Bit = v.picklist([0, 1]);
const InvalidationId = v.pipe(v.string(), v.regex(INVALIDATION_ID));
// A distribution id (the core's form) or a distribution tenant id.
const TargetId = v.pipe(v.string(), v.regex(/^(?:[A-Z0-9]{10,20}|dt_[A-Za-z0-9]{1,64})$/));
// [version, origin, plan digest, wait, startedAt, deadline, phase, slot delay, poll delay,
//  transient failures, omitted completed, last error, [[target, next batch, [[id, batch, completed]], watching]]]
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
        TargetId,
        Whole,
        v.array(v.strictTuple([InvalidationId, Whole, Bit])),
        v.nullable(v.pipe(v.array(InvalidationId), v.maxLength(MAX_WATCHED_RUNNING))),
      ]),
    ),
    v.minLength(1),
    v.maxLength(100),
  ),
]);

function serialize({ origin, state }: SealedState): string {
  return JSON.stringify([
    2,
    origin,
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
 * What a token may leave out when it runs short of room, in this order: the oldest invalidations
 * nobody waits for any more (completed, or all of them without `wait`: counted in `omittedCompleted`),
 * the running invalidations a busy target watches (the engine then falls back to plain backoff),
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

const payloadBudget = (maxLength: number) => maxLength - MAC_LENGTH - 1 - 15; // a margin no rounding reaches

/** How many more invalidations a token of `maxLength` can take (what may be left out counts as room). */
export function roomForIds(sealed: SealedState, maxLength: number): number {
  let state = sealed.state;
  for (let smaller = shrink(state); smaller !== undefined; smaller = shrink(state)) state = smaller;
  const used = serialize({ ...sealed, state }).length;
  return Math.max(0, Math.floor((payloadBudget(maxLength) - used) / PER_INVALIDATION));
}

function mac(key: string, payload: string): string {
  return createHmac("sha256", key).update(DOMAIN).update(payload).digest("base64url").slice(0, MAC_LENGTH);
}

/** Seals the state into a signed token of at most `carrier.maxLength` characters. */
export function sealState(sealed: SealedState, carrier: TokenCarrier): string {
  let state = sealed.state;
  for (;;) {
    const payload = serialize({ ...sealed, state });
    if (payload.length <= payloadBudget(carrier.maxLength)) return `${payload}.${mac(carrier.key, payload)}`;
    const smaller = shrink(state);
    if (smaller === undefined) throw new Error(`the state token would be ${payload.length} characters`);
    state = smaller;
  }
}

/**
 * Opens a token `sealState` made with the same key. A token with a missing or wrong MAC, or whose
 * fields are out of bounds, is refused with a ConfigurationError and never believed.
 */
export function openState(token: string, carrier: TokenCarrier): SealedState {
  const refuse: (why: string) => never = (why) => {
    throw new ConfigurationError(`The continuation token is refused: ${why}. ${carrier.refusalHint}`);
  };
  if (token.length > carrier.maxLength) refuse(`it is ${token.length} characters long`);
  const dot = token.lastIndexOf(".");
  const payload = token.slice(0, Math.max(0, dot));
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(mac(carrier.key, payload));
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
  const [, origin, planDigest, wait, startedAt, deadline, phase, slotDelayMs, pollDelayMs, ...rest] = parsed.output;
  const [transientFailures, omittedCompleted, lastError, distributions] = rest;
  return {
    origin,
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
