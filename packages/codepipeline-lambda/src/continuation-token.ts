import { ConfigurationError, openState, roomForIds as roomIn, type SendState, sealState } from "invalidation-core";

/** CodePipeline's limit on `continuationToken`. */
export const CONTINUATION_TOKEN_LIMIT = 2048;
/** The environment variable holding the key that signs tokens (the template provisions it). */
export const TOKEN_KEY_ENV = "CONTINUATION_TOKEN_KEY";
const MIN_KEY_LENGTH = 32;

/** What a continuation carries: the job that started the work (its caller references) and the engine's state. */
export interface Continuation {
  readonly originalJobId: string;
  readonly state: SendState;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The core's signed state token, as CodePipeline carries it, under the stack's key. */
function carrier(env: Env) {
  const key = env[TOKEN_KEY_ENV];
  if (key === undefined || key.length < MIN_KEY_LENGTH) {
    throw new ConfigurationError(
      `The function's ${TOKEN_KEY_ENV} is ${key === undefined ? "not set" : `shorter than ${MIN_KEY_LENGTH} characters`}, ` +
        "so it cannot sign or check the continuation tokens that waiting across invocations needs. " +
        "Deploy the function with the package's template.yaml (it generates the key in Secrets Manager)",
    );
  }
  return {
    maxLength: CONTINUATION_TOKEN_LIMIT,
    key,
    refusalHint:
      `Tokens come only from this function, signed with the key in ${TOKEN_KEY_ENV}; one that was changed, ` +
      "or signed before the key was replaced, cannot be continued. Run the pipeline again",
  };
}

/** How many more invalidations the token can take. */
export const roomForIds = ({ originalJobId, state }: Continuation): number =>
  roomIn({ origin: originalJobId, state }, CONTINUATION_TOKEN_LIMIT);

/** Seals a continuation into a signed token of at most 2,048 characters; ConfigurationError without a key. */
export const sealContinuation = ({ originalJobId, state }: Continuation, env: Env): string =>
  sealState({ origin: originalJobId, state }, carrier(env));

/** Opens a token this function sealed; an edited or unsigned one is refused (ConfigurationError), never believed. */
export function openContinuation(token: string, env: Env): Continuation {
  const { origin, state } = openState(token, carrier(env));
  return { originalJobId: origin, state };
}
