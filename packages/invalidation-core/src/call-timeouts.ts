/**
 * Every AWS call's connection and request timeouts, CloudFront's and S3's alike. Without them an
 * endpoint that accepts a connection and never answers holds the run forever; with them each
 * attempt gives up and the SDK retries (standard retries), and the engine's deadline aborts
 * whatever is left (see send-engine.ts). CreateInvalidation and ListObjectsV2 answer in well under
 * a second; 20 s leaves room for a slow network.
 *
 * Its own module, with no SDK import, so that the content diff (an entry of its own) can use it
 * without loading the CloudFront SDK.
 */
export const CALL_TIMEOUTS = { connectionTimeout: 5_000, requestTimeout: 20_000 } as const;
