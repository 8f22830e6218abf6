export * from "./build-plan.js";
export * from "./clock.js";
export * from "./cloudfront.js";
export * from "./errors.js";
export * from "./paths.js";
export * from "./plan.js";
export * from "./site-listing.js";
export * from "./sync-log.js";
