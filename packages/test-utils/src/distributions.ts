import { type MotoServer, TEST_CREDENTIALS } from "./moto.ts";

/** A distribution created in moto: its id and its own `*.cloudfront.net` domain name. */
export interface CreatedDistribution {
  readonly id: string;
  readonly domainName: string;
}

const xml = (text: string): string =>
  text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c);

/**
 * Creates in moto a distribution whose one origin is the S3 REST endpoint of `bucket`
 * (`<bucket>.s3.amazonaws.com`) with `originPath` (`/prod`, or `""` for none), and the alternate
 * domain names `aliases`: the body the AWS CLI sends for `create-distribution`, with every element moto needs. moto keeps
 * OriginPath and Aliases in GetDistributionConfig, but lists no Aliases in ListDistributions: there a
 * distribution is found by its `*.cloudfront.net` name only.
 */
export async function createDistributionWithOrigin(
  server: MotoServer,
  options: {
    readonly bucket: string;
    readonly originPath: string;
    readonly aliases?: readonly string[];
    readonly comment?: string;
  },
): Promise<CreatedDistribution> {
  const aliases = options.aliases ?? [];
  const callerReference = `origin-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const body =
    '<DistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">' +
    `<CallerReference>${callerReference}</CallerReference>` +
    `<Aliases><Quantity>${aliases.length}</Quantity>` +
    (aliases.length === 0 ? "" : `<Items>${aliases.map((a) => `<CNAME>${xml(a)}</CNAME>`).join("")}</Items>`) +
    "</Aliases>" +
    "<Origins><Quantity>1</Quantity><Items><Origin><Id>site</Id>" +
    `<DomainName>${xml(options.bucket)}.s3.amazonaws.com</DomainName>` +
    (options.originPath === "" ? "<OriginPath />" : `<OriginPath>${xml(options.originPath)}</OriginPath>`) +
    "<S3OriginConfig><OriginAccessIdentity /></S3OriginConfig></Origin></Items></Origins>" +
    "<DefaultCacheBehavior><TargetOriginId>site</TargetOriginId><ForwardedValues><QueryString>false</QueryString>" +
    "<Cookies><Forward>none</Forward></Cookies></ForwardedValues><TrustedSigners><Enabled>false</Enabled>" +
    "<Quantity>0</Quantity></TrustedSigners><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy><MinTTL>0</MinTTL>" +
    `</DefaultCacheBehavior><Enabled>true</Enabled><Comment>${xml(options.comment ?? `origin ${options.bucket}`)}</Comment></DistributionConfig>`;
  // moto_server has answered 500 here on a loaded 2-CPU machine (a test's setup, not the code under
  // test): try again, a few times, each with its own caller reference. A distribution created before a
  // lost answer is left unused.
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${server.endpoint}/2020-05-31/distribution`, {
      method: "POST",
      // moto_server picks the service from the credential scope of the Authorization header.
      headers: {
        "content-type": "application/xml",
        authorization: `AWS4-HMAC-SHA256 Credential=${TEST_CREDENTIALS.AWS_ACCESS_KEY_ID}/20260101/us-east-1/cloudfront/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: body.replace(callerReference, `${callerReference}-${attempt}`),
    });
    const text = await response.text();
    const id = /<Id>([A-Z0-9]+)<\/Id>/.exec(text)?.[1];
    const domainName = /<DomainName>([^<]+\.cloudfront\.net)<\/DomainName>/.exec(text)?.[1];
    if (response.ok && id && domainName) return { id, domainName };
    if (response.status < 500 || attempt === 3) {
      throw new Error(`creating a distribution with an origin in moto failed (${response.status}): ${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
  }
}

/** Creates a minimal S3-origin distribution (bucket `site`, no origin path) in moto and returns its id. */
export async function createTestDistribution(server: MotoServer, comment = "test"): Promise<string> {
  return (await createDistributionWithOrigin(server, { bucket: "site", originPath: "", comment })).id;
}
