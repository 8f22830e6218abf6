// The content diff (S3 listing, hashing) is its own entry, `invalidation-core/content-diff`, so
// that adapters load the S3 client only in diff mode: start-up stays fast for the common case.
export * from "./build-plan.js";
export * from "./cache-tags.js";
export * from "./call-timeouts.js";
export * from "./caller-reference.js";
export * from "./change-source.js";
export * from "./check-count.js";
export * from "./clock.js";
export * from "./cloudfront.js";
export * from "./distribution.js";
export * from "./distribution-tenant.js";
export * from "./errors.js";
export * from "./invalidation-job.js";
export * from "./paths.js";
export * from "./plan.js";
export * from "./plan-cost.js";
export * from "./report-text.js";
export * from "./s3-location.js";
export * from "./send-engine.js";
export * from "./site-listing.js";
export * from "./state-token.js";
export * from "./sync-log.js";
export * from "./text-decoding.js";
export * from "./validators.js";
