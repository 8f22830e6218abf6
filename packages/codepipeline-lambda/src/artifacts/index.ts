// Reading CodePipeline input artifacts (zips in S3) with ranged GETs, and the manifest that lets the
// Lambda invalidate what an S3 deploy action changed.
export * from "./artifact.js";
export * from "./errors.js";
export * from "./manifest.js";
export * from "./range-reader.js";
export * from "./zip.js";
