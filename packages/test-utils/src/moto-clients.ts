import type { MotoServer } from "./moto.ts";
import { TEST_CREDENTIALS } from "./moto.ts";

/**
 * What an AWS SDK v3 client needs to talk to `server` with the test credentials: pass it to
 * `new CloudFrontClient(...)`, `new S3Client(...)`. A plain object, so test-utils needs no SDK.
 */
export interface MotoClientConfig {
  readonly region: string;
  readonly endpoint: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** Client settings for any service of `server` (CloudFront, CodePipeline...). */
export function motoClientConfig(server: MotoServer): MotoClientConfig {
  return {
    region: "us-east-1",
    endpoint: server.endpoint,
    credentials: {
      accessKeyId: TEST_CREDENTIALS.AWS_ACCESS_KEY_ID,
      secretAccessKey: TEST_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
    },
  };
}

/** Client settings for `server`'s S3: path-style, since bucket host names do not resolve to loopback. */
export function motoS3Config(server: MotoServer): MotoClientConfig & { readonly forcePathStyle: true } {
  return { ...motoClientConfig(server), forcePathStyle: true };
}
