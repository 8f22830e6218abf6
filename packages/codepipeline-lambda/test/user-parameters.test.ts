import { ConfigurationError } from "invalidation-core";
import { describe, expect, it } from "vitest";
import { DEFAULT_WAIT_TIMEOUT_MINUTES, parseUserParameters } from "../src/user-parameters.js";

const ID = "E2QWRUHAPOMQZL";

describe("parseUserParameters", () => {
  it("reads every key into a typed config", () => {
    const config = parseUserParameters(
      JSON.stringify({
        distributionIds: [ID, "E1A2B3C4D5E6F7"],
        paths: ["/index.html", "/css/*"],
        wait: true,
        waitTimeoutMinutes: 90,
        maxPaths: 10,
      }),
    );
    expect(config).toEqual({
      distributionIds: [ID, "E1A2B3C4D5E6F7"],
      paths: ["/index.html", "/css/*"],
      wait: true,
      waitTimeoutMinutes: 90,
      maxPaths: 10,
    });
  });

  it("falls back to CLOUDFRONT_DISTRIBUTION_ID and no explicit paths (the plan is /*) without UserParameters", () => {
    expect(parseUserParameters(undefined, { CLOUDFRONT_DISTRIBUTION_ID: ID })).toEqual({
      distributionIds: [ID],
      paths: undefined,
      wait: false,
      waitTimeoutMinutes: DEFAULT_WAIT_TIMEOUT_MINUTES,
      maxPaths: undefined,
    });
  });

  it("takes the distribution from the environment when UserParameters set only other keys", () => {
    expect(parseUserParameters('{"wait":true}', { CLOUDFRONT_DISTRIBUTION_ID: ID }).distributionIds).toEqual([ID]);
  });

  it("prefers the UserParameters distribution over the environment", () => {
    const config = parseUserParameters(`{"distributionId":"${ID}"}`, { CLOUDFRONT_DISTRIBUTION_ID: "E1A2B3C4D5E6F7" });
    expect(config.distributionIds).toEqual([ID]);
  });

  it("lists a distribution given twice once", () => {
    expect(parseUserParameters(JSON.stringify({ distributionIds: [ID, ID] })).distributionIds).toEqual([ID]);
  });

  // Each row: UserParameters text, environment, and a fragment the message must contain so
  // that the pipeline's user sees what to fix.
  const malformed: [string, string, Record<string, string>, RegExp][] = [
    ["not JSON", "{distributionId: E2}", {}, /not valid JSON/],
    ["a JSON array", `["${ID}"]`, {}, /must be a JSON object/],
    ["a JSON string", `"${ID}"`, {}, /must be a JSON object/],
    ["JSON null", "null", {}, /must be a JSON object/],
    ["an unknown key (typo)", `{"distributionID":"${ID}"}`, {}, /unknown key "distributionID"/],
    ["distributionId not a string", '{"distributionId":123}', {}, /distributionId must be a string, got 123/],
    ["distributionIds not an array", `{"distributionIds":"${ID}"}`, {}, /distributionIds must be an array/],
    ["distributionIds empty", '{"distributionIds":[]}', {}, /distributionIds.*at least one distribution id/],
    ["distributionIds with a non-string", `{"distributionIds":["${ID}",7]}`, {}, /distributionIds\.1 must be a string/],
    [
      "both distributionId and distributionIds",
      `{"distributionId":"${ID}","distributionIds":["${ID}"]}`,
      {},
      /both distributionId and distributionIds/,
    ],
    ["a malformed distribution id", '{"distributionId":"not-an-id"}', {}, /distributionId.*not-an-id/],
    [
      "a malformed id among several",
      `{"distributionIds":["${ID}","e2qwruhapomqzl!"]}`,
      {},
      /distributionIds\.1.*e2qwruhapomqzl!/,
    ],
    ["no distribution anywhere", '{"paths":["/*"]}', {}, /CLOUDFRONT_DISTRIBUTION_ID/],
    [
      "a malformed id in the environment",
      "",
      { CLOUDFRONT_DISTRIBUTION_ID: "arn:aws:cloudfront::1:distribution/E2" },
      /CLOUDFRONT_DISTRIBUTION_ID/,
    ],
    ["paths not an array", `{"distributionId":"${ID}","paths":"/*"}`, {}, /paths must be an array/],
    ["paths empty", `{"distributionId":"${ID}","paths":[]}`, {}, /paths.*at least one path/],
    ["a path that is not a string", `{"distributionId":"${ID}","paths":[null]}`, {}, /paths\.0 must be a string/],
    [
      "a path without a leading slash",
      `{"distributionId":"${ID}","paths":["index.html"]}`,
      {},
      /paths\.0.*index\.html/,
    ],
    [
      "a path with a wildcard in the middle",
      `{"distributionId":"${ID}","paths":["/a/*/b"]}`,
      {},
      /paths\.0.*\/a\/\*\/b/,
    ],
    ["wait as a string", `{"distributionId":"${ID}","wait":"true"}`, {}, /wait must be a boolean, got "true"/],
    [
      "waitTimeoutMinutes as a string",
      `{"distributionId":"${ID}","waitTimeoutMinutes":"30"}`,
      {},
      /waitTimeoutMinutes must be a number/,
    ],
    [
      "waitTimeoutMinutes zero",
      `{"distributionId":"${ID}","waitTimeoutMinutes":0}`,
      {},
      /waitTimeoutMinutes must be more than 0/,
    ],
    [
      "waitTimeoutMinutes over 24 hours",
      `{"distributionId":"${ID}","waitTimeoutMinutes":1441}`,
      {},
      /waitTimeoutMinutes must be at most 1440/,
    ],
    [
      "maxPaths fractional",
      `{"distributionId":"${ID}","maxPaths":2.5}`,
      {},
      /maxPaths must be a whole number, got 2\.5/,
    ],
    ["maxPaths zero", `{"distributionId":"${ID}","maxPaths":0}`, {}, /maxPaths must be at least 1/],
    ["maxPaths as a string", `{"distributionId":"${ID}","maxPaths":"30"}`, {}, /maxPaths must be a number/],
    // The artifact keys (issue #8).
    [
      "syncLog and diffArtifact together",
      `{"distributionId":"${ID}","syncLog":"sync.log","diffArtifact":"Site"}`,
      {},
      /both syncLog and diffArtifact/,
    ],
    ["syncLog a number", `{"distributionId":"${ID}","syncLog":3}`, {}, /UserParameters.syncLog must be a path inside/],
    ["syncLog empty", `{"distributionId":"${ID}","syncLog":""}`, {}, /syncLog must not be empty/],
    [
      "syncLog object without its path",
      `{"distributionId":"${ID}","syncLog":{"artifact":"BuildOutput"}}`,
      {},
      /UserParameters\.syncLog\.path is missing/,
    ],
    [
      "syncLog object with an unknown key",
      `{"distributionId":"${ID}","syncLog":{"artifact":"B","path":"s.log","file":"x"}}`,
      {},
      /unknown key "syncLog\.file"/,
    ],
    ["diffArtifact empty", `{"distributionId":"${ID}","diffArtifact":""}`, {}, /diffArtifact must not be empty/],
    [
      "s3Prefix without a change list",
      `{"distributionId":"${ID}","s3Prefix":"site"}`,
      {},
      /s3Prefix applies only with syncLog or diffArtifact/,
    ],
    [
      "indexDocument without a change list",
      `{"distributionId":"${ID}","indexDocument":"index.htm"}`,
      {},
      /indexDocument applies only/,
    ],
    [
      "manifestKey with syncLog",
      `{"distributionId":"${ID}","syncLog":"s.log","manifestKey":"m"}`,
      {},
      /manifestKey applies only with diffArtifact/,
    ],
    [
      "deployPrefix with syncLog",
      `{"distributionId":"${ID}","syncLog":"s.log","deployPrefix":"d"}`,
      {},
      /deployPrefix applies only with diffArtifact/,
    ],
    [
      "an s3:// s3Prefix",
      `{"distributionId":"${ID}","syncLog":"s.log","s3Prefix":"s3://bucket/site"}`,
      {},
      // Drift fix: the core's one key-prefix validator, which also says what to give instead.
      /UserParameters\.s3Prefix "s3:\/\/bucket\/site" is an S3 URI; give only the key prefix inside the bucket, such as "site"/,
    ],
    [
      "an indexDocument with a slash",
      `{"distributionId":"${ID}","syncLog":"s.log","indexDocument":"a/index.html"}`,
      {},
      /indexDocument "a\/index.html" must be a file name/,
    ],
    [
      "a deployPrefix outside s3Prefix",
      `{"distributionId":"${ID}","diffArtifact":"S","s3Prefix":"site","deployPrefix":"other"}`,
      {},
      /deployPrefix "other\/" is not inside s3Prefix "site\/"/,
    ],
    [
      "a URL as the distribution",
      '{"distributionId":"https://www.example.com/"}',
      {},
      /distributionId.*host name only/,
    ],
    [
      "a cache tag with a wildcard",
      `{"distributionId":"${ID}","cacheTags":["product:*"]}`,
      {},
      /cacheTags.*no wildcard/,
    ],
    ["cacheTags not an array", `{"distributionId":"${ID}","cacheTags":"blog"}`, {}, /cacheTags must be an array/],
    ["both tenant and tenants", '{"tenant":"dt_a","tenants":["dt_b"]}', {}, /both tenant and tenants/],
    ["an empty tenant", '{"tenant":""}', {}, /tenant must not be empty/],
    ["urlsPerPath below 0", `{"distributionId":"${ID}","urlsPerPath":-1}`, {}, /urlsPerPath must be at least 0/],
    [
      "deployBucket without diffArtifact",
      `{"distributionId":"${ID}","deployBucket":"site"}`,
      {},
      /deployBucket applies only with diffArtifact/,
    ],
    [
      "deployBucket as an S3 URI",
      `{"distributionId":"${ID}","diffArtifact":"S","deployBucket":"s3://site"}`,
      {},
      /deployBucket must be an S3 bucket name/,
    ],
  ];

  it.each(malformed)("rejects %s with a ConfigurationError naming the problem", (_name, text, env, message) => {
    const parse = () => parseUserParameters(text === "" ? undefined : text, env);
    expect(parse).toThrow(ConfigurationError);
    expect(parse).toThrow(message);
  });

  it("reads a sync log in the only artifact, or in a named one, with the mapping settings", () => {
    expect(
      parseUserParameters(`{"distributionId":"${ID}","syncLog":"sync.log","s3Prefix":"site","indexDocument":""}`),
    ).toMatchObject({
      input: { kind: "syncLog", artifact: undefined, path: "sync.log" },
      s3Prefix: "site",
      indexDocument: "",
    });
    expect(
      parseUserParameters(
        `{"distributionId":"${ID}","syncLog":{"artifact":"BuildOutput","path":"out/sync.log"},"paths":["/x"]}`,
      ),
    ).toMatchObject({ input: { kind: "syncLog", artifact: "BuildOutput", path: "out/sync.log" }, paths: ["/x"] });
  });

  it("reads diffArtifact with the deploy prefix defaulting to s3Prefix, normalized", () => {
    expect(parseUserParameters(`{"distributionId":"${ID}","diffArtifact":"Site","s3Prefix":"/site"}`).input).toEqual({
      kind: "diffArtifact",
      artifact: "Site",
      deployPrefix: "site/",
      manifestKey: undefined,
    });
    expect(
      parseUserParameters(
        `{"distributionId":"${ID}","diffArtifact":"Site","deployPrefix":"docs/","manifestKey":"m.json.gz"}`,
      ).input,
    ).toEqual({ kind: "diffArtifact", artifact: "Site", deployPrefix: "docs/", manifestKey: "m.json.gz" });
  });

  it("names every problem at once", () => {
    expect(() => parseUserParameters('{"wait":1,"maxPaths":"x"}')).toThrow(
      /wait must be a boolean.*maxPaths must be a number/,
    );
  });

  it("accepts distributions by id and by domain name, as the core's parseDistributionIds reads them", () => {
    expect(
      parseUserParameters(
        JSON.stringify({ distributionIds: [ID, "WWW.Example.com.", "d111111abcdef8.cloudfront.net"] }),
      ).distributionIds,
    ).toEqual([ID, "www.example.com", "d111111abcdef8.cloudfront.net"]);
    expect(parseUserParameters("{}", { CLOUDFRONT_DISTRIBUTION_ID: "www.example.com" }).distributionIds).toEqual([
      "www.example.com",
    ]);
  });

  it("reads cache tags, tenants, urlsPerPath and deployBucket", () => {
    expect(
      parseUserParameters(
        JSON.stringify({ distributionId: ID, cacheTags: ["Product:TV", "#blog", "product:tv"], urlsPerPath: 2.5 }),
      ),
    ).toMatchObject({ cacheTags: ["#product:tv", "#blog"], urlsPerPath: 2.5 });
    expect(
      parseUserParameters(`{"distributionId":"${ID}","diffArtifact":"S","deployBucket":"site-bucket"}`).input,
    ).toMatchObject({
      deployBucket: "site-bucket",
    });
  });

  it("with tenants as the target, does not also invalidate the function's default distribution", () => {
    const config = parseUserParameters('{"tenants":["dt_a"," shop.example.com "]}', { CLOUDFRONT_DISTRIBUTION_ID: ID });
    expect(config).toMatchObject({ distributionIds: [], tenants: ["dt_a", "shop.example.com"] });
    expect(parseUserParameters(`{"tenant":"dt_a","distributionId":"${ID}"}`).distributionIds).toEqual([ID]);
  });
});
