export * from "./codepipeline-stand-in.ts";
export * from "./fault-proxy.ts";
export * from "./kms-etag-proxy.ts";
export * from "./moto.ts";
export * from "./ports.ts";
export * from "./tools.ts";
